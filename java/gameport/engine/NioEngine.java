package gameport.engine;

import static gameport.ring.RingDescriptor.*;

import gameport.protocol.Protocol;
import gameport.ring.CloseReason;
import gameport.ring.ManyToOneRing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The pure-Java engine: a NIO Selector that the game thread drives itself, between its rounds. It
 * frames client packets into the event ring and applies the game's SEND/CLOSE requests, merging
 * everything queued for a socket into one write.
 *
 * <p>Threads and ownership:
 * <ul>
 *   <li>There is no I/O thread. The game thread owns the selector, the listener, every session and
 *       the engine's ends of both rings, and does all of the I/O inside {@link #endRound} and
 *       {@link #requestsFull}. It is the engine's only producer into the event ring and the
 *       requests ring's only consumer, so no I/O ever wakes a thread (a wake-up costs 10-14 us of
 *       CPU here, several times per move), and a full event ring cannot deadlock: the thread that
 *       would wait for room is the one that makes it, and sessions paused on a full ring resume
 *       next round.</li>
 *   <li>{@link #post} runs on any thread (the database worker): it adds a record to the event
 *       ring (many producers may) and, only if endRound announced a wait on the ring's consumer
 *       state, wakes the selector. Besides the event ring, its thread shares only {@code closed}
 *       (volatile) and the selector ({@code wakeup()} is thread-safe) with the game thread.</li>
 *   <li>{@link #start} runs on the thread that starts the server, before the game thread starts;
 *       {@link #close} after the game thread has ended (GameServer joins it first), or without a
 *       start. Thread start and join order the memory effects, so no field needs a lock or
 *       volatile.</li>
 *   <li>{@link #collectSendLatency} runs on another thread once a second. The {@link Recorder}
 *       is the only state it shares with the game thread, and is made for one writer and one
 *       interval reader.</li>
 *   <li>An exception in here is thrown on the game thread, out of endRound or requestsFull; the
 *       game loop's catch reports it and the server stops.</li>
 * </ul>
 *
 * <p>The session state machine ({@link NioSession}: OPEN, LINGER, CLOSED) lives in this file only
 * and reads side by side with native/worker_core.cpp: {@code handleRequest} (handle_request),
 * {@code flushDirtySends} (flush_dirty_sends), {@code writeOut} (submit_send and send_done in
 * one, as a non-blocking write completes at once), {@code lingerSent} (linger_sent),
 * {@code readIn} (recv_done), {@code cutPackets} (publish_packets), {@code resumePaused}
 * (process_retries), {@code processLingering} (process_lingering) and {@code closeSession}
 * (begin_teardown and maybe_finish: nothing is in flight that could delay the close).
 *
 * <p>The contract both engines keep (issue 10, "one client cannot hurt another"):
 * <ul>
 *   <li>A CLOSE whose reason is not {@link CloseReason#abortive} always lingers
 *       ({@code beginLinger}), also with nothing queued: the queued bytes, then FIN, then input
 *       read and dropped until the peer's EOF or {@link #LINGER_NANOS}. An abortive one closes at
 *       once and drops what is queued. CLOSED carries the game's reason either way.</li>
 *   <li>At most {@link #MAX_PACKETS_PER_SESSION_ROUND} packets of one session per round go into
 *       the event ring; the rest waits in its read buffer with reading stopped ({@code cap},
 *       {@code resumeCapped}). That is not the pause on a full ring ({@code pausedSessions}),
 *       behind which every other session queues.</li>
 *   <li>A connection refused at accept gets SC_LOGIN_FAIL, FIN, and its input dropped before the
 *       close ({@code refuse}); one log line per 10 s at most counts them.</li>
 *   <li>{@link #close} closes every session gracefully within {@link #SHUTDOWN_LINGER_NANOS}.</li>
 * </ul>
 */
public final class NioEngine implements Engine {
    private static final Logger LOG = Logger.getLogger("gameport.engine");
    private static final int REQUEST_BATCH = 4096;
    private static final int ACCEPTS_PER_ROUND = 256;
    private static final int READS_PER_ROUND = 8;
    private static final long ACCEPT_BACKOFF_NANOS = 100_000_000L;
    /**
     * A graceful CLOSE: flush, FIN, and wait for the peer's EOF for at most this long (native:
     * kLingerMs).
     */
    private static final long LINGER_NANOS = 2_000_000_000L;
    /**
     * At most this many packets of one session go into the event ring per round (per endRound);
     * the rest wait in its read buffer, and its reading stops until the next round. One client's
     * burst then costs the others at most this many of its packets per round of game work.
     */
    static final int MAX_PACKETS_PER_SESSION_ROUND = 32;
    /** close(): the sessions' graceful closes get at most this long, then what is left closes at once. */
    static final long SHUTDOWN_LINGER_NANOS = 3_000_000_000L;
    /** cutPackets: every whole packet is in the ring (or a bad one closed the session). */
    private static final int CUT_ALL = 0;
    /** cutPackets: the event ring filled up; the rest waits for room. */
    private static final int CUT_RING_FULL = 1;
    /** cutPackets: the session's packet cap for this round is reached; the rest waits for the next round. */
    private static final int CUT_CAPPED = 2;
    /** At most one refusal line per this long, with the count since the previous line. */
    private static final long REFUSAL_LOG_NANOS = 10_000_000_000L;
    /** What a refused connection gets before the close: SC_LOGIN_FAIL, header only (size 3, type 3). */
    private static final byte[] REFUSAL = {(byte) Protocol.HEADER_SIZE, 0, (byte) Protocol.SC_LOGIN_FAIL};
    private static final long MAX_LATENCY_MICROS = 3_600_000_000L;

    private final int maxSessions;
    private final int maxPendingBytes;
    private final long batchNanos;
    private final ManyToOneRing events;
    private final ManyToOneRing requests;
    private final NioSession[] slots;
    private final int[] generations;
    private final int[] freeSlots;
    private int freeCount;

    private Selector selector;
    private ServerSocketChannel acceptor;
    private SelectionKey acceptKey;
    /** Volatile for {@link #post}, which may run on any thread. */
    private volatile boolean closed;
    /** When the previous endRound returned: the batch window is measured from there. */
    private long lastReturnNanos;
    /** The previous round's select found ready sockets: the server is busy, the window applies. */
    private boolean lastRoundHadIo;

    /** A CLOSED event that did not fit in the ring: published first, never dropped. */
    private record PendingClosed(NioSession session, CloseReason reason, byte[] text) { }

    private final ArrayDeque<PendingClosed> closedBacklog = new ArrayDeque<>();
    /** Sessions whose packets wait for room in the event ring, oldest first. */
    private final ArrayDeque<NioSession> pausedSessions = new ArrayDeque<>();
    /** Sessions that reached this round's packet cap, oldest first: they go on next round. */
    private final ArrayDeque<NioSession> cappedSessions = new ArrayDeque<>();
    /** Sessions that got output in this drain of the requests ring and are not waiting for OP_WRITE. */
    private final List<NioSession> dirtySessions = new ArrayList<>();
    private final List<NioSession> lingering = new ArrayList<>();
    private final ManyToOneRing.RecordHandler onRequest = this::handleRequest;
    /** Request -> send-completed, microseconds: written by the game thread, read by collectSendLatency. */
    private final Recorder sendLatency = new Recorder(MAX_LATENCY_MICROS, 3);
    private Histogram sendLatencyInterval;
    private long acceptResumeAt;
    private long lastAcceptWarning;
    /** Counts endRound calls: the per-session packet cap counts per round. */
    private long round;
    /** Sessions not CLOSED yet (open or lingering). */
    private int liveSessions;
    private final ByteBuffer discard = ByteBuffer.allocate(4096);
    private long lastRefusalLine = System.nanoTime() - 2 * REFUSAL_LOG_NANOS;
    /** Connections refused since the last refusal line, and the latest reason. */
    private long refusedConnections;
    private String lastRefusalReason;

    /**
     * @param batchUs the batch window in microseconds (see {@link #endRound}); 0 = none
     * @param onFatal not used: an engine failure is an exception on the game thread, which the
     *                game loop reports; kept so both engines are built the same way
     */
    public NioEngine(int maxSessions, int maxPendingBytes, int batchUs, int eventRingBytes, int requestRingBytes,
                     Consumer<Throwable> onFatal) {
        this.maxSessions = maxSessions;
        this.maxPendingBytes = maxPendingBytes;
        this.batchNanos = batchUs * 1000L;
        this.events = ManyToOneRing.allocate(eventRingBytes);
        this.requests = ManyToOneRing.allocate(requestRingBytes);
        this.slots = new NioSession[maxSessions];
        this.generations = new int[maxSessions];
        this.freeSlots = new int[maxSessions];
        for (int i = 0; i < maxSessions; i++) {
            freeSlots[i] = maxSessions - 1 - i;
        }
        this.freeCount = maxSessions;
    }

    @Override
    public String name() {
        return "java";
    }

    @Override
    public ManyToOneRing events() {
        return events;
    }

    @Override
    public ManyToOneRing requests() {
        return requests;
    }

    /** Binds and registers the listener; the first endRound accepts. */
    @Override
    public int start(String host, int port) throws IOException {
        try {
            selector = Selector.open();
            acceptor = ServerSocketChannel.open();
            acceptor.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            acceptor.bind(new InetSocketAddress(host, port), 1024);
            acceptor.configureBlocking(false);
            acceptKey = acceptor.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException e) {
            closeQuietly(acceptor);
            closeQuietly(selector);
            acceptor = null;
            selector = null;
            throw e;
        }
        lastReturnNanos = System.nanoTime() - batchNanos; // the first round starts as after a quiet spell
        return ((InetSocketAddress) acceptor.getLocalAddress()).getPort();
    }

    /**
     * Game thread: sends what the round produced, waits, and publishes what arrived.
     *
     * <p>The batch window: a round that had I/O and starts within {@code batchNanos} of the
     * previous round's end means the server is busy, so instead of selecting at once (one system call and one round
     * of game logic per packet) the thread parks for the rest of the window and then takes all
     * that arrived meanwhile in one select. After a quiet spell the window has passed and the
     * select blocks directly, so the first packet ends the wait at once and light load sees no
     * added delay.
     */
    @Override
    public void endRound(long sleepNanos) {
        try {
            round++;
            drainRequests();
            flushDirtySends();
            long now = System.nanoTime();
            // The game just drained the event ring: room for what waited on it, then the next
            // share of the sessions the packet cap stopped last round.
            resumePaused();
            resumeCapped();
            processLingering(now);
            resumeAccepts(now);
            reportRefusals(now);
            awaitReadiness(sleepNanos);
            handleSelected();
        } catch (IOException e) {
            throw new UncheckedIOException("the java engine's selector failed", e);
        }
        lastReturnNanos = System.nanoTime();
    }

    /**
     * Any thread. {@code selector} is read without a lock or volatile, and safely: it is read only
     * after consumerNeedsWake() saw the game thread's announcement, a volatile write the game
     * thread makes in endRound, after start() set the field (on the game thread, or on the thread
     * that started it before the game thread). A post before start() or while the game thread is
     * busy wakes nothing; its record waits for the next round.
     */
    @Override
    public boolean publish(int type, long session, byte[] payload, int offset, int length) {
        if (closed || !events.write(type, session, payload, offset, length)) {
            return false;
        }
        // write() published the record with a release store before this; wakeup() and the
        // selector's return synchronize (both take the selector's wake-up lock), so the game
        // thread's acquire load of the length word in its next round sees the record. After
        // close() the selector ignores wakeup().
        if (events.consumerNeedsWake()) {
            selector.wakeup();
        }
        return true;
    }

    /** Game thread, mid-round: emptying the requests ring always makes room, so no waiting. */
    @Override
    public void requestsFull() {
        drainRequests();
        flushDirtySends();
    }

    @Override
    public void collectSendLatency(Histogram into) {
        sendLatencyInterval = sendLatency.getIntervalHistogram(sendLatencyInterval);
        into.add(sendLatencyInterval);
    }

    /**
     * The graceful shutdown, on the game thread after its last round: stops accepting (what waits
     * in the listen queue is refused the usual way, then the listener closes), applies the game's
     * last requests, gives every session still open a graceful close with SERVER_SHUTDOWN
     * (sessions already lingering go on with theirs), and goes on writing and reading until every
     * session has closed or {@link #SHUTDOWN_LINGER_NANOS} passed; whatever is left then closes at
     * once. That one deadline replaces the sessions' own linger deadlines. CLOSED events still go
     * into the ring where they fit, but nobody reads them any more.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (selector == null) {
            return; // never started, or start failed and cleaned up
        }
        long start = System.nanoTime();
        long deadline = start + SHUTDOWN_LINGER_NANOS;
        int lingered = 0;
        try {
            stopAccepting();
            drainRequests(); // the game's last SENDs and CLOSEs
            for (NioSession s : slots) {
                if (s != null && s.state == NioSession.OPEN) {
                    beginLinger(s, CloseReason.SERVER_SHUTDOWN, "server shutting down", deadline);
                }
            }
            flushDirtySends();
            lingered = liveSessions;
            for (long now = System.nanoTime(); liveSessions > 0 && now - deadline < 0; now = System.nanoTime()) {
                selector.select(millisAtLeastOne(deadline - now));
                handleSelected();
            }
        } catch (IOException | RuntimeException e) {
            LOG.warning("graceful shutdown cut short: " + e);
        }
        int cut = 0;
        for (NioSession s : slots) {
            if (s != null && s.state != NioSession.CLOSED) {
                closeSession(s, CloseReason.SERVER_SHUTDOWN, "server shutting down");
                cut++;
            }
        }
        if (lingered > 0) {
            LOG.info("shutdown: " + (lingered - cut) + " of " + lingered + " connections closed gracefully in "
                    + (System.nanoTime() - start) / 1_000_000 + " ms" + (cut > 0 ? "; " + cut
                    + " closed at once after the " + SHUTDOWN_LINGER_NANOS / 1_000_000 + " ms bound" : ""));
        }
        reportRefusals(System.nanoTime() + REFUSAL_LOG_NANOS); // whatever count is left
        closeQuietly(acceptor);
        closeQuietly(selector); // also finishes the channel closes deferred to the next select
    }

    /** Refuses what already waits in the listen queue, then closes the listener. */
    private void stopAccepting() {
        if (acceptor.isOpen()) {
            for (int i = 0; i < ACCEPTS_PER_ROUND * 4; i++) {
                SocketChannel channel;
                try {
                    channel = acceptor.accept();
                } catch (IOException e) {
                    break;
                }
                if (channel == null) {
                    break;
                }
                refuse(channel, "server shutting down");
            }
        }
        acceptKey.cancel();
        closeQuietly(acceptor);
    }

    // ------------------------------------------------------------------ waiting

    private void awaitReadiness(long sleepNanos) throws IOException {
        if (sleepNanos <= 0 || events.hasRecords()) {
            selector.selectNow();
            return;
        }
        long now = System.nanoTime();
        long deadline = now + sleepNanos;
        long windowEnd = lastReturnNanos + batchNanos;
        // After a round without I/O (a quiet spell, or the gap after a client's burst) the next
        // packet is not made to wait for a window: that would cost a sleep per burst.
        if (lastRoundHadIo && windowEnd - now > 0) {
            // Not announced: the window is a floor for posted records too, and a wakeup() now
            // would only be cleared by the selectNow below.
            parkUntil(windowEnd - deadline < 0 ? windowEnd : deadline);
            if (selector.selectNow() > 0) {
                return;
            }
            long remaining = deadline - System.nanoTime();
            if (remaining > 0) {
                selectUnlessPosted(remaining);
            }
            return;
        }
        selectUnlessPosted(sleepNanos);
    }

    /**
     * The blocking select, announced on the event ring's consumer state (its sleep protocol,
     * RingDescriptor "Sleeping"), so that {@link #post} wakes it: either prepareToSleep() sees a
     * record posted before, or the poster sees the announcement and calls wakeup(), which ends
     * the select or, if it comes first, makes it return at once. Nothing may call selectNow()
     * between the announcement and the select: it would clear that wake-up.
     */
    private void selectUnlessPosted(long nanos) throws IOException {
        if (!events.prepareToSleep()) {
            selector.selectNow();
            return;
        }
        try {
            selector.select(millisAtLeastOne(nanos));
        } finally {
            events.awake();
        }
    }

    private void parkUntil(long deadline) {
        // parkNanos may return early (spuriously); the window is a floor, not a hint.
        for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(this, left);
        }
    }

    /** Rounded up: waking before a game deadline would only cost an extra round and another select. */
    private static long millisAtLeastOne(long nanos) {
        return Math.max(1, (nanos + 999_999) / 1_000_000);
    }

    private void resumeAccepts(long now) {
        if (acceptKey.interestOps() == 0 && now - acceptResumeAt >= 0) {
            acceptKey.interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    private void handleSelected() {
        lastRoundHadIo = !selector.selectedKeys().isEmpty();
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
            SelectionKey key = it.next();
            it.remove();
            if (!key.isValid()) {
                continue;
            }
            if (key == acceptKey) {
                acceptConnections();
                continue;
            }
            NioSession s = (NioSession) key.attachment();
            int ready = key.readyOps();
            if ((ready & SelectionKey.OP_WRITE) != 0) {
                writeOut(s);
            }
            if (s.state != NioSession.CLOSED && (ready & SelectionKey.OP_READ) != 0) {
                readIn(s);
            }
        }
    }

    // ------------------------------------------------------------------ accepting

    private void acceptConnections() {
        for (int i = 0; i < ACCEPTS_PER_ROUND; i++) {
            SocketChannel channel;
            try {
                channel = acceptor.accept();
            } catch (IOException e) {
                // Usually a full descriptor table: stop accepting for a moment instead of spinning.
                long now = System.nanoTime();
                if (now - lastAcceptWarning > 10_000_000_000L) {
                    LOG.warning("accept failed (" + e.getMessage() + "); pausing accepts for 100 ms");
                    lastAcceptWarning = now;
                }
                acceptKey.interestOps(0);
                acceptResumeAt = now + ACCEPT_BACKOFF_NANOS;
                return;
            }
            if (channel == null) {
                return;
            }
            register(channel);
        }
    }

    private void register(SocketChannel channel) {
        if (freeCount == 0 || !closedBacklog.isEmpty()) {
            refuse(channel, freeCount == 0 ? "all " + maxSessions + " session slots in use" : "event ring full");
            return;
        }
        String peer = "?";
        SelectionKey key = null;
        try {
            peer = formatPeer((InetSocketAddress) channel.getRemoteAddress());
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            key = channel.register(selector, SelectionKey.OP_READ);
        } catch (IOException e) {
            LOG.fine("accepted connection from " + peer + " failed at setup: " + e.getMessage());
            if (key != null) {
                key.cancel();
            }
            closeQuietly(channel);
            return;
        }
        // ACCEPTED goes out last, once nothing can fail: the game never hears of a half-made session.
        int slot = freeSlots[freeCount - 1];
        long handle = session(slot, generations[slot]);
        byte[] peerBytes = peer.getBytes(StandardCharsets.UTF_8);
        if (!events.write(EVENT_ACCEPTED, handle, peerBytes, 0, peerBytes.length)) {
            key.cancel();
            refuse(channel, "event ring full");
            return;
        }
        freeCount--;
        liveSessions++;
        NioSession s = new NioSession(slot, handle, channel, key, peer);
        key.attach(s);
        slots[slot] = s;
    }

    /**
     * A connection the server cannot take: SC_LOGIN_FAIL (header only) in one non-blocking write,
     * FIN, whatever input is already there read and dropped (so the close is not a reset that
     * could destroy those 3 bytes), then the close. No session, no event; counted for the
     * rate-limited refusal line.
     */
    private void refuse(SocketChannel channel, String why) {
        refusedConnections++;
        lastRefusalReason = why;
        try {
            channel.configureBlocking(false);
            channel.write(ByteBuffer.wrap(REFUSAL));
            channel.shutdownOutput();
            for (int i = 0; i < 4; i++) {
                discard.clear();
                if (channel.read(discard) <= 0) {
                    break;
                }
            }
        } catch (IOException e) {
            // the peer is gone already: nothing to tell it
        }
        closeQuietly(channel);
        reportRefusals(System.nanoTime());
    }

    /** At most one line per {@link #REFUSAL_LOG_NANOS}, and only when something was refused. */
    private void reportRefusals(long now) {
        if (refusedConnections > 0 && now - lastRefusalLine >= REFUSAL_LOG_NANOS) {
            LOG.warning("refused " + refusedConnections + (refusedConnections == 1 ? " connection" : " connections")
                    + " since the last such line (" + lastRefusalReason + "): each got SC_LOGIN_FAIL, then the close");
            lastRefusalLine = now;
            refusedConnections = 0;
        }
    }

    private static String formatPeer(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    // ------------------------------------------------------------------ the session state machine

    private void drainRequests() {
        // Until empty, not one read: a read stops at the ring's wrap point, and this thread is the
        // only producer, so nothing can be half-written.
        while (requests.hasRecords()) {
            requests.read(onRequest, REQUEST_BATCH);
        }
    }

    private void handleRequest(int type, long handle, long timestamp, ByteBuffer buffer, int offset, int length) {
        int slot = slotOf(handle);
        NioSession s = slot >= 0 && slot < maxSessions ? slots[slot] : null;
        // Stale generation, or a session already lingering or closed: its CLOSED is on the way.
        if (s == null || s.handle != handle || s.state != NioSession.OPEN) {
            return;
        }
        if (type == REQUEST_SEND) {
            append(s, buffer, offset, length, timestamp);
        } else if (type == REQUEST_CLOSE) {
            int code = buffer.getInt(offset); // the ring's buffer is in native order
            CloseReason reason = CloseReason.of(code);
            String text = utf8(buffer, offset + 4, length - 4);
            if (reason.abortive) {
                closeSession(s, reason, text); // what is queued goes with it
            } else {
                beginLinger(s, reason, text, System.nanoTime() + LINGER_NANOS);
            }
        }
    }

    /**
     * A graceful close, also with nothing queued: everything queued goes out, then FIN
     * ({@link #lingerSent}), and input is read and dropped until the peer's EOF or the deadline
     * ({@link #processLingering}). Closing at once instead, with input the client sent after its
     * last packet still unread, would make the kernel answer with a reset that can destroy what
     * the client has not read yet (e.g. the reply to its CS_LOGOUT).
     */
    private void beginLinger(NioSession s, CloseReason reason, String text, long deadline) {
        s.state = NioSession.LINGER;
        s.lingerReason = reason;
        s.lingerText = text;
        s.lingerDeadlineNanos = deadline;
        lingering.add(s);
        // Unpublished packets are not wanted any more; reading goes on, to see the peer's EOF.
        s.in.clear();
        if (s.paused || s.capped) {
            s.paused = false; // its pausedSessions or cappedSessions entry goes stale
            s.capped = false;
            s.key.interestOps(s.key.interestOps() | SelectionKey.OP_READ);
        }
        markDirty(s); // writes what is queued, or sends FIN at once if nothing is
    }

    private void append(NioSession s, ByteBuffer src, int offset, int length, long timestamp) {
        int pending = s.out.position() + length;
        if (pending > maxPendingBytes) {
            closeSession(s, CloseReason.SLOW_CONSUMER,
                    "slow consumer: " + pending + " bytes pending > limit " + maxPendingBytes);
            return;
        }
        if (s.out.position() == 0) {
            s.oldestRequestNanos = timestamp;
        }
        s.requestsPending++;
        if (s.out.remaining() < length) {
            int capacity = Math.min(maxPendingBytes, Math.max(s.out.capacity() * 2, pending));
            ByteBuffer bigger = ByteBuffer.allocate(capacity);
            s.out.flip();
            bigger.put(s.out);
            s.out = bigger;
        }
        s.out.put(s.out.position(), src, offset, length);
        s.out.position(pending);
        markDirty(s);
    }

    /** A session already waiting for OP_WRITE is written when the socket has room, not before. */
    private void markDirty(NioSession s) {
        if (!s.dirty && (s.key.interestOps() & SelectionKey.OP_WRITE) == 0) {
            s.dirty = true;
            dirtySessions.add(s);
        }
    }

    /** One write per session per drain: everything queued for it leaves merged. */
    private void flushDirtySends() {
        for (int i = 0, n = dirtySessions.size(); i < n; i++) {
            NioSession s = dirtySessions.get(i);
            s.dirty = false;
            if (s.state != NioSession.CLOSED) {
                writeOut(s);
            }
        }
        dirtySessions.clear();
    }

    /** One write of everything pending; OP_WRITE while the socket cannot take it all. */
    private void writeOut(NioSession s) {
        ByteBuffer out = s.out;
        if (out.position() > 0) {
            out.flip();
            try {
                s.channel.write(out);
            } catch (IOException e) {
                out.clear();
                closeSession(s, peerGone(e) ? CloseReason.PEER_CLOSED : CloseReason.IO_ERROR,
                        "write failed: " + e.getMessage());
                return;
            }
            out.compact();
            if (out.position() == 0 && s.requestsPending > 0) {
                // Everything queued is out. Each request merged into it counts once, at the age of the
                // oldest: exact for that one, an upper bound for the rest (the native engine does the same).
                long micros = (System.nanoTime() - s.oldestRequestNanos) / 1000;
                sendLatency.recordValueWithCount(Math.min(Math.max(0, micros), MAX_LATENCY_MICROS), s.requestsPending);
                s.requestsPending = 0;
            }
            if (out.position() == 0 && out.capacity() > NioSession.OUT_BYTES * 16) {
                s.out = ByteBuffer.allocate(NioSession.OUT_BYTES); // a burst should not pin memory
            }
        }
        boolean more = s.out.position() > 0;
        int ops = s.key.interestOps();
        if (more && (ops & SelectionKey.OP_WRITE) == 0) {
            s.key.interestOps(ops | SelectionKey.OP_WRITE);
        } else if (!more && (ops & SelectionKey.OP_WRITE) != 0) {
            s.key.interestOps(ops & ~SelectionKey.OP_WRITE);
        }
        if (!more && s.state == NioSession.LINGER) {
            lingerSent(s);
        }
    }

    /**
     * A lingering session's last byte is in the socket: send FIN, but close only at the peer's EOF
     * (readIn) or the linger deadline. Closing now, with bytes the client sent still unread, would
     * make the kernel answer with a reset and drop what it has not transmitted yet.
     */
    private void lingerSent(NioSession s) {
        if (s.writeShut) {
            return;
        }
        s.writeShut = true;
        try {
            s.channel.shutdownOutput();
        } catch (IOException e) {
            closeSession(s, CloseReason.IO_ERROR, "shutdown failed: " + e.getMessage());
        }
    }

    private void processLingering(long now) {
        if (lingering.isEmpty()) {
            return;
        }
        int keep = 0;
        for (int i = 0, n = lingering.size(); i < n; i++) {
            NioSession s = lingering.get(i);
            if (s.state != NioSession.LINGER) {
                continue;
            }
            if (now - s.lingerDeadlineNanos >= 0) {
                closeSession(s, s.lingerReason, s.lingerText);
            } else {
                lingering.set(keep++, s);
            }
        }
        lingering.subList(keep, lingering.size()).clear();
    }

    /**
     * Reads again while a read fills the buffer, up to {@link #READS_PER_ROUND}: with the batch
     * window a round lasts at least --batch-us, and one buffer per round would cap a client's
     * input at a few MB/s (a burst of chat would trickle in over many rounds).
     */
    private void readIn(NioSession s) {
        for (int i = 0; i < READS_PER_ROUND && !s.paused && !s.capped; i++) {
            int room = s.in.remaining();
            int n;
            try {
                n = s.channel.read(s.in);
            } catch (IOException e) {
                closeSession(s, peerGone(e) ? CloseReason.PEER_CLOSED : CloseReason.IO_ERROR,
                        "read failed: " + e.getMessage());
                return;
            }
            if (n < 0) {
                closeSession(s, CloseReason.PEER_CLOSED, "peer closed the connection");
                return;
            }
            if (s.state == NioSession.LINGER) {
                s.in.clear(); // the game asked to close: what the client still sends is not wanted
            } else if (!pausedSessions.isEmpty()) {
                // While others wait for ring space, queue behind them so the earliest paused go first.
                pause(s);
                return;
            } else {
                int cut = cutPackets(s);
                if (cut == CUT_RING_FULL) {
                    pause(s);
                    return;
                }
                if (cut == CUT_CAPPED) {
                    cap(s);
                    return;
                }
            }
            if (n < room || s.state == NioSession.CLOSED) {
                return; // the socket had no more, or a bad packet closed it
            }
        }
    }

    /**
     * Publishes every whole packet in {@code s.in}, up to the session's cap for this round.
     * Returns {@link #CUT_ALL}, or {@link #CUT_RING_FULL} / {@link #CUT_CAPPED} if the event ring
     * filled up or the cap was reached first: the rest stays in {@code s.in}. A bad header closes
     * the session (returns {@link #CUT_ALL}).
     */
    private int cutPackets(NioSession s) {
        if (s.round != round) {
            s.round = round;
            s.roundPackets = 0;
        }
        ByteBuffer in = s.in;
        in.flip();
        try {
            while (in.remaining() >= 2) {
                int at = in.position();
                int size = (in.get(at) & 0xFF) | (in.get(at + 1) & 0xFF) << 8;
                if (size < Protocol.HEADER_SIZE || in.remaining() >= Protocol.HEADER_SIZE) {
                    String error = Protocol.checkClientHeader(size,
                            size < Protocol.HEADER_SIZE ? -1 : in.get(at + 2) & 0xFF);
                    if (error != null) {
                        in.clear();
                        in.flip();
                        closeSession(s, CloseReason.PROTOCOL_ERROR, error);
                        return CUT_ALL;
                    }
                }
                if (in.remaining() < size) {
                    break;
                }
                if (s.roundPackets == MAX_PACKETS_PER_SESSION_ROUND) {
                    return CUT_CAPPED;
                }
                if (!events.write(EVENT_PACKET, s.handle, in, at, size)) {
                    return CUT_RING_FULL;
                }
                s.roundPackets++;
                in.position(at + size);
            }
            return CUT_ALL;
        } finally {
            in.compact();
        }
    }

    private void pause(NioSession s) {
        s.paused = true;
        s.key.interestOps(s.key.interestOps() & ~SelectionKey.OP_READ);
        pausedSessions.addLast(s);
    }

    /** Stops reading a session that reached its packet cap; {@link #resumeCapped} goes on next round. */
    private void cap(NioSession s) {
        s.capped = true;
        s.key.interestOps(s.key.interestOps() & ~SelectionKey.OP_READ);
        cappedSessions.addLast(s);
    }

    private void resumePaused() {
        flushClosedBacklog();
        while (!pausedSessions.isEmpty()) {
            NioSession s = pausedSessions.peekFirst();
            if (s.state == NioSession.OPEN && s.paused) {
                int cut = cutPackets(s);
                if (cut == CUT_RING_FULL) {
                    return; // still full: the rest keep their places
                }
                if (s.state == NioSession.OPEN) {
                    s.paused = false;
                    if (cut == CUT_CAPPED) {
                        cap(s); // its round's share is in: it must not hold up the others
                    } else {
                        s.key.interestOps(s.key.interestOps() | SelectionKey.OP_READ);
                    }
                }
            }
            pausedSessions.pollFirst();
        }
    }

    /**
     * Each session the cap stopped in the previous round publishes its next share and reads again
     * once its buffer has no whole packet left. Those still capped after it keep the game busy,
     * so the next round comes at once (awaitReadiness does not wait while the event ring has
     * records): no spinning without work, and no session waits for another's backlog.
     */
    private void resumeCapped() {
        for (int n = cappedSessions.size(); n > 0; n--) {
            NioSession s = cappedSessions.pollFirst();
            if (s.state != NioSession.OPEN || !s.capped) {
                continue; // closed or lingering since: a stale entry
            }
            s.capped = false;
            if (!pausedSessions.isEmpty()) {
                pause(s); // the ring is full: wait in line with the others
                continue;
            }
            int cut = cutPackets(s);
            if (s.state != NioSession.OPEN) {
                continue;
            }
            if (cut == CUT_RING_FULL) {
                pause(s);
            } else if (cut == CUT_CAPPED) {
                cap(s);
            } else {
                s.key.interestOps(s.key.interestOps() | SelectionKey.OP_READ);
            }
        }
    }

    /**
     * The session's end, whoever ends it: the socket closes now (nothing is in flight that could
     * still touch it) and CLOSED follows every packet already published. A lingering session
     * reports the game's reason whatever ends the linger: the first reason wins.
     */
    private void closeSession(NioSession s, CloseReason reason, String text) {
        if (s.state == NioSession.CLOSED) {
            return;
        }
        if (s.state == NioSession.LINGER) {
            reason = s.lingerReason;
            text = s.lingerText;
        }
        s.state = NioSession.CLOSED;
        liveSessions--;
        s.key.cancel();
        closeQuietly(s.channel); // registered: the descriptor is released at the next select
        byte[] textBytes = text.getBytes(StandardCharsets.UTF_8);
        if (closedBacklog.isEmpty() && events.writeWithCode(EVENT_CLOSED, s.handle, reason.code, textBytes)) {
            releaseSlot(s);
        } else {
            // The slot stays taken until its CLOSED is out, so no new session can overtake it.
            closedBacklog.add(new PendingClosed(s, reason, textBytes));
        }
    }

    private void flushClosedBacklog() {
        while (!closedBacklog.isEmpty()) {
            PendingClosed c = closedBacklog.peek();
            if (!events.writeWithCode(EVENT_CLOSED, c.session().handle, c.reason().code, c.text())) {
                return;
            }
            closedBacklog.poll();
            releaseSlot(c.session());
        }
    }

    private void releaseSlot(NioSession s) {
        slots[s.slot] = null;
        generations[s.slot]++;
        freeSlots[freeCount++] = s.slot;
    }

    private static String utf8(ByteBuffer b, int offset, int length) {
        byte[] bytes = new byte[length];
        b.get(offset, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (Exception ignored) {
            // closing during teardown: nothing useful left to do with the error
        }
    }

    /**
     * A reset or a broken pipe only says the peer went away: an ordinary disconnect (PEER_CLOSED,
     * which nobody logs above FINE), as the native engine reads ECONNRESET and EPIPE (and
     * WSAECONNRESET, WSAECONNABORTED on Windows). NIO reports them all as a plain IOException, so
     * the message is all there is to tell them by.
     */
    private static boolean peerGone(IOException e) {
        String m = e.getMessage();
        return m != null && (m.contains("Connection reset") || m.contains("Broken pipe")
                || m.contains("forcibly closed by the remote host") // WSAECONNRESET
                || m.contains("connection was aborted")); // WSAECONNABORTED
    }
}
