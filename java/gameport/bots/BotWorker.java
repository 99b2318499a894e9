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

/** One I/O thread of the swarm: connects its share of bots, sends their moves, reads echoes. */
final class BotWorker implements Runnable {
    private final BotConfig config;
    private final BotStats stats;
    private final Clock clock;
    private final Selector selector;
    private final Bot[] bots;
    private final int first;
    private final int stride;
    private final int count;
    private final MoveSchedule schedule;
    private final SplittableRandom random;
    private final long intervalMicros;
    private final long connectGapMicros;
    private int connectsStarted;
    private long nextConnectMicros;

    volatile boolean sendingMoves = true;
    volatile boolean stop;

    /** Swarm time in microseconds since the swarm started. */
    interface Clock {
        long micros();
    }

    BotWorker(BotConfig config, BotStats stats, Clock clock, int first, int stride, long seed) throws IOException {
        this.config = config;
        this.stats = stats;
        this.clock = clock;
        this.selector = Selector.open();
        this.first = first;
        this.stride = stride;
        this.count = (config.clients - first + stride - 1) / stride;
        this.bots = new Bot[count];
        this.schedule = new MoveSchedule(bots);
        this.random = new SplittableRandom(seed);
        this.intervalMicros = config.moveIntervalMs * 1000L;
        this.connectGapMicros = Math.max(1, 1_000_000L * stride / config.connectRate);
    }

    @Override
    public void run() {
        try {
            while (!stop) {
                long now = clock.micros();
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
            for (Bot b : bots) {
                if (b != null) {
                    try {
                        b.channel.close();
                    } catch (IOException ignored) {
                        // closing at the end of the run
                    }
                }
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
        if (connectsStarted < count) {
            next = nextConnectMicros;
        }
        if (sendingMoves && !schedule.isEmpty()) {
            next = Math.min(next, schedule.peek().nextMoveMicros);
        }
        return next == Long.MAX_VALUE ? 100_000 : Math.min(100_000, next - now);
    }

    private void startDueConnects(long now) {
        while (connectsStarted < count && nextConnectMicros <= now) {
            int local = connectsStarted++;
            nextConnectMicros = (nextConnectMicros == 0 ? now : nextConnectMicros) + connectGapMicros;
            try {
                SocketChannel ch = SocketChannel.open();
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                Bot b = new Bot(local, ch);
                bots[local] = b;
                if (ch.connect(new InetSocketAddress(config.host, config.port))) {
                    b.key = ch.register(selector, SelectionKey.OP_READ, b);
                    onConnected(b);
                } else {
                    b.key = ch.register(selector, SelectionKey.OP_CONNECT, b);
                }
            } catch (IOException e) {
                stats.errors.incrementAndGet();
            }
        }
    }

    private void onConnected(Bot b) {
        b.connected = true;
        stats.connected.incrementAndGet();
        byte[] name = (config.namePrefix + (first + b.index * stride)).getBytes(StandardCharsets.UTF_8);
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
        while (sendingMoves && !schedule.isEmpty() && schedule.peek().nextMoveMicros <= now) {
            Bot b = schedule.poll();
            if (b.dead) {
                continue;
            }
            long intended = b.nextMoveMicros;
            int moveTime = (int) intended == 0 ? 1 : (int) intended; // 0 is the teleport answer
            b.out.putShort((short) CS_MOVE_SIZE).put((byte) CS_MOVE).put((byte) random.nextInt(4)).putInt(moveTime);
            stats.movesSent.incrementAndGet();
            flush(b);
            b.nextMoveMicros = intended + intervalMicros;
            schedule.add(b);
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
            } catch (IOException e) {
                fail(b);
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
                fail(b);
                return;
            }
            if (in.remaining() < size) {
                break;
            }
            int type = in.get(at + 2) & 0xFF;
            stats.packetsByType.incrementAndGet(type);
            if (type == SC_MOVE_OBJECT && b.loggedIn && in.getInt(at + 3) == b.id) {
                onEcho(in.getInt(at + 11));
            } else if (type == SC_LOGIN_INFO) {
                b.id = in.getInt(at + 7);
                b.loggedIn = true;
                stats.loggedIn.incrementAndGet();
                // Spread the phases so moves arrive evenly, not in a wave each interval.
                b.nextMoveMicros = clock.micros() + (long) (random.nextDouble() * intervalMicros);
                schedule.add(b);
            } else if (type == SC_LOGIN_FAIL) {
                System.err.println("bots: login of bot " + (first + b.index * stride) + " failed, reason " + in.get(at + 3));
                fail(b);
                return;
            }
            in.position(at + size);
        }
        in.compact();
    }

    private void onEcho(int moveTime) {
        if (moveTime == 0) {
            return; // the teleport answer
        }
        long now = clock.micros();
        long delay = (now - (moveTime & 0xFFFF_FFFFL)) & 0xFFFF_FFFFL;
        stats.echoes.incrementAndGet();
        stats.delay.recordValue(delay);
    }

    private void fail(Bot b) {
        if (!b.dead) {
            b.dead = true;
            stats.errors.incrementAndGet();
            if (b.loggedIn) {
                stats.loggedIn.decrementAndGet();
            }
            if (b.connected) {
                stats.connected.decrementAndGet();
            }
            if (b.key != null) {
                b.key.cancel();
            }
            try {
                b.channel.close();
            } catch (IOException ignored) {
                // already failing
            }
        }
    }

    void wakeup() {
        selector.wakeup();
    }
}
