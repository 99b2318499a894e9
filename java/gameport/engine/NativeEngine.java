package gameport.engine;

import gameport.ring.ManyToOneRing;
import gameport.ring.RingDescriptor;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;

/**
 * The native engine (io_uring on Linux): I/O worker threads in {@code libgameport}, talking to the
 * game thread only through the two rings.
 *
 * <p>Ring memory is allocated here, in Java ({@link ManyToOneRing#allocate}), and its address is
 * handed to the native side once; this object keeps both buffers reachable until {@link #close()}
 * has joined the workers, so the memory is neither freed nor moved while native code uses it.
 *
 * <p>Threads: by default ({@code workers == 0}) the engine has no thread of its own; the game thread
 * drives it through {@link #endRound} (one JNI call per round, which carries a batch window of
 * packets) and closes it. With worker threads, {@link #endRound} calls into native code only
 * when the requests ring says its consumer sleeps or when the game thread has nothing to do.
 * {@link #collectSendLatency} runs on another thread, once a second, whatever the traffic.
 * {@link #post} runs on any thread and calls in only when the game thread waits.
 *
 * <p>Failure: if an I/O thread cannot go on, the library sets a flag word in a small direct buffer
 * this object owns (one acquire load per round to look at it, no call) and {@link #endRound} and
 * {@link #requestsFull} throw {@link EngineFailedException} with its reason.
 */
public final class NativeEngine implements Engine {
    /** No worker threads: the game thread does the I/O inside {@link #endRound}. */
    public static final int DEFAULT_WORKERS = 0;
    public static final int DEFAULT_RING_BYTES = 4 << 20;

    /** Word 0 of {@link #failureFlag}: 0, or 1 once the native engine failed (release store there). */
    private static final VarHandle FLAG = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    private final ManyToOneRing events;
    private final ManyToOneRing requests;
    /** Written by the library, kept reachable here until close() has destroyed the engine. */
    private final ByteBuffer failureFlag = ByteBuffer.allocateDirect(64);
    private final long handle;
    private final boolean inlineIo;
    /** Threads inside a native call that close() must not pull the memory from under. */
    private final AtomicInteger inNative = new AtomicInteger();
    private volatile boolean closed;
    /**
     * Inline I/O: 1 while the game thread is in, or about to enter, a poll0 that may block; a
     * poster that takes it back to 0 delivers the wake-up (see {@link #post}). With worker threads
     * the events ring's own consumer state does this job, but inline that word cannot be used:
     * the engine's worker, which then runs on the game thread inside poll0, publishes into the
     * ring too and would win the wake-up whenever it published something before blocking; its
     * wake goes to awaitEvents0's eventfd or event, which nobody waits on inline, and a poster after it
     * would find no wait announced and leave the poll asleep.
     */
    private final AtomicInteger pollWaiting = new AtomicInteger();
    private boolean started;
    /** collectSendLatency's caller only: the native cumulative counts, now and at the previous call. */
    private final long[] latencyCounts = new long[LatencyBuckets.COUNT];
    private final long[] latencyCollected = new long[LatencyBuckets.COUNT];

    /**
     * @param workers          I/O worker threads (1 on a 2-core machine: 1 worker + the game thread)
     * @param maxPendingBytes  bytes queued for one client beyond which it is closed SLOW_CONSUMER
     * @param maxSessions      session slots; a connection beyond them is accepted and closed at once
     * @param eventRingBytes   capacity of the events ring (power of two, at least 4096)
     * @param requestRingBytes capacity of the requests ring (power of two, at least 4096)
     * @throws IllegalStateException if the library is unavailable ({@link NativeLibrary#unavailableReason()})
     */
    public NativeEngine(int workers, int batchUs, int maxPendingBytes, int maxSessions, int eventRingBytes,
                        int requestRingBytes) {
        NativeLibrary.require();
        this.events = ManyToOneRing.allocate(eventRingBytes);
        this.requests = ManyToOneRing.allocate(requestRingBytes);
        this.inlineIo = workers == 0;
        this.handle = create0(events.memory(), requests.memory(), workers, batchUs, maxPendingBytes, maxSessions);
        setFailureFlag0(handle, failureFlag);
    }

    /** One worker, 4 MiB rings. */
    public NativeEngine(int maxPendingBytes, int maxSessions) {
        this(DEFAULT_WORKERS, 0, maxPendingBytes, maxSessions, DEFAULT_RING_BYTES, DEFAULT_RING_BYTES);
    }

    @Override
    public String name() {
        return "native";
    }

    /** e.g. "io_uring (SINGLE_ISSUER|DEFER_TASKRUN), 1 worker(s)"; meaningful after start. */
    public String describe() {
        if (!enter()) {
            return "closed";
        }
        try {
            return describe0(handle);
        } finally {
            inNative.decrementAndGet();
        }
    }

    @Override
    public synchronized int start(String host, int port) throws IOException {
        if (closed || started) {
            throw new IllegalStateException(closed ? "engine closed" : "engine already started");
        }
        started = true;
        return start0(handle, host, port);
    }

    @Override
    public ManyToOneRing events() {
        return events;
    }

    @Override
    public ManyToOneRing requests() {
        return requests;
    }

    /**
     * Inline I/O: one native call per round sends the round's requests and gathers a batch
     * window of completions into the events ring (the wait is skipped when events are waiting).
     * Worker threads: wakes the workers if they sleep, then sleeps until one wakes this thread.
     */
    @Override
    public void endRound(long sleepNanos) {
        if (inlineIo) {
            if (sleepNanos <= 0) {
                poll(0); // throws EngineFailedException itself
                return;
            }
            // The ring protocol's Dekker pair (RingDescriptor, "Sleeping") on a word of our own:
            // announce, then look at the ring; post() publishes, then looks at the word. Both are
            // volatile, so one of the two sides sees the other: either the record stops the wait
            // from starting, or its poster wakes the wait.
            pollWaiting.set(1);
            try {
                poll(events.hasRecords() ? 0 : sleepNanos);
            } finally {
                pollWaiting.set(0);
            }
            return;
        }
        checkFailed();
        requestsPublished();
        if (sleepNanos > 0 && events.prepareToSleep()) {
            awaitEvents(sleepNanos); // a failing worker wakes this thread
            events.awake();
            checkFailed();
        }
    }

    /**
     * Any thread. The record goes into the events ring as the workers' records do (many
     * producers, a CAS on tail); the wake-up follows only if the game thread announced a wait
     * (endRound), and then from exactly one poster per wait. Inside enter(): close() does not
     * destroy the engine while a wake is on its way into it, and after close nothing is written.
     */
    @Override
    public boolean publish(int type, long session, byte[] payload, int offset, int length) {
        if (!enter()) {
            return false;
        }
        try {
            if (!events.write(type, session, payload, offset, length)) {
                return false;
            }
            // Memory ordering: write() ends with the release store of the record's length word, so
            // the record is complete in memory before the wake-up below; the system call that wakes
            // the game thread and the one it returns from synchronize, so the game thread's acquire
            // load of that length word in its next round sees the record (gp_engine_wake_game).
            boolean wake = inlineIo
                    ? pollWaiting.get() == 1 && pollWaiting.compareAndSet(1, 0)
                    : events.consumerNeedsWake();
            if (wake) {
                wakeGame0(handle);
            }
            return true;
        } finally {
            inNative.decrementAndGet();
        }
    }

    /** Also the way out when a failed worker no longer empties the requests ring. */
    @Override
    public void requestsFull() {
        if (inlineIo) {
            poll(0);
            return;
        }
        checkFailed();
        requestsPublished();
        Thread.yield();
    }

    /** Throws EngineFailedException if the native engine failed: one acquire load when it did not. */
    private void checkFailed() {
        if ((int) FLAG.getAcquire(failureFlag, 0) != 0) {
            throw new EngineFailedException(failureReason());
        }
    }

    private String failureReason() {
        String reason = null;
        if (enter()) {
            try {
                reason = failure0(handle);
            } finally {
                inNative.decrementAndGet();
            }
        }
        return reason != null ? reason : "native engine failed";
    }

    /**
     * Tests only: makes I/O worker {@code worker} (0 without worker threads) fail at its next round,
     * {@code kind} 1 with std::bad_alloc thrown in its state machine, 2 with a hard error of its
     * OS wait (io_uring_enter, GetQueuedCompletionStatusEx).
     */
    void injectFailureForTest(int worker, int kind) {
        if (enter()) {
            try {
                if (injectFailure0(handle, worker, kind) != 0) {
                    throw new IllegalArgumentException("no worker " + worker + " or failure kind " + kind);
                }
            } finally {
                inNative.decrementAndGet();
            }
        }
    }

    private void poll(long timeoutNanos) {
        if (enter()) {
            try {
                poll0(handle, timeoutNanos);
            } finally {
                inNative.decrementAndGet();
            }
        }
    }

    private void requestsPublished() {
        if (requests.consumerNeedsWake() && enter()) {
            try {
                wakeRequests0(handle);
            } finally {
                inNative.decrementAndGet();
            }
        }
    }

    private void awaitEvents(long timeoutNanos) {
        if (timeoutNanos <= 0 || !enter()) {
            return;
        }
        try {
            awaitEvents0(handle, timeoutNanos);
        } finally {
            inNative.decrementAndGet();
        }
    }

    /**
     * Fetches the native cumulative bucket counts in one JNI call and adds what grew since the
     * previous call; values are bucket midpoints ({@link LatencyBuckets}), clamped to what
     * {@code into} can hold. Nothing after close: the counts since the last call are lost then.
     */
    @Override
    public void collectSendLatency(Histogram into) {
        synchronized (latencyCounts) {
            if (!closed) {
                if (!enter()) {
                    return;
                }
                int buckets;
                try {
                    buckets = sendLatencyCounts0(handle, latencyCounts);
                } finally {
                    inNative.decrementAndGet();
                }
                if (buckets != LatencyBuckets.COUNT) {
                    throw new IllegalStateException("libgameport has " + buckets + " latency buckets, this build "
                            + "expects " + LatencyBuckets.COUNT + ": library and classes come from different builds");
                }
            } // else latencyCounts holds the final counts that close() took
            long highest = into.isAutoResize() ? Long.MAX_VALUE : into.getHighestTrackableValue();
            for (int i = 0; i < LatencyBuckets.COUNT; i++) {
                // Never negative: each native counter only grows, and calls are ordered (one at a time).
                long delta = latencyCounts[i] - latencyCollected[i];
                latencyCollected[i] = latencyCounts[i];
                if (delta > 0) {
                    into.recordValueWithCount(Math.min(LatencyBuckets.valueOf(i), highest), delta);
                }
            }
        }
    }

    private boolean enter() {
        inNative.incrementAndGet();
        if (closed) {
            inNative.decrementAndGet();
            return false;
        }
        return true;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        // Inline I/O: closes every session on this thread, which should be the game thread (the
        // game loop closes its engine as it ends). From another thread, first wait until the game
        // thread is out of poll0 (no new call gets in now that closed is set): two threads must
        // never drive the engine at once. Worker threads: joins them, then wakes a game thread
        // blocked in awaitEvents0.
        if (inlineIo) {
            while (inNative.get() > 0) {
                Thread.onSpinWait();
            }
        }
        stop0(handle);
        while (inNative.get() > 0) {
            Thread.onSpinWait();
        }
        synchronized (latencyCounts) {
            // The sends that completed during the stop still reach the next collectSendLatency.
            sendLatencyCounts0(handle, latencyCounts);
        }
        destroy0(handle);
    }

    private static native long create0(ByteBuffer events, ByteBuffer requests, int workers, int batchUs,
                                       int maxPendingBytes, int maxSessions);

    /** Inline I/O only; throws EngineFailedException if the engine failed, IllegalStateException if it cannot go on otherwise. */
    private static native void poll0(long handle, long timeoutNanos);

    /** Before start0: the buffer's first int becomes the engine's failure flag. */
    private static native void setFailureFlag0(long handle, ByteBuffer flag);

    /** The failed engine's reason, or null. */
    private static native String failure0(long handle);

    private static native int injectFailure0(long handle, int worker, int kind);

    private static native int start0(long handle, String host, int port) throws IOException;

    private static native String describe0(long handle);

    private static native void wakeRequests0(long handle);

    private static native void awaitEvents0(long handle, long timeoutNanos);

    /** Any thread: ends the game thread's current or next wait (poll0 inline, awaitEvents0 with workers). */
    private static native void wakeGame0(long handle);

    /** Copies the cumulative counts per bucket into {@code out}; returns the library's bucket count. */
    private static native int sendLatencyCounts0(long handle, long[] out);

    private static native void stop0(long handle);

    private static native void destroy0(long handle);
}
