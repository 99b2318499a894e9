package gameport.engine;

import static gameport.ring.RingDescriptor.*;

import gameport.protocol.Protocol;
import gameport.ring.CloseReason;
import gameport.ring.ManyToOneRing;
import java.io.IOException;
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
import java.util.function.Consumer;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The pure-Java engine: one reactor thread on a NIO Selector. It frames client packets, publishes
 * them to the event ring, and applies the game's SEND/CLOSE requests, merging everything queued
 * for a socket into one write.
 */
public final class NioEngine implements Engine {
    private static final Logger LOG = Logger.getLogger("gameport.engine");
    private static final int REQUEST_BATCH = 4096;
    private static final int ACCEPTS_PER_ROUND = 256;
    private static final long ACCEPT_BACKOFF_NANOS = 100_000_000L;

    private final Consumer<Throwable> onFatal;
    private final int maxSessions;
    private final int maxPendingBytes;
    private final ManyToOneRing events;
    private final ManyToOneRing requests;
    private final NioSession[] slots;
    private final int[] generations;
    private final int[] freeSlots;
    private int freeCount;

    private Selector selector;
    private ServerSocketChannel acceptor;
    private SelectionKey acceptKey;
    private Thread reactor;
    private volatile boolean running;
    private volatile Thread gameThread;

    /** CLOSED events that did not fit in the ring: published first, never dropped. */
    private final ArrayDeque<Object[]> closedBacklog = new ArrayDeque<>();
    /** Sessions whose packets wait for room in the event ring, oldest first. */
    private final ArrayDeque<NioSession> pausedSessions = new ArrayDeque<>();
    private final List<NioSession> dirtySessions = new ArrayList<>();
    private final ManyToOneRing.RecordHandler onRequest = this::onRequest;
    private boolean eventsPublished;
    /** Request -> send-completed, microseconds; written by the reactor, read by collectSendLatency. */
    private static final long MAX_LATENCY_MICROS = 3_600_000_000L;
    private final Recorder sendLatency = new Recorder(MAX_LATENCY_MICROS, 3);
    private Histogram sendLatencyInterval;
    private long acceptResumeAt;
    private long lastAcceptWarning;
    private long lastRefusalWarning = System.nanoTime() - 20_000_000_000L;
    private long refusedConnections;

    /** @param onFatal told when the reactor thread dies, so the server can stop instead of idling */
    public NioEngine(int maxSessions, int maxPendingBytes, int batchUs, int eventRingBytes, int requestRingBytes,
                     Consumer<Throwable> onFatal) {
        this.onFatal = onFatal;
        this.maxSessions = maxSessions;
        this.maxPendingBytes = maxPendingBytes;
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
            throw e;
        }
        running = true;
        reactor = new Thread(this::runReactor, "gameport-nio-reactor");
        reactor.start();
        return ((InetSocketAddress) acceptor.getLocalAddress()).getPort();
    }

    private void requestsPublished() {
        if (requests.consumerNeedsWake()) {
            selector.wakeup();
        }
    }

    @Override
    public void endRound(long sleepNanos) {
        requestsPublished();
        if (sleepNanos > 0 && events.prepareToSleep()) {
            awaitEvents(sleepNanos);
            events.awake();
        }
    }

    @Override
    public void requestsFull() {
        requestsPublished();
        Thread.yield();
    }

    private void awaitEvents(long timeoutNanos) {
        // A producer that won the wake-up before this field was set found no thread to unpark;
        // volatile ordering guarantees this re-check then sees its record.
        gameThread = Thread.currentThread();
        if (!events.hasRecords()) {
            LockSupport.parkNanos(this, timeoutNanos);
        }
    }

    @Override
    public void collectSendLatency(Histogram into) {
        sendLatencyInterval = sendLatency.getIntervalHistogram(sendLatencyInterval);
        into.add(sendLatencyInterval);
    }

    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        selector.wakeup();
        try {
            reactor.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void runReactor() {
        try {
            while (running) {
                drainRequests();
                writeDirtySessions();
                resumePaused();
                wakeGameIfNeeded();
                waitForReadiness();
                handleSelected();
                wakeGameIfNeeded();
            }
        } catch (Throwable t) {
            LOG.log(Level.SEVERE, "reactor thread failed; the Java engine stops", t);
            onFatal.accept(t);
        } finally {
            shutdown();
        }
    }

    private void waitForReadiness() throws IOException {
        long timeoutMs = 1000;
        if (acceptKey.interestOps() == 0) {
            long now = System.nanoTime();
            if (now >= acceptResumeAt) {
                acceptKey.interestOps(SelectionKey.OP_ACCEPT);
            } else {
                timeoutMs = Math.max(1, (acceptResumeAt - now) / 1_000_000);
            }
        }
        if (!pausedSessions.isEmpty() || !closedBacklog.isEmpty()) {
            timeoutMs = 1; // the game is draining the full event ring; retry soon
        }
        if (requests.prepareToSleep()) {
            selector.select(timeoutMs);
            requests.awake();
        } else {
            selector.selectNow();
        }
    }

    private void handleSelected() {
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
            if (!s.closed && (ready & SelectionKey.OP_READ) != 0) {
                readIn(s);
            }
        }
    }

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
        String peer = "?";
        SelectionKey key = null;
        try {
            peer = formatPeer((InetSocketAddress) channel.getRemoteAddress());
            if (freeCount == 0 || !closedBacklog.isEmpty()) {
                refuse(channel, peer, freeCount == 0 ? "all " + maxSessions + " session slots in use" : "event ring full");
                return;
            }
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
            refuse(channel, peer, "event ring full");
            return;
        }
        freeCount--;
        eventsPublished = true;
        NioSession s = new NioSession(slot, handle, channel, key, peer);
        key.attach(s);
        slots[slot] = s;
    }

    private void refuse(SocketChannel channel, String peer, String why) {
        refusedConnections++;
        long now = System.nanoTime();
        if (now - lastRefusalWarning > 10_000_000_000L) {
            LOG.warning("connection from " + peer + " refused: " + why + " (" + refusedConnections
                    + " refused since the last such line)");
            lastRefusalWarning = now;
            refusedConnections = 0;
        }
        closeQuietly(channel);
    }

    private static String formatPeer(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    private void readIn(NioSession s) {
        if (s.paused) {
            return;
        }
        int n;
        try {
            n = s.channel.read(s.in);
        } catch (IOException e) {
            closeSession(s, CloseReason.IO_ERROR, "read failed: " + e.getMessage());
            return;
        }
        if (n < 0) {
            closeSession(s, CloseReason.PEER_CLOSED, "peer closed the connection");
            return;
        }
        // While others wait for ring space, queue behind them so the earliest paused go first.
        if (!pausedSessions.isEmpty() || !cutPackets(s)) {
            pause(s);
        }
    }

    /**
     * Publishes every whole packet in {@code s.in}. Returns false if the event ring filled up
     * first: the rest stays in {@code s.in}. A bad header closes the session (returns true).
     */
    private boolean cutPackets(NioSession s) {
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
                        return true;
                    }
                }
                if (in.remaining() < size) {
                    break;
                }
                if (!events.write(EVENT_PACKET, s.handle, in, at, size)) {
                    return false;
                }
                eventsPublished = true;
                in.position(at + size);
            }
            return true;
        } finally {
            in.compact();
        }
    }

    private void pause(NioSession s) {
        s.paused = true;
        s.key.interestOps(s.key.interestOps() & ~SelectionKey.OP_READ);
        pausedSessions.addLast(s);
    }

    private void resumePaused() {
        flushClosedBacklog();
        while (!pausedSessions.isEmpty()) {
            NioSession s = pausedSessions.peekFirst();
            if (!s.closed) {
                if (!cutPackets(s)) {
                    return; // still full: the rest keep their places
                }
                if (!s.closed) {
                    s.paused = false;
                    s.key.interestOps(s.key.interestOps() | SelectionKey.OP_READ);
                }
            }
            pausedSessions.pollFirst();
        }
    }

    private void drainRequests() {
        requests.read(onRequest, REQUEST_BATCH);
    }

    private void onRequest(int type, long handle, long timestamp, ByteBuffer buffer, int offset, int length) {
        int slot = slotOf(handle);
        NioSession s = slot >= 0 && slot < maxSessions ? slots[slot] : null;
        if (s == null || s.handle != handle || s.closed) {
            return; // stale: that session's CLOSED event is already on its way to the game
        }
        if (type == REQUEST_SEND) {
            if (s.out.position() == 0) {
                s.oldestRequestNanos = timestamp;
            }
            s.requestsPending++;
            append(s, buffer, offset, length);
        } else if (type == REQUEST_CLOSE) {
            int code = buffer.getInt(offset); // the ring's buffer is in native order
            String reason = utf8(buffer, offset + 4, length - 4);
            writeOut(s); // one last non-blocking attempt, so e.g. a final packet may still go out
            if (!s.closed) {
                closeSession(s, CloseReason.of(code), reason);
            }
        }
    }

    private void append(NioSession s, ByteBuffer src, int offset, int length) {
        int pending = s.out.position() + length;
        if (pending > maxPendingBytes) {
            closeSession(s, CloseReason.SLOW_CONSUMER,
                    "slow consumer: " + pending + " bytes pending > limit " + maxPendingBytes);
            return;
        }
        if (s.out.remaining() < length) {
            int capacity = Math.min(maxPendingBytes, Math.max(s.out.capacity() * 2, pending));
            ByteBuffer bigger = ByteBuffer.allocate(capacity);
            s.out.flip();
            bigger.put(s.out);
            s.out = bigger;
        }
        s.out.put(s.out.position(), src, offset, length);
        s.out.position(pending);
        if (pending == length && (s.key.interestOps() & SelectionKey.OP_WRITE) == 0) {
            dirtySessions.add(s);
        }
    }

    private void writeDirtySessions() {
        for (int i = 0, n = dirtySessions.size(); i < n; i++) {
            NioSession s = dirtySessions.get(i);
            if (!s.closed) {
                writeOut(s);
            }
        }
        dirtySessions.clear();
    }

    /** One write of everything pending; OP_WRITE while the socket cannot take it all. */
    private void writeOut(NioSession s) {
        ByteBuffer out = s.out;
        if (out.position() == 0) {
            return;
        }
        out.flip();
        try {
            s.channel.write(out);
        } catch (IOException e) {
            out.clear();
            closeSession(s, CloseReason.IO_ERROR, "write failed: " + e.getMessage());
            return;
        }
        out.compact();
        if (out.position() == 0 && out.capacity() > NioSession.OUT_BYTES * 16) {
            s.out = ByteBuffer.allocate(NioSession.OUT_BYTES); // a burst should not pin memory
        }
        if (out.position() == 0 && s.requestsPending > 0) {
            // Everything queued is out. Each request merged into it counts once, at the age of the
            // oldest: exact for that one, an upper bound for the rest (the native engine does the same).
            long micros = (System.nanoTime() - s.oldestRequestNanos) / 1000;
            sendLatency.recordValueWithCount(Math.min(Math.max(0, micros), MAX_LATENCY_MICROS), s.requestsPending);
            s.requestsPending = 0;
        }
        int ops = s.key.interestOps();
        if (out.position() > 0) {
            if ((ops & SelectionKey.OP_WRITE) == 0) {
                s.key.interestOps(ops | SelectionKey.OP_WRITE);
            }
        } else if ((ops & SelectionKey.OP_WRITE) != 0) {
            s.key.interestOps(ops & ~SelectionKey.OP_WRITE);
        }
    }

    private void closeSession(NioSession s, CloseReason reason, String text) {
        if (s.closed) {
            return;
        }
        s.closed = true;
        s.key.cancel();
        closeQuietly(s.channel);
        byte[] textBytes = text.getBytes(StandardCharsets.UTF_8);
        if (closedBacklog.isEmpty() && events.writeWithCode(EVENT_CLOSED, s.handle, reason.code, textBytes)) {
            eventsPublished = true;
            releaseSlot(s);
        } else {
            // The slot stays taken until its CLOSED is out, so no new session can overtake it.
            closedBacklog.add(new Object[] {s, reason, textBytes});
        }
    }

    private void flushClosedBacklog() {
        while (!closedBacklog.isEmpty()) {
            Object[] c = closedBacklog.peek();
            NioSession s = (NioSession) c[0];
            if (!events.writeWithCode(EVENT_CLOSED, s.handle, ((CloseReason) c[1]).code, (byte[]) c[2])) {
                return;
            }
            eventsPublished = true;
            closedBacklog.poll();
            releaseSlot(s);
        }
    }

    private void releaseSlot(NioSession s) {
        slots[s.slot] = null;
        generations[s.slot]++;
        freeSlots[freeCount++] = s.slot;
    }

    private void wakeGameIfNeeded() {
        if (eventsPublished) {
            eventsPublished = false;
            if (events.consumerNeedsWake()) {
                Thread t = gameThread;
                if (t != null) {
                    LockSupport.unpark(t);
                }
            }
        }
    }

    private void shutdown() {
        for (NioSession s : slots) {
            if (s != null && !s.closed) {
                closeSession(s, CloseReason.SERVER_SHUTDOWN, "server shutting down");
            }
        }
        wakeGameIfNeeded();
        closeQuietly(acceptor);
        closeQuietly(selector);
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
}
