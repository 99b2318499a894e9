package gameport.web;

import static gameport.ring.RingDescriptor.*;

import gameport.engine.Engine;
import gameport.engine.Gateway;
import gameport.ring.CloseReason;
import gameport.ring.ManyToOneRing;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Logger;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The WebSocket transport: browsers' connections as game sessions. To the game thread they are
 * sessions like the engine's: their ACCEPTED, PACKET and CLOSED records arrive in the engine's
 * events ring ({@link Engine#publish}), with the engine's order rules (ACCEPTED first, CLOSED
 * last and exactly once), and their SEND and CLOSE requests leave through the game's usual flush,
 * into this gateway's requests ring ({@link Gateway}).
 *
 * <p>Threads and ownership:
 * <ul>
 *   <li>Jetty's threads run each connection's callbacks ({@link WsConnection}), one at a time per
 *       connection: they cut packets and publish every event of the connection, waiting while
 *       the events ring is full (that is the connection's backpressure, as a full ring stops the
 *       engine reading a socket). They also open and free slots ({@link #open}, {@link #free};
 *       synchronized: once per connection, never per packet).</li>
 *   <li>The game thread writes the requests ring and, at the end of each round that wrote to it
 *       ({@link #requestsWritten}) or when it is full ({@link #requestsFull}), also reads it: it
 *       hands SEND payloads to Jetty (asynchronous writes, which never block), counts each
 *       connection's unwritten bytes against {@code --max-pending-bytes}, and turns CLOSE requests
 *       into WebSocket closes, as the engines do their I/O on the game thread between rounds. No
 *       thread is woken for a browser's output (a wake-up costs 10-50 us here, and a hop of its
 *       own measured +150-300 us on an echo). It never publishes an event and never waits for a
 *       connection: closes run on Jetty's executor ({@link WsConnection#closeNow}), so the game
 *       thread never waits on a thread that waits for it.</li>
 * </ul>
 *
 * <p>Handles: slot {@code firstSlot + i} for table index i, and a generation that grows each
 * time the index is reused, so a request for a connection that has gone is dropped (its CLOSED
 * event is on its way), as the engines do.
 */
public final class WebSocketGateway implements Gateway, AutoCloseable {
    private static final Logger LOG = Logger.getLogger("gameport.web");
    private static final long FULL_WAIT_NANOS = 50_000L;

    private final Engine engine;
    private final int firstSlot;
    private final int maxPendingBytes;
    private final ManyToOneRing requests;
    private final ManyToOneRing.RecordHandler onRequest = this::onRequest;
    /** SEND record written by the game -> Jetty wrote its last byte, in microseconds (request-to-send). */
    private final Recorder sendLatency = new Recorder(3_600_000_000L, 3);
    private Histogram sendLatencyInterval;
    /** Set by {@link #close}: publishing stops waiting for room (the game thread has ended). */
    private volatile boolean closed;
    private Executor executor = Runnable::run;
    /** Ends graceful closes the browser does not answer (the engines' linger deadline). */
    private final ScheduledExecutorService lingerTimer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gameport-ws-linger");
        t.setDaemon(true);
        return t;
    });
    /** As the engines' linger (NioEngine, native kLingerMs): a graceful close waits this long for the peer. */
    static final long LINGER_MILLIS = 2000;

    /**
     * Connections by table index. Written under this object's lock (open, free), read without it
     * by the game thread ({@link #find}): an element is a volatile read, and a connection's handle
     * never changes, so a reused index shows a different handle and a request for the old one is
     * dropped.
     */
    private final AtomicReferenceArray<WsConnection> table;
    // Guarded by this.
    private final int[] generations;
    private final int[] free;
    private int freeCount;
    private boolean refusalLogged;

    /**
     * @param firstSlot the first slot after the engine's, so handles never collide
     * @param capacity connections at most; more are refused at the upgrade
     */
    public WebSocketGateway(Engine engine, int firstSlot, int capacity, int maxPendingBytes, int ringBytes) {
        this.engine = engine;
        this.firstSlot = firstSlot;
        this.maxPendingBytes = maxPendingBytes;
        this.requests = ManyToOneRing.allocate(ringBytes);
        this.table = new AtomicReferenceArray<>(capacity);
        this.generations = new int[capacity];
        this.free = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            free[i] = capacity - 1 - i;
        }
        this.freeCount = capacity;
    }

    /** {@code executor} runs closes (Jetty's thread pool). */
    void start(Executor executor) {
        this.executor = executor;
    }

    Executor executor() {
        return executor;
    }

    /** Runs {@code task} after the linger deadline (on the timer's thread). */
    void afterLinger(Runnable task) {
        try {
            lingerTimer.schedule(task, LINGER_MILLIS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // the server stops: Jetty's stop ends every connection
        }
    }

    int maxPendingBytes() {
        return maxPendingBytes;
    }

    @Override
    public int firstSlot() {
        return firstSlot;
    }

    @Override
    public ManyToOneRing requests() {
        return requests;
    }

    /** Game thread: hands this round's requests to Jetty. */
    @Override
    public void requestsWritten() {
        while (requests.read(onRequest, Integer.MAX_VALUE) > 0) {
            // all of them: nothing else will read this ring before the next round
        }
    }

    /** Game thread, mid-round: handing what is there to Jetty always makes room. */
    @Override
    public void requestsFull() {
        requestsWritten();
    }

    /** A new connection: its handle, or -1 when every slot is taken. */
    synchronized long open(WsConnection c) {
        if (freeCount == 0) {
            if (!refusalLogged) {
                refusalLogged = true;
                LOG.warning("WebSocket connections refused: all " + table.length() + " slots are taken");
            }
            return -1;
        }
        int index = free[--freeCount];
        long handle = session(firstSlot + index, generations[index]);
        c.assign(handle); // before the connection is in the table: find() compares it
        table.set(index, c);
        return handle;
    }

    /** After the connection's CLOSED is published: its slot may be reused, with a new generation. */
    synchronized void free(long handle) {
        int index = slotOf(handle) - firstSlot;
        if (table.get(index) != null && generations[index] == generationOf(handle)) {
            table.set(index, null);
            generations[index]++;
            free[freeCount++] = index;
        }
    }

    /** Game thread: the live connection {@code handle} names, or null if it has gone. No lock. */
    private WsConnection find(long handle) {
        int index = slotOf(handle) - firstSlot;
        if (index < 0 || index >= table.length()) {
            return null;
        }
        WsConnection c = table.get(index);
        return c != null && c.handle() == handle ? c : null;
    }

    /**
     * Jetty thread: publishes one event into the engine's events ring, waiting while it is full.
     * Returns false only once the server is closing (the record was not published).
     */
    boolean publish(int type, long handle, byte[] payload, int offset, int length) {
        while (!engine.publish(type, handle, payload, offset, length)) {
            if (closed) {
                return false;
            }
            LockSupport.parkNanos(FULL_WAIT_NANOS);
        }
        return true;
    }

    boolean publishClosed(long handle, CloseReason reason, String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[4 + utf8.length];
        ByteBuffer.wrap(payload).order(java.nio.ByteOrder.nativeOrder()).putInt(reason.code).put(utf8);
        return publish(EVENT_CLOSED, handle, payload, 0, payload.length);
    }

    private void onRequest(int type, long handle, long timestamp, ByteBuffer buffer, int offset, int length) {
        WsConnection c = find(handle);
        if (c == null) {
            return; // it has gone: its CLOSED is on its way to the game thread
        }
        if (type == REQUEST_SEND) {
            ByteBuffer copy = ByteBuffer.allocate(length);
            copy.put(0, buffer, offset, length);
            c.send(copy, timestamp);
        } else if (type == REQUEST_CLOSE) {
            byte[] text = new byte[length - 4];
            buffer.get(offset + 4, text);
            c.closeRequested(CloseReason.of(buffer.getInt(offset)), new String(text, StandardCharsets.UTF_8));
        }
    }

    /** Jetty's write callbacks, any thread: one SEND's bytes are written. */
    void sendCompleted(long requestTimestamp) {
        sendLatency.recordValue(Math.min(Math.max(0, (System.nanoTime() - requestTimestamp) / 1000), 3_600_000_000L));
    }

    /** Adds the send latencies recorded since the last call (one caller thread: the stage sampler). */
    public void collectSendLatency(Histogram into) {
        sendLatencyInterval = sendLatency.getIntervalHistogram(sendLatencyInterval);
        into.add(sendLatencyInterval);
    }

    /** After the game thread ended: publishing stops; connections still open are Jetty's to end. */
    @Override
    public void close() {
        closed = true;
        lingerTimer.shutdownNow();
    }
}
