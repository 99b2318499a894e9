package gameport.bots;

import static gameport.protocol.Protocol.*;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One I/O thread of the swarm: keeps its share of bots connected (up to {@link #target}, which
 * ramp mode moves up and down), sends their moves on schedule and reads the echoes.
 */
final class BotWorker implements Runnable {
    private final BotConfig config;
    private final BotStats stats;
    private final Clock clock;
    private static final long EARLY_MICROS = 500;
    private final AtomicInteger names;
    private final Selector selector;
    private final Bot[] bots;
    private final MoveSchedule schedule = new MoveSchedule();
    private final SplittableRandom random;
    private final long intervalMicros;
    private final long connectGapMicros;
    /** Bots in slots [0, live) are connected or connecting; the slots above are free. */
    private int live;
    private long nextConnectMicros;

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
    }

    @Override
    public void run() {
        try {
            while (!stop) {
                long now = clock.micros();
                shedAboveTarget();
                startDueConnects(now);
                sendDueMoves(now);
                long wait = waitMicros(clock.micros());
                if (wait <= 0) {
                    selector.selectNow();
                } else {
                    selector.select(Math.max(1, wait / 1000));
                }
                handleReady();
            }
        } catch (IOException e) {
            System.err.println("bots: I/O thread failed: " + e);
        } finally {
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

    private long waitMicros(long now) {
        long next = Long.MAX_VALUE;
        if (live < Math.min(target, bots.length)) {
            next = nextConnectMicros;
        }
        if (sendingMoves && !schedule.isEmpty()) {
            next = Math.min(next, schedule.peek().nextMoveMicros);
        }
        return next == Long.MAX_VALUE ? 100_000 : Math.min(100_000, next - EARLY_MICROS - now);
    }

    private void shedAboveTarget() {
        while (live > Math.max(0, target)) {
            Bot b = bots[live - 1];
            b.shed = true;
            retire(b);
        }
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
                if (ch.connect(new InetSocketAddress(config.host, config.port))) {
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
        ByteBuffer out = b.out;
        out.putShort((short) CS_LOGIN_SIZE).put((byte) CS_LOGIN).put(name);
        for (int i = name.length; i < NAME_SIZE; i++) {
            out.put((byte) 0);
        }
        if (config.teleport) {
            out.putShort((short) CS_EMPTY_SIZE).put((byte) CS_TELEPORT);
        }
        flush(b);
    }

    private void sendDueMoves(long now) {
        // The selector sleeps in whole milliseconds, so moves due within EARLY_MICROS go now. A move
        // sent early is stamped with its real send time, never a future one: delays are never
        // under-reported, and a late send still counts from its intended time.
        while (sendingMoves && !schedule.isEmpty() && schedule.peek().nextMoveMicros <= now + EARLY_MICROS) {
            Bot b = schedule.poll();
            if (b.dead) {
                continue;
            }
            long intended = b.nextMoveMicros;
            b.nextMoveMicros = intended + intervalMicros;
            schedule.add(b);
            if (b.out.remaining() < CS_MOVE_SIZE) {
                continue; // the server stopped reading this bot: its earlier moves' delays show that
            }
            long stamp = Math.min(intended, now);
            int moveTime = (int) stamp == 0 ? 1 : (int) stamp; // 0 is the teleport answer
            b.out.putShort((short) CS_MOVE_SIZE).put((byte) CS_MOVE).put((byte) random.nextInt(4)).putInt(moveTime);
            stats.movesSent.incrementAndGet();
            b.movesSent++;
            flush(b);
        }
    }

    private void flush(Bot b) {
        if (b.dead) {
            b.out.clear();
            return;
        }
        b.out.flip();
        try {
            b.channel.write(b.out);
        } catch (IOException e) {
            b.out.clear();
            fail(b);
            return;
        }
        b.out.compact();
        if (b.out.position() > 0) {
            b.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        }
    }

    private void handleReady() {
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
            SelectionKey key = it.next();
            it.remove();
            Bot b = (Bot) key.attachment();
            if (!key.isValid() || b.dead) {
                continue;
            }
            try {
                if (key.isConnectable()) {
                    if (b.channel.finishConnect()) {
                        key.interestOps(SelectionKey.OP_READ);
                        onConnected(b);
                    }
                    continue;
                }
                if (key.isWritable()) {
                    b.out.flip();
                    b.channel.write(b.out);
                    b.out.compact();
                    if (b.out.position() == 0) {
                        key.interestOps(SelectionKey.OP_READ);
                    }
                }
                if (key.isReadable()) {
                    if (b.channel.read(b.in) < 0) {
                        fail(b);
                        continue;
                    }
                    parse(b);
                }
            } catch (IOException | RuntimeException e) {
                fail(b); // e.g. a server that stopped reading overflows the bot's output buffer
            }
        }
    }

    private void parse(Bot b) {
        ByteBuffer in = b.in;
        in.flip();
        while (in.remaining() >= HEADER_SIZE) {
            int at = in.position();
            int size = in.getShort(at) & 0xFFFF;
            if (size < HEADER_SIZE) {
                in.clear();
                fail(b);
                return;
            }
            if (in.remaining() < size) {
                break;
            }
            int type = in.get(at + 2) & 0xFF;
            stats.packetsByType.incrementAndGet(type);
            if (type == SC_MOVE_OBJECT && b.loggedIn && in.getInt(at + 3) == b.id) {
                onEcho(b, in.getInt(at + 11));
            } else if (type == SC_LOGIN_INFO) {
                b.id = in.getInt(at + 7);
                b.loggedIn = true;
                stats.loggedIn.incrementAndGet();
                // Spread the phases so moves arrive evenly, not in a wave each interval.
                b.nextMoveMicros = clock.micros() + (long) (random.nextDouble() * intervalMicros);
                schedule.add(b);
            } else if (type == SC_LOGIN_FAIL) {
                System.err.println("bots: login of " + config.namePrefix + b.number + " failed, reason " + in.get(at + 3));
                in.clear();
                fail(b);
                return;
            }
            in.position(at + size);
        }
        in.compact();
    }

    private void onEcho(Bot b, int moveTime) {
        if (moveTime == 0) {
            return; // the teleport answer
        }
        long now = clock.micros();
        long delay = (now - (moveTime & 0xFFFF_FFFFL)) & 0xFFFF_FFFFL;
        b.echoes++;
        stats.echoes.incrementAndGet();
        stats.delay.recordValue(Math.min(delay, BotStats.MAX_DELAY_MICROS));
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

    void wakeup() {
        selector.wakeup();
    }
}
