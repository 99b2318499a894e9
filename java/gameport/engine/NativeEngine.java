package gameport.engine;

import gameport.ring.ManyToOneRing;
import java.io.IOException;
import java.nio.ByteBuffer;
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
 * <p>No JNI call happens per packet: {@link #requestsPublished()} calls into native code only when
 * the requests ring says its consumer sleeps, {@link #awaitEvents(long)} only when the game
 * thread has nothing to do, and {@link #collectSendLatency} once per call, whatever the traffic.
 */
public final class NativeEngine implements Engine {
    public static final int DEFAULT_WORKERS = 1;
    public static final int DEFAULT_RING_BYTES = 4 << 20;

    private final ManyToOneRing events;
    private final ManyToOneRing requests;
    private final long handle;
    /** Threads inside a native call that close() must not pull the memory from under. */
    private final AtomicInteger inNative = new AtomicInteger();
    private volatile boolean closed;
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
    public NativeEngine(int workers, int maxPendingBytes, int maxSessions, int eventRingBytes, int requestRingBytes) {
        NativeLibrary.require();
        this.events = ManyToOneRing.allocate(eventRingBytes);
        this.requests = ManyToOneRing.allocate(requestRingBytes);
        this.handle = create0(events.memory(), requests.memory(), workers, maxPendingBytes, maxSessions);
    }

    /** One worker, 4 MiB rings. */
    public NativeEngine(int maxPendingBytes, int maxSessions) {
        this(DEFAULT_WORKERS, maxPendingBytes, maxSessions, DEFAULT_RING_BYTES, DEFAULT_RING_BYTES);
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

    @Override
    public void requestsPublished() {
        if (requests.consumerNeedsWake() && enter()) {
            try {
                wakeRequests0(handle);
            } finally {
                inNative.decrementAndGet();
            }
        }
    }

    @Override
    public void awaitEvents(long timeoutNanos) {
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
            throw new IllegalStateException("libgameport has " + buckets + " latency buckets, this build expects "
                    + LatencyBuckets.COUNT + ": library and classes come from different builds");
        }
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
        // Joins the workers, then wakes a game thread blocked in awaitEvents0.
        stop0(handle);
        while (inNative.get() > 0) {
            Thread.onSpinWait();
        }
        destroy0(handle);
    }

    private static native long create0(ByteBuffer events, ByteBuffer requests, int workers, int maxPendingBytes,
                                       int maxSessions);

    private static native int start0(long handle, String host, int port) throws IOException;

    private static native String describe0(long handle);

    private static native void wakeRequests0(long handle);

    private static native void awaitEvents0(long handle, long timeoutNanos);

    /** Copies the cumulative counts per bucket into {@code out}; returns the library's bucket count. */
    private static native int sendLatencyCounts0(long handle, long[] out);

    private static native void stop0(long handle);

    private static native void destroy0(long handle);
}
