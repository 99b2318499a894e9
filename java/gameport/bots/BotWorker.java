package gameport.bots;

import static gameport.protocol.Protocol.*;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * One I/O thread of the swarm: keeps its share of bots connected (up to {@link #target}, which
 * ramp mode moves up and down), sends their moves on schedule and reads the echoes.
 *
 * <p>It works in rounds of {@link #ROUND_MICROS} (1 ms), whatever the number of bots: a round
 * sends every move due before the next round (one write per bot, from one direct buffer), then
 * takes every ready socket from one non-blocking select (one read per socket, into one direct
 * buffer, whole packets parsed in place), then sleeps until the next round. The thread wakes once
 * a round, not once a packet or a move; there are no per-bot timers and no allocation per move or
 * per packet; echoes and packets are counted locally and published once a round.
 *
 * <p>Timing, and so the resolution of the delays (about 1 ms): a move due in [now, now + round)
 * is sent in this round, early by less than a round and then stamped with its real send time; a
 * move sent late (the thread was held up) is stamped with its intended time, so the hold-up counts
 * in its delay. An echo is timestamped with the clock read once per select batch, after the
 * batch's reads: never before it arrived, and late by the time it waited in the socket for its
 * round: under a round, plus the park's overshoot (a few hundred microseconds on a busy VM) and
 * any hold-up of the thread. Delays are therefore measured to about one round (1 ms) and never
 * under-stated; a fast server's echo, which almost always arrives while the thread sleeps,
 * reads as about one round (p50 about 1.05 ms against tools/floor).
 *
 * <p>Why rounds and not a wake-up per event: on the target machine a thread's sleep and wake-up
 * costs about 40-50 us of CPU, several syscalls' worth. A thread that sleeps in select() wakes
 * as packets come, so its wake-ups and selects follow the packet rate (10-20 packets per bot per
 * second from a real server at view range 7); rounds make them a fixed 1000 a second per thread,
 * whatever the number of bots and packets.
 *
 * <p>WebSocket bots (the first {@code --websocket} of the worker's share, {@link #websocketShare})
 * connect to the server's HTTP port, send the upgrade request (GET /ws) and wait for its 101
 * answer before logging in; every packet they send goes out as one masked binary frame (built in
 * one more direct buffer, no allocation), and every read of theirs is unframed in place (the data
 * frames' payloads moved together behind any split packet, control frames handled) before the
 * same packet parser as the TCP bots' sees it. A close frame from the server closes the bot, a
 * ping is answered with a pong. Their delays go to their own histogram ({@link BotStats.Transport}).
 */
final class BotWorker implements Runnable {
    /** Length of a round: the resolution of the measured delays. */
    static final long ROUND_MICROS = 1000;
    /** At most this many bytes are read from one socket in one round. */
    private static final int READ_BYTES = 64 * 1024;
    /** Packet sizes are 16-bit: room for the largest split packet in front of a full read. */
    private static final int MAX_PACKET = 0xFFFF;
    /**
     * WebSocket: the most a frame header or a control frame split across reads can hold (a control
     * frame's payload is at most 125 bytes), kept between the split packet and the next read.
     */
    private static final int FRAME_HOLD = 2 + 8 + 4 + 125;
    /** WebSocket: an upgrade answer whose header does not end within this many bytes fails the bot. */
    private static final int MAX_UPGRADE_HEADER = 8192;
    private static final String WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int OP_CONTINUATION = 0;
    private static final int OP_BINARY = 2;
    private static final int OP_CLOSE = 8;
    private static final int OP_PING = 9;
    private static final int OP_PONG = 10;
    /** Bytes the socket did not take are queued up to this much per bot; beyond, the bot fails. */
    private static final int OUT_QUEUE = 1024;
    /** Selects in one round at most (a select takes up to the JDK's batch of ready keys). */
    private static final int MAX_SELECTS_PER_ROUND = 8;
    /** Churn: a leaving bot waits at most this long for its moves' echoes; unanswered ones are lost. */
    static final long LEAVE_WAIT_MICROS = 5_000_000;

    private final BotConfig config;
    private final BotStats stats;
    private final Clock clock;
    private final AtomicInteger names;
    private final Selector selector;
    private final Bot[] bots;
    private final MoveSchedule schedule = new MoveSchedule();
    private final SplittableRandom random;
    private final long intervalMicros;
    private final long connectGapMicros;
    private final InetSocketAddress server;
    /** The server's HTTP port, where the WebSocket bots connect; null without --websocket. */
    private final InetSocketAddress httpServer;
    /** WebSocket bots this worker keeps among its bots (the first ones it connects). */
    private final int websocketShare;
    /** Live WebSocket bots (connecting, upgrading or logged in) among the live ones. */
    private int liveWebsocket;
    /** Every read of this thread lands here; parsed in place. */
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BYTES + MAX_PACKET + FRAME_HOLD)
            .order(ByteOrder.LITTLE_ENDIAN);
    /** Every write of this thread goes from here (a move, a login). */
    private final ByteBuffer writeBuffer = ByteBuffer.allocateDirect(256).order(ByteOrder.LITTLE_ENDIAN);
    /** A WebSocket bot's packet is framed (and masked) here before it is written (big-endian, as frame headers). */
    private final ByteBuffer frameBuffer = ByteBuffer.allocateDirect(512);
    private final Consumer<SelectionKey> onReady = this::onReady;
    /**
     * The echoes of the current select batch, timestamped together after it: move_time in the low
     * 32 bits, the bot's transport above.
     */
    private long[] batchEchoes = new long[1024];
    private int batchSize;
    /** Counted locally per transport, published to {@link #stats} once a round. */
    private final long[] echoes = new long[2];
    private final long[] movesSent = new long[2];
    private final long[] packets = new long[256];
    private boolean packetsCounted;
    /** Bots in slots [0, live) are connected or connecting; the slots above are free. */
    private int live;
    private long nextConnectMicros;
    /** Churn: bots that send no more moves and go once their moves are answered. */
    private final ArrayList<Bot> leaving = new ArrayList<>();
    private volatile Thread thread;

    /** Churn: bots the swarm asked this worker to replace, not yet picked. */
    final AtomicInteger churnRequests = new AtomicInteger();

    /** How many bots this worker should keep; set by the swarm. */
    volatile int target;
    volatile boolean sendingMoves = true;
    volatile boolean stop;

    /** Swarm time in microseconds since the swarm started. */
    interface Clock {
        long micros();
    }

    BotWorker(BotConfig config, BotStats stats, Clock clock, AtomicInteger names, int capacity, int connectRate,
              int websocketShare, long seed) throws IOException {
        this.config = config;
        this.stats = stats;
        this.clock = clock;
        this.names = names;
        this.selector = Selector.open();
        this.bots = new Bot[capacity];
        this.random = new SplittableRandom(seed);
        this.intervalMicros = config.moveIntervalMs * 1000L;
        this.connectGapMicros = Math.max(1, 1_000_000L / Math.max(1, connectRate));
        this.server = new InetSocketAddress(config.host, config.port);
        this.websocketShare = websocketShare;
        this.httpServer = websocketShare > 0 ? new InetSocketAddress(config.host, config.httpPort) : null;
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        try {
            long round = clock.micros();
            while (!stop) {
                long now = clock.micros();
                shedAboveTarget();
                churn(now);
                startDueConnects(now);
                sendDueMoves(now);
                readReady();
                publish();
                round += ROUND_MICROS;
                long left = round - clock.micros();
                if (left > 0) {
                    LockSupport.parkNanos(left * 1000); // the one wake-up of the round
                } else if (left < -ROUND_MICROS) {
                    round = clock.micros(); // held up: go on from now, no back-to-back rounds to catch up
                }
            }
        } catch (IOException e) {
            System.err.println("bots: I/O thread failed: " + e);
        } finally {
            publish();
            for (int i = 0; i < live; i++) {
                closeQuietly(bots[i]);
            }
            try {
                selector.close();
            } catch (IOException ignored) {
                // closing at the end of the run
            }
        }
    }

    /** Adds the round's local counts to the shared counters. */
    private void publish() {
        long all = echoes[0] + echoes[1];
        if (all > 0) {
            stats.echoes.addAndGet(all);
        }
        for (int t = 0; t < 2; t++) {
            if (echoes[t] > 0) {
                stats.transports[t].echoes.addAndGet(echoes[t]);
                echoes[t] = 0;
            }
            if (movesSent[t] > 0) {
                stats.transports[t].movesSent.addAndGet(movesSent[t]);
                movesSent[t] = 0;
            }
        }
        if (packetsCounted) {
            packetsCounted = false;
            for (int t = 0; t < packets.length; t++) {
                if (packets[t] != 0) {
                    stats.packetsByType.addAndGet(t, packets[t]);
                    packets[t] = 0;
                }
            }
        }
    }

    private void shedAboveTarget() {
        while (live > Math.max(0, target)) {
            Bot b = bots[live - 1];
            b.shed = true;
            retire(b);
        }
    }

    /**
     * Churn: picks the bots the swarm asked for (random logged-in ones), which then send no more
     * moves, and closes each once its moves are answered or it waited {@link #LEAVE_WAIT_MICROS}.
     * The free slot is then filled as any other: a new connection, a new name, a new login.
     */
    private void churn(long now) {
        int asked = churnRequests.getAndSet(0);
        for (int tries = 4 * asked + 16; asked > 0 && tries > 0 && live > 0; tries--) {
            Bot b = bots[random.nextInt(live)];
            if (b.loggedIn && !b.leaving && !b.dead) {
                b.leaving = true;
                b.leaveMicros = now + LEAVE_WAIT_MICROS;
                leaving.add(b);
                asked--;
            }
        }
        for (int i = leaving.size() - 1; i >= 0; i--) {
            Bot b = leaving.get(i);
            if (b.dead || b.echoes >= b.movesSent || now >= b.leaveMicros) {
                leaving.set(i, leaving.get(leaving.size() - 1));
                leaving.remove(leaving.size() - 1);
                if (!b.dead) {
                    leave(b);
                }
            }
        }
    }

    /**
     * A churned bot goes the two ways a client leaves: one in two sends CS_LOGOUT first, the others
     * just close. Not an error; its unanswered moves, if it waited in vain, count as lost.
     */
    private void leave(Bot b) {
        if (b.number % 2 == 0 && !b.hasQueuedOutput()) {
            ByteBuffer w = writeBuffer.clear();
            w.putShort((short) CS_EMPTY_SIZE).put((byte) CS_LOGOUT);
            try {
                b.channel.write(framed(b, w.flip()));
            } catch (IOException ignored) {
                // closed at once either way
            }
        }
        stats.churned.incrementAndGet();
        retire(b);
    }

    private void startDueConnects(long now) {
        int want = Math.min(target, bots.length);
        if (live < want && nextConnectMicros < now - 1_000_000) {
            nextConnectMicros = now; // do not burst to catch up after a pause
        }
        while (live < want && nextConnectMicros <= now) {
            nextConnectMicros += connectGapMicros;
            SocketChannel ch;
            try {
                ch = SocketChannel.open();
            } catch (IOException e) {
                stats.errors.incrementAndGet(); // e.g. out of file descriptors; retried at the next gap
                return;
            }
            // The first bots of the share are WebSocket ones, and so are replacements of them.
            boolean websocket = liveWebsocket < websocketShare;
            Bot b = new Bot(live, names.getAndIncrement(), ch, websocket ? BotStats.WEBSOCKET : BotStats.TCP);
            bots[live++] = b;
            if (websocket) {
                liveWebsocket++;
            }
            try {
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                if (ch.connect(websocket ? httpServer : server)) {
                    b.key = ch.register(selector, SelectionKey.OP_READ, b);
                    onConnected(b);
                } else {
                    b.key = ch.register(selector, SelectionKey.OP_CONNECT, b);
                }
            } catch (IOException e) {
                fail(b);
            }
        }
    }

    /** The TCP connection is up: a TCP bot logs in, a WebSocket bot first asks for the upgrade. */
    private void onConnected(Bot b) {
        if (b.websocket()) {
            sendUpgrade(b);
            return;
        }
        b.connected = true;
        stats.connected.incrementAndGet();
        login(b);
    }

    /**
     * The WebSocket upgrade request (RFC 6455 4.1) with a random 16-byte key; the answer is read
     * by {@link #upgradeAnswer}. One allocation per connection, none per packet.
     */
    private void sendUpgrade(Bot b) {
        byte[] nonce = new byte[16];
        for (int i = 0; i < nonce.length; i += 4) {
            int r = random.nextInt();
            nonce[i] = (byte) r;
            nonce[i + 1] = (byte) (r >>> 8);
            nonce[i + 2] = (byte) (r >>> 16);
            nonce[i + 3] = (byte) (r >>> 24);
        }
        String key = Base64.getEncoder().encodeToString(nonce);
        b.expectedAccept = acceptFor(key);
        String request = "GET /ws HTTP/1.1\r\nHost: " + hostHeader() + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
        send(b, ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
    }

    private String hostHeader() {
        String host = config.host.indexOf(':') >= 0 ? "[" + config.host + "]" : config.host;
        return host + ":" + config.httpPort;
    }

    static String acceptFor(String key) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((key + WEBSOCKET_GUID).getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** CS_LOGIN with the bot's name; its login latency starts now. */
    private void login(Bot b) {
        byte[] name = (config.namePrefix + b.number).getBytes(StandardCharsets.UTF_8);
        ByteBuffer w = writeBuffer.clear();
        w.putShort((short) CS_LOGIN_SIZE).put((byte) CS_LOGIN).put(name);
        for (int i = name.length; i < NAME_SIZE; i++) {
            w.put((byte) 0);
        }
        b.loginSentMicros = clock.micros();
        send(b, framed(b, w.flip()));
    }

    /**
     * Sends every move due before the next round: one write per bot. Each move is counted in the
     * shared total before it is written, and the swarm's stop is checked after counting it: when
     * the swarm stops the sending and then waits until every move counted is answered, no move
     * of a round under way slips past that wait (its echo would miss the measured histogram).
     */
    private void sendDueMoves(long now) {
        long horizon = now + ROUND_MICROS;
        while (sendingMoves && !schedule.isEmpty() && schedule.peekMicros() < horizon) {
            Bot b = schedule.peek();
            if (b.dead || b.leaving) {
                schedule.poll();
                continue;
            }
            long intended = b.nextMoveMicros;
            b.nextMoveMicros = intended + intervalMicros;
            schedule.rescheduleTop(b.nextMoveMicros);
            // Early (due later in this round): stamped with the real send time, so a delay is
            // never under-reported. Late: stamped with the intended time, so the lateness counts.
            long stamp = Math.min(intended, now);
            int moveTime = (int) stamp == 0 ? 1 : (int) stamp; // 0 is the teleport answer
            byte direction = (byte) random.nextInt(4);
            boolean websocket = b.websocket();
            int bytes = websocket ? CS_MOVE_SIZE + 6 : CS_MOVE_SIZE; // a frame: 2-byte header and the mask
            if (b.hasQueuedOutput() && b.out.remaining() < bytes) {
                continue; // the server stopped reading this bot: its earlier moves' delays show that
            }
            stats.movesSent.incrementAndGet();
            if (!sendingMoves) {
                // The swarm stopped the sending meanwhile: it may have read the total before this
                // move counted, so the move is not sent (and the swarm, if it saw it, sees it go).
                stats.movesSent.decrementAndGet();
                return;
            }
            b.movesSent++;
            movesSent[b.transport]++;
            ByteBuffer w = writeBuffer.clear();
            w.putShort(0, (short) CS_MOVE_SIZE).put(2, (byte) CS_MOVE).put(3, direction).putInt(4, moveTime);
            w.limit(CS_MOVE_SIZE);
            // Earlier bytes waiting for the socket: the move queues behind them (OP_WRITE is on).
            send(b, websocket ? frame(w) : w);
        }
    }

    /**
     * Writes {@code w} (read mode) to the bot's socket, or queues it behind bytes already waiting;
     * what the socket does not take is queued.
     */
    private void send(Bot b, ByteBuffer w) {
        if (b.dead) {
            return;
        }
        if (!b.hasQueuedOutput()) {
            try {
                b.channel.write(w);
            } catch (IOException e) {
                fail(b);
                return;
            }
            if (!w.hasRemaining()) {
                return;
            }
        }
        if (b.out == null) {
            b.out = ByteBuffer.allocate(OUT_QUEUE).order(ByteOrder.LITTLE_ENDIAN);
        }
        if (b.out.remaining() < w.remaining()) {
            fail(b);
            return;
        }
        b.out.put(w);
        b.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
    }

    /** The packet as the bot's transport sends it: as it is (TCP) or in a frame ({@link #frame}). */
    private ByteBuffer framed(Bot b, ByteBuffer packet) {
        return b.websocket() ? frame(packet) : packet;
    }

    /**
     * {@code packet} (read mode, under 65,536 bytes) as one masked binary frame with FIN, in
     * {@link #frameBuffer} (returned in read mode): a client's frames must be masked (RFC 6455
     * 5.3), with a fresh random mask per frame.
     */
    private ByteBuffer frame(ByteBuffer packet) {
        return frame(OP_BINARY, packet, packet.position(), packet.remaining());
    }

    private ByteBuffer frame(int opcode, ByteBuffer payload, int at, int n) {
        ByteBuffer f = frameBuffer.clear();
        f.put((byte) (0x80 | opcode));
        if (n < 126) {
            f.put((byte) (0x80 | n));
        } else {
            f.put((byte) (0x80 | 126)).putShort((short) n);
        }
        int mask = random.nextInt();
        f.putInt(mask);
        for (int i = 0; i < n; i++) {
            f.put((byte) (payload.get(at + i) ^ (mask >>> (24 - 8 * (i & 3)))));
        }
        return f.flip();
    }

    /**
     * Takes every ready socket without blocking. The JDK hands a select at most its batch of
     * ready keys (1024 on Linux), so a full batch is followed by another, up to a few a round.
     */
    private void readReady() throws IOException {
        for (int i = 0; i < MAX_SELECTS_PER_ROUND; i++) {
            int ready = selector.selectNow(onReady);
            recordBatchEchoes();
            if (ready < 1000) {
                return;
            }
        }
    }

    /** Timestamps the batch's echoes with one clock read, taken after all of them arrived. */
    private void recordBatchEchoes() {
        if (batchSize == 0) {
            return;
        }
        long now = clock.micros();
        for (int i = 0; i < batchSize; i++) {
            long echo = batchEchoes[i];
            long delay = (now - echo) & 0xFFFF_FFFFL; // move_time is the low 32 bits of the send time
            int transport = (int) (echo >>> 32);
            stats.transports[transport].delay.recordValue(Math.min(delay, BotStats.MAX_DELAY_MICROS));
            echoes[transport]++;
        }
        batchSize = 0;
    }

    private void onReady(SelectionKey key) {
        Bot b = (Bot) key.attachment();
        if (!key.isValid() || b.dead) {
            return;
        }
        try {
            int ready = key.readyOps();
            if ((ready & SelectionKey.OP_CONNECT) != 0) {
                if (b.channel.finishConnect()) {
                    key.interestOps(SelectionKey.OP_READ);
                    onConnected(b);
                }
                return;
            }
            if ((ready & SelectionKey.OP_WRITE) != 0) {
                ByteBuffer out = b.out.flip();
                b.channel.write(out);
                out.compact();
                if (out.position() == 0) {
                    key.interestOps(SelectionKey.OP_READ);
                }
            }
            if ((ready & SelectionKey.OP_READ) != 0) {
                read(b);
            }
        } catch (IOException | RuntimeException e) {
            fail(b);
        }
    }

    /**
     * One read of the bot's socket into the thread's buffer, behind the bot's split packet if any
     * (and a WebSocket bot's split frame header, unframed here before the packets are parsed).
     */
    private void read(Bot b) throws IOException {
        ByteBuffer in = readBuffer.clear();
        if (b.partialLength > 0) {
            in.put(b.partial, 0, b.partialLength);
        }
        int from = in.position();
        if (!b.websocket()) {
            if (b.channel.read(in) < 0) {
                fail(b);
                return;
            }
            parse(b, in, in.position());
            return;
        }
        if (b.frameHoldLength > 0) {
            in.put(b.frameHold, 0, b.frameHoldLength);
            b.frameHoldLength = 0;
        }
        if (b.channel.read(in) < 0) {
            if (b.upgraded) {
                fail(b); // as a TCP bot whose server closed the connection
            } else {
                failWith(b, "the server closed the connection before answering the WebSocket upgrade");
            }
            return;
        }
        int end = in.position();
        if (!b.upgraded) {
            end = upgradeAnswer(b, in, from, end);
            if (end < 0) {
                return; // the header is not whole yet, or the bot failed
            }
            from = 0;
        }
        end = unframe(b, in, from, end);
        if (b.dead) {
            return;
        }
        parse(b, in, end);
        if (b.closeCode >= 0 && !b.dead) {
            failWith(b, "the server closed the WebSocket (close " + b.closeCode
                    + (b.closeText == null || b.closeText.isEmpty() ? "" : ": " + b.closeText) + ")");
        }
    }

    /**
     * A WebSocket bot's upgrade answer, {@code in[0, end)} (the header so far, then what this read
     * added from {@code from}). Until the header is whole it is kept in the bot's split-packet
     * space. Then it must say 101 with the right Sec-WebSocket-Accept, or the bot fails with the
     * answer's status line; on success the bot logs in, what followed the header (frames) is moved
     * to the buffer's start and its length returned. -1 = nothing more to do in this read.
     */
    private int upgradeAnswer(Bot b, ByteBuffer in, int from, int end) {
        int headerEnd = -1;
        for (int i = Math.max(0, from - 3); i + 3 < end; i++) {
            if (in.get(i) == '\r' && in.get(i + 1) == '\n' && in.get(i + 2) == '\r' && in.get(i + 3) == '\n') {
                headerEnd = i + 4;
                break;
            }
        }
        if (headerEnd < 0) {
            if (end > MAX_UPGRADE_HEADER) {
                failWith(b, "the WebSocket upgrade's answer has no end of header in " + MAX_UPGRADE_HEADER + " bytes");
            } else {
                keepPartial(b, in, 0, end);
            }
            return -1;
        }
        byte[] head = new byte[headerEnd];
        in.get(0, head);
        String answer = new String(head, StandardCharsets.ISO_8859_1);
        int eol = answer.indexOf("\r\n");
        String status = answer.substring(0, eol);
        if (!status.startsWith("HTTP/1.1 101") && !status.startsWith("HTTP/1.0 101")) {
            failWith(b, "WebSocket upgrade refused: " + status);
            return -1;
        }
        String accept = null;
        for (String line : answer.substring(eol + 2).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("sec-websocket-accept")) {
                accept = line.substring(colon + 1).trim();
            }
        }
        if (!b.expectedAccept.equals(accept)) {
            failWith(b, "WebSocket upgrade answered with Sec-WebSocket-Accept " + accept + ", not " + b.expectedAccept);
            return -1;
        }
        b.upgraded = true;
        b.expectedAccept = null;
        b.partialLength = 0;
        b.connected = true;
        stats.connected.incrementAndGet();
        int rest = end - headerEnd;
        if (rest > 0) {
            in.put(0, in, headerEnd, rest);
        }
        login(b);
        return b.dead ? -1 : rest;
    }

    /**
     * Unframes a WebSocket bot's bytes {@code in[from, end)} in place: the payloads of data frames
     * (binary, continuation) are moved together to start at {@code from}, right behind the split
     * packet before it, and the new end is returned for the packet parser. Control frames are
     * taken when whole: close is noted in the bot (closed after the packets before it are parsed),
     * ping is answered with a pong, pong ignored. A header or control frame cut by the end of the
     * read is kept in the bot for the next one. Anything a server must not send (a masked frame,
     * a text frame, an unknown opcode, a control frame over 125 bytes) fails the bot.
     */
    private int unframe(Bot b, ByteBuffer in, int from, int end) {
        int w = from;
        int r = from;
        while (r < end) {
            if (b.framePayloadLeft > 0) {
                int n = (int) Math.min(b.framePayloadLeft, end - r);
                if (w != r) {
                    in.put(w, in, r, n);
                }
                w += n;
                r += n;
                b.framePayloadLeft -= n;
                continue;
            }
            if (b.closeCode >= 0) {
                break; // nothing after a close frame counts
            }
            int avail = end - r;
            if (avail < 2) {
                break;
            }
            int b0 = in.get(r) & 0xFF;
            int b1 = in.get(r + 1) & 0xFF;
            if ((b1 & 0x80) != 0) {
                failWith(b, "the server sent a masked WebSocket frame (RFC 6455 5.1 forbids it)");
                return -1;
            }
            int opcode = b0 & 0x0F;
            int length7 = b1 & 0x7F;
            int header = length7 == 126 ? 4 : length7 == 127 ? 10 : 2;
            if (avail < header) {
                break;
            }
            long length = length7;
            if (length7 == 126) {
                length = ((in.get(r + 2) & 0xFF) << 8) | (in.get(r + 3) & 0xFF);
            } else if (length7 == 127) {
                length = 0;
                for (int i = 0; i < 8; i++) {
                    length = length << 8 | (in.get(r + 2 + i) & 0xFF);
                }
                if (length < 0) {
                    failWith(b, "WebSocket frame length over 2^63");
                    return -1;
                }
            }
            if (opcode == OP_BINARY || opcode == OP_CONTINUATION) {
                r += header;
                b.framePayloadLeft = length;
                continue;
            }
            if (opcode < OP_CLOSE || opcode > OP_PONG) {
                failWith(b, "the server sent a WebSocket frame of opcode " + opcode
                        + " (the game protocol travels in binary frames)");
                return -1;
            }
            if (length > 125) {
                failWith(b, "WebSocket control frame of " + length + " bytes (at most 125)");
                return -1;
            }
            if (avail < header + length) {
                break;
            }
            int payload = r + header;
            if (opcode == OP_CLOSE) {
                b.closeCode = length >= 2 ? ((in.get(payload) & 0xFF) << 8) | (in.get(payload + 1) & 0xFF) : 1005;
                if (length > 2) {
                    byte[] text = new byte[(int) length - 2];
                    in.get(payload + 2, text);
                    b.closeText = new String(text, StandardCharsets.UTF_8);
                }
            } else if (opcode == OP_PING) {
                send(b, frame(OP_PONG, in, payload, (int) length));
                if (b.dead) {
                    return -1;
                }
            }
            r += header + (int) length;
        }
        int rest = end - r;
        if (rest > 0 && b.closeCode < 0) {
            if (b.frameHold == null) {
                b.frameHold = new byte[FRAME_HOLD];
            }
            in.get(r, b.frameHold, 0, rest);
            b.frameHoldLength = rest;
        }
        return w;
    }

    /** Handles every whole packet in {@code in[0, end)} in place; keeps a split one's start in the bot. */
    private void parse(Bot b, ByteBuffer in, int end) {
        int at = 0;
        while (end - at >= HEADER_SIZE) {
            int size = in.getShort(at) & 0xFFFF;
            if (size < HEADER_SIZE) {
                fail(b);
                return;
            }
            if (end - at < size) {
                break;
            }
            int type = in.get(at + 2) & 0xFF;
            packets[type]++;
            packetsCounted = true;
            if (type == SC_MOVE_OBJECT) {
                if (b.loggedIn && in.getInt(at + 3) == b.id) {
                    onEcho(b, in.getInt(at + 11));
                }
            } else if (type == SC_LOGIN_INFO) {
                // Read in the round after it arrived, as an echo is: late by up to a round, never early.
                long now = clock.micros();
                stats.login.recordValue(Math.min(Math.max(0, now - b.loginSentMicros), BotStats.MAX_DELAY_MICROS));
                b.id = in.getInt(at + 7);
                b.loggedIn = true;
                stats.loggedIn.incrementAndGet();
                stats.transports[b.transport].logins.incrementAndGet();
                // Spread the phases so moves arrive evenly, not in a wave each interval.
                b.nextMoveMicros = now + (long) (random.nextDouble() * intervalMicros);
                schedule.add(b);
                if (config.teleport) {
                    // Only now: a server that loads the player first (from its database) takes no
                    // other packet before the login is answered, and closes a client that sends one.
                    ByteBuffer w = writeBuffer.clear();
                    w.putShort((short) CS_EMPTY_SIZE).put((byte) CS_TELEPORT);
                    send(b, framed(b, w.flip()));
                    if (b.dead) {
                        return;
                    }
                }
            } else if (type == SC_LOGIN_FAIL) {
                stats.loginFailures.incrementAndGet();
                System.err.println("bots: login of " + config.namePrefix + b.number + " failed (SC_LOGIN_FAIL; the server's log says why)");
                fail(b);
                return;
            }
            at += size;
        }
        keepPartial(b, in, at, end - at);
    }

    /** Keeps {@code in[at, at + rest)} in the bot until its next read. */
    private static void keepPartial(Bot b, ByteBuffer in, int at, int rest) {
        if (rest > 0) {
            if (b.partial == null || b.partial.length < rest) {
                b.partial = new byte[Math.max(256, Integer.highestOneBit(rest) << 1)];
            }
            in.get(at, b.partial, 0, rest);
        }
        b.partialLength = rest;
    }

    private void onEcho(Bot b, int moveTime) {
        if (moveTime == 0) {
            return; // the teleport answer
        }
        b.echoes++;
        if (batchSize == batchEchoes.length) {
            batchEchoes = Arrays.copyOf(batchEchoes, batchSize * 2);
        }
        batchEchoes[batchSize++] = (moveTime & 0xFFFF_FFFFL) | (long) b.transport << 32;
    }

    private void fail(Bot b) {
        if (!b.dead) {
            stats.errors.incrementAndGet();
            stats.transports[b.transport].errors.incrementAndGet();
            retire(b);
        }
    }

    /** Fails a WebSocket bot and says why on stderr, for the first few such failures of the swarm. */
    private void failWith(Bot b, String reason) {
        if (b.dead) {
            return;
        }
        long n = stats.reasonsPrinted.incrementAndGet();
        if (n <= 5) {
            System.err.println("bots: " + config.namePrefix + b.number + " (websocket) failed: " + reason);
        } else if (n == 6) {
            System.err.println("bots: more WebSocket bots failed (counted in errors; reasons not shown)");
        }
        fail(b);
    }

    /**
     * Closes the bot and frees its slot (the last live bot takes it), so the worker connects a
     * replacement while the target says so; unanswered moves count as lost unless it was shed.
     */
    private void retire(Bot b) {
        b.dead = true;
        int slot = b.index;
        if (slot < live && bots[slot] == b) {
            Bot last = bots[--live];
            bots[slot] = last;
            last.index = slot;
            bots[live] = null;
        }
        if (b.shed) {
            stats.shedMoves.addAndGet(b.movesSent - b.echoes);
        }
        if (b.loggedIn) {
            stats.loggedIn.decrementAndGet();
        }
        if (b.connected) {
            stats.connected.decrementAndGet();
        }
        if (b.websocket()) {
            liveWebsocket--;
        }
        closeQuietly(b);
    }

    private static void closeQuietly(Bot b) {
        if (b == null) {
            return;
        }
        if (b.key != null) {
            b.key.cancel();
        }
        try {
            b.channel.close();
        } catch (IOException ignored) {
            // the bot is going away either way
        }
    }

    /** Starts the next round now (a new target, the end of sending, stop) instead of within a round. */
    void wakeup() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }
}
