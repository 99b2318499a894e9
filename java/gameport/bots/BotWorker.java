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
import java.util.ArrayList;
import java.util.Arrays;
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
 */
final class BotWorker implements Runnable {
    /** Length of a round: the resolution of the measured delays. */
    static final long ROUND_MICROS = 1000;
    /** At most this many bytes are read from one socket in one round. */
    private static final int READ_BYTES = 64 * 1024;
    /** Packet sizes are 16-bit: room for the largest split packet in front of a full read. */
    private static final int MAX_PACKET = 0xFFFF;
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
    /** Every read of this thread lands here; parsed in place. */
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BYTES + MAX_PACKET).order(ByteOrder.LITTLE_ENDIAN);
    /** Every write of this thread goes from here (a move, a login). */
    private final ByteBuffer writeBuffer = ByteBuffer.allocateDirect(256).order(ByteOrder.LITTLE_ENDIAN);
    private final Consumer<SelectionKey> onReady = this::onReady;
    /** The echoes' move_time of the current select batch, timestamped together after it. */
    private int[] batchEchoes = new int[1024];
    private int batchSize;
    /** Counted locally, published to {@link #stats} once a round. */
    private long echoes;
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
              long seed) throws IOException {
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
        if (echoes > 0) {
            stats.echoes.addAndGet(echoes);
            echoes = 0;
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
                b.channel.write(w.flip());
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
            Bot b = new Bot(live, names.getAndIncrement(), ch);
            bots[live++] = b;
            try {
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                if (ch.connect(server)) {
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

    private void onConnected(Bot b) {
        b.connected = true;
        stats.connected.incrementAndGet();
        byte[] name = (config.namePrefix + b.number).getBytes(StandardCharsets.UTF_8);
        ByteBuffer w = writeBuffer.clear();
        w.putShort((short) CS_LOGIN_SIZE).put((byte) CS_LOGIN).put(name);
        for (int i = name.length; i < NAME_SIZE; i++) {
            w.put((byte) 0);
        }
        b.loginSentMicros = clock.micros();
        send(b, w.flip());
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
            boolean queued = b.hasQueuedOutput();
            if (queued && b.out.remaining() < CS_MOVE_SIZE) {
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
            if (queued) {
                // Earlier bytes wait for the socket: the move queues behind them (OP_WRITE is on).
                b.out.putShort((short) CS_MOVE_SIZE).put((byte) CS_MOVE).put(direction).putInt(moveTime);
            } else {
                ByteBuffer w = writeBuffer.clear();
                w.putShort(0, (short) CS_MOVE_SIZE).put(2, (byte) CS_MOVE).put(3, direction).putInt(4, moveTime);
                w.limit(CS_MOVE_SIZE);
                send(b, w);
            }
        }
    }

    /** Writes {@code w} (read mode) to the bot's socket; what the socket does not take is queued. */
    private void send(Bot b, ByteBuffer w) {
        if (b.dead) {
            return;
        }
        try {
            b.channel.write(w);
        } catch (IOException e) {
            fail(b);
            return;
        }
        if (w.hasRemaining()) {
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
            long delay = (now - (batchEchoes[i] & 0xFFFF_FFFFL)) & 0xFFFF_FFFFL;
            stats.delay.recordValue(Math.min(delay, BotStats.MAX_DELAY_MICROS));
        }
        echoes += batchSize;
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

    /** One read of the bot's socket into the thread's buffer, behind the bot's split packet if any. */
    private void read(Bot b) throws IOException {
        ByteBuffer in = readBuffer.clear();
        if (b.partialLength > 0) {
            in.put(b.partial, 0, b.partialLength);
        }
        if (b.channel.read(in) < 0) {
            fail(b);
            return;
        }
        parse(b, in, in.position());
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
                // Spread the phases so moves arrive evenly, not in a wave each interval.
                b.nextMoveMicros = now + (long) (random.nextDouble() * intervalMicros);
                schedule.add(b);
                if (config.teleport) {
                    // Only now: a server that loads the player first (from its database) takes no
                    // other packet before the login is answered, and closes a client that sends one.
                    ByteBuffer w = writeBuffer.clear();
                    w.putShort((short) CS_EMPTY_SIZE).put((byte) CS_TELEPORT);
                    send(b, w.flip());
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
        int rest = end - at;
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
        batchEchoes[batchSize++] = moveTime;
    }

    private void fail(Bot b) {
        if (!b.dead) {
            stats.errors.incrementAndGet();
            retire(b);
        }
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
