package gameport.game;

import static gameport.protocol.Protocol.*;
import static gameport.ring.RingDescriptor.*;

import gameport.engine.Engine;
import gameport.ring.CloseReason;
import gameport.ring.ManyToOneRing;
import gameport.server.ServerConfig;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one game thread: drains engine events in batches, applies the rules, and at the end of each
 * batch flushes every touched session's packets into the request ring once. All game state is
 * confined to this thread, so nothing here locks.
 */
public final class GameLoop implements Runnable {
    private static final Logger LOG = Logger.getLogger("gameport.game");
    private static final int BATCH = 4096;
    private static final long MAX_SLEEP_NANOS = 100_000_000L;

    private final Engine engine;
    private final GameTimings timings;
    private final Consumer<Throwable> onFatal;
    private final ManyToOneRing events;
    private final ManyToOneRing requests;
    private final Outboxes outboxes;
    private final Outboxes.Sender sendOutbox = this::sendOutbox;
    private final World world;
    /**
     * Timer resolution: a two-hundredth of the NPC act period, at most 5 ms. The NPC acts of one
     * tick run in one round, so the tick bounds that round: at 11,000 bots in the full world about
     * 120,000 NPCs are awake, and 50 ms ticks made rounds of 6,000 acts that held every reply for
     * tens of milliseconds (tools/ramp: p99 spikes over 100 ms at 10,000-11,000 bots with the game
     * thread half idle). Merging the NPC moves of many ticks into one send per player, the reason
     * ticks used to be coarse, is the output pacing's job now (--flush-ms, Outboxes).
     */
    private static final long MAX_TIMER_TICK_NANOS = 5_000_000L;
    private final TimerWheel timers;
    private final TimerWheel.Expired onTimer;
    private final long idleTimeoutNanos;
    private final long idleCheckNanos;
    private final long statsIntervalNanos;
    private final ManyToOneRing.RecordHandler onEvent = this::onEvent;
    private volatile boolean running = true;

    private ClientSession[] bySlot = new ClientSession[1024];
    private ClientSession[] live = new ClientSession[1024];
    private int liveCount;
    private byte[] scratch = new byte[MAX_CLIENT_PACKET];
    private long now;
    /** Connections ever accepted: numbers sessions for people reading the log. */
    private long connections;

    private long nextIdleCheck;
    private long nextStats;
    private long statsStart;
    private long busyNanos;
    private long packetsIn;
    private long lastWakeUps;
    private long lastNpcMoves;

    /** @param onFatal told if the game thread dies, so the server stops instead of idling */
    public GameLoop(Engine engine, ServerConfig config, GameMap map, GameTimings timings, Consumer<Throwable> onFatal) {
        this.onFatal = onFatal;
        this.engine = engine;
        this.timings = timings;
        this.events = engine.events();
        this.requests = engine.requests();
        this.outboxes = new Outboxes(config.flushMs * 1_000_000L);
        long tick = Math.max(1_000_000L, Math.min(MAX_TIMER_TICK_NANOS, config.npcActMs * 1_000_000L / 200));
        this.timers = new TimerWheel(tick, 4096, Math.max(1024, config.npcs / 4), System.nanoTime());
        this.world = new World(map, config.viewRange, config.maxUsers, config.npcs, config.npcKindList(),
                config.npcActMs, config.npcRespawnMs, config.seed, outboxes, timers);
        this.onTimer = world::onTimer;
        this.idleTimeoutNanos = config.idleTimeoutMs * 1_000_000L;
        this.idleCheckNanos = Math.min(1_000_000_000L, Math.max(1_000_000L, idleTimeoutNanos / 4));
        this.statsIntervalNanos = config.statsIntervalS * 1_000_000_000L;
    }

    public void stop() {
        running = false;
    }

    @Override
    public void run() {
        now = System.nanoTime();
        nextIdleCheck = now + idleCheckNanos;
        statsStart = now;
        nextStats = statsIntervalNanos > 0 ? now + statsIntervalNanos : Long.MAX_VALUE;
        try {
            while (running) {
                long start = System.nanoTime();
                now = start;
                world.now = start;
                int fromRing = events.read(onEvent, BATCH);
                int handled = fromRing + timers.expire(start, onTimer);
                if (now >= nextIdleCheck) {
                    closeIdleSessions();
                }
                flush();
                if (handled > 0) {
                    publishCounters();
                }
                long end = System.nanoTime();
                if (handled > 0) {
                    busyNanos += end - start;
                }
                if (end >= nextStats) {
                    logStats(end);
                }
                long sleep = 0;
                if (fromRing < BATCH) { // else the ring holds more: the next round starts at once
                    long wakeAt = Math.min(Math.min(nextIdleCheck, nextStats),
                            Math.min(timers.nextDeadlineNanos(), outboxes.nextDueNanos()));
                    sleep = Math.max(0, Math.min(MAX_SLEEP_NANOS, wakeAt - end));
                }
                engine.endRound(sleep);
            }
        } catch (Stopping s) {
            // stop() while waiting for room in the request ring: nothing left to deliver
        } catch (Throwable t) {
            LOG.log(Level.SEVERE, "game thread failed", t);
            onFatal.accept(t);
        } finally {
            // The engine's I/O runs on this thread (Engine.endRound), so it is closed here too:
            // every session gets its close while the thread that owns the sockets still runs.
            engine.close();
        }
    }

    private void onEvent(int type, long handle, long timestamp, ByteBuffer buffer, int offset, int length) {
        long start = System.nanoTime();
        timings.recordDwell(start - timestamp);
        dispatch(type, handle, buffer, offset, length);
        timings.recordHandling(System.nanoTime() - start);
    }

    private void dispatch(int type, long handle, ByteBuffer buffer, int offset, int length) {
        int slot = slotOf(handle);
        switch (type) {
            case EVENT_ACCEPTED: {
                ClientSession s = new ClientSession(++connections, handle, text(buffer, offset, length), now);
                if (slot >= bySlot.length) {
                    bySlot = Arrays.copyOf(bySlot, Math.max(slot + 1, bySlot.length * 2));
                }
                bySlot[slot] = s;
                if (liveCount == live.length) {
                    live = Arrays.copyOf(live, liveCount * 2);
                }
                s.liveIndex = liveCount;
                live[liveCount++] = s;
                break;
            }
            case EVENT_PACKET: {
                ClientSession s = bySlot[slot];
                if (s != null && s.handle == handle && !s.closing) {
                    packetsIn++;
                    s.lastReceiveNanos = now;
                    outboxes.actor = s;
                    onPacket(s, buffer, offset, length);
                    outboxes.actor = null;
                }
                break;
            }
            case EVENT_CLOSED: {
                ClientSession s = bySlot[slot];
                if (s != null && s.handle == handle) {
                    onClosed(s, CloseReason.of(buffer.getInt(offset)), text(buffer, offset + 4, length - 4));
                }
                break;
            }
            default:
                LOG.warning("unknown event type " + type + " in the event ring; ignored");
        }
    }

    private void onPacket(ClientSession s, ByteBuffer b, int at, int length) {
        int type = b.get(at + 2) & 0xFF;
        Player p = s.player;
        if (p == null) {
            if (type != CS_LOGIN) {
                close(s, CloseReason.PROTOCOL_ERROR, clientTypeName(type) + " before login");
                return;
            }
            login(s, b, at + HEADER_SIZE);
            return;
        }
        switch (type) {
            case CS_MOVE:
                world.move(p, b.get(at + 3) & 0xFF, b.get(at + 4) & 0xFF | (b.get(at + 5) & 0xFF) << 8
                        | (b.get(at + 6) & 0xFF) << 16 | (b.get(at + 7) & 0xFF) << 24);
                break;
            case CS_CHAT:
                b.get(at + HEADER_SIZE, scratch, 0, length - HEADER_SIZE);
                world.chat(p, scratch, 0, length - HEADER_SIZE);
                break;
            case CS_TELEPORT:
                world.teleport(p);
                break;
            case CS_ATTACK:
                world.attack(p);
                break;
            case CS_LOGOUT:
                close(s, CloseReason.LOGOUT, "logout");
                break;
            case CS_LOGIN:
                close(s, CloseReason.PROTOCOL_ERROR, "CS_LOGIN after login");
                break;
            default:
                // The engine's header check lets only known types through.
                close(s, CloseReason.PROTOCOL_ERROR, "unexpected packet " + clientTypeName(type));
        }
    }

    private void login(ClientSession s, ByteBuffer b, int at) {
        byte[] wire = new byte[NAME_SIZE];
        b.get(at, wire);
        int length = 0;
        while (length < NAME_SIZE && wire[length] != 0) {
            length++;
        }
        String name = validName(wire, length);
        int result;
        if (name == null) {
            result = LOGIN_FAIL_INVALID_NAME;
        } else {
            Arrays.fill(wire, length, NAME_SIZE, (byte) 0);
            result = world.login(s, name, wire);
        }
        if (result != 0) {
            Packets.loginFail(outboxes.touch(s), result);
        }
    }

    /** The name if it is 1..20 bytes of UTF-8 without control characters, else null. */
    private static String validName(byte[] wire, int length) {
        if (length == 0) {
            return null;
        }
        String name;
        try {
            name = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(wire, 0, length)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) {
                return null;
            }
        }
        return name;
    }

    private void onClosed(ClientSession s, CloseReason reason, String text) {
        Player p = s.player;
        String who = s.describe();
        if (p != null) {
            world.leave(p);
        }
        if (reason.abnormal) {
            LOG.info(who + " closed (" + reason.label + "): " + text);
        } else if (LOG.isLoggable(Level.FINE)) {
            LOG.fine(who + " closed (" + reason.label + "): " + text);
        }
        bySlot[slotOf(s.handle)] = null;
        ClientSession last = live[--liveCount];
        live[s.liveIndex] = last;
        last.liveIndex = s.liveIndex;
        live[liveCount] = null;
        // Packets already produced for it this batch are dropped with it: the socket is gone.
        s.outLength = 0;
    }

    /** Asks the engine to close {@code s} after what was produced for it so far. */
    private void close(ClientSession s, CloseReason reason, String text) {
        if (s.closing) {
            return;
        }
        s.closing = true;
        if (s.player != null) {
            world.leave(s.player); // viewers see it go now, not when the socket is gone
        }
        if (s.outLength > 0) {
            sendOutbox(s);
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        while (!requests.writeWithCode(REQUEST_CLOSE, s.handle, reason.code, bytes)) {
            waitForRequestSpace();
        }
    }

    private void closeIdleSessions() {
        nextIdleCheck = now + idleCheckNanos;
        long deadline = now - idleTimeoutNanos;
        for (int i = 0; i < liveCount; i++) {
            ClientSession s = live[i];
            if (s.lastReceiveNanos < deadline && !s.closing) {
                close(s, CloseReason.IDLE_TIMEOUT,
                        "idle timeout: nothing received for " + idleTimeoutNanos / 1_000_000 + " ms");
            }
        }
    }

    private void flush() {
        outboxes.flush(now, sendOutbox);
    }

    private void sendOutbox(ClientSession s) {
        int max = requests.maxPayload();
        for (int from = 0; from < s.outLength; ) {
            int chunk = Math.min(max, s.outLength - from);
            if (requests.write(REQUEST_SEND, s.handle, s.out, from, chunk)) {
                from += chunk;
            } else {
                waitForRequestSpace();
            }
        }
        s.outLength = 0;
        if (s.out.length > 64 * 1024) {
            s.out = new byte[256]; // a burst (e.g. a teleport into a crowd) should not pin memory
        }
    }

    /** Backpressure: the I/O side is behind; let it take what is in the ring. */
    private void waitForRequestSpace() {
        if (!running) {
            throw new Stopping();
        }
        engine.requestsFull();
    }

    /** Ends the loop from deep inside a full-ring wait when the server stops. */
    private static final class Stopping extends RuntimeException {
        Stopping() {
            super(null, null, false, false);
        }
    }

    /** World counters for other threads (tests, tools): copied once per busy batch. */
    private volatile long publishedWakeUps;
    private volatile long publishedNpcMoves;
    private volatile long publishedNpcKills;

    private void publishCounters() {
        publishedWakeUps = world.npcWakeUps;
        publishedNpcMoves = world.npcMoves;
        publishedNpcKills = world.npcKills;
    }

    /** NPCs woken up since start (a sleeping NPC wakes when a player comes to see it). */
    public long npcWakeUps() {
        return publishedWakeUps;
    }

    public long npcMoves() {
        return publishedNpcMoves;
    }

    public long npcKills() {
        return publishedNpcKills;
    }

    private void logStats(long end) {
        double seconds = (end - statsStart) / 1e9;
        LOG.info(String.format("stats: sessions=%d players=%d in=%.0f/s out=%.0f/s busy=%.1f%% "
                        + "npc wake-ups=%.0f/s npc moves=%.0f/s timers=%d",
                liveCount, world.online(), packetsIn / seconds, outboxes.packetsOut / seconds,
                100.0 * busyNanos / (end - statsStart), (world.npcWakeUps - lastWakeUps) / seconds,
                (world.npcMoves - lastNpcMoves) / seconds, timers.size()));
        lastWakeUps = world.npcWakeUps;
        lastNpcMoves = world.npcMoves;
        packetsIn = 0;
        outboxes.packetsOut = 0;
        busyNanos = 0;
        statsStart = end;
        nextStats = end + statsIntervalNanos;
    }

    private static String text(ByteBuffer b, int offset, int length) {
        byte[] bytes = new byte[length];
        b.get(offset, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
