package gameport.game;

import static gameport.ring.RingDescriptor.*;

import gameport.engine.Engine;
import gameport.engine.Gateway;
import gameport.ring.CloseReason;
import gameport.ring.ManyToOneRing;
import gameport.server.ServerConfig;
import gameport.store.DbWorker;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one game thread's rounds: take a batch of engine events, run the timers, close sessions
 * past their deadlines, flush every touched session's packets into the request ring once, then
 * hand the round to the engine ({@link Engine#endRound}). Who may do what is {@link Admission}'s
 * job, the rules are {@link World}'s and {@link Views}', when output leaves is {@link Outboxes}'.
 *
 * <p>Threads and ownership:
 * <ul>
 *   <li>The game thread ({@link #run}) owns everything in this package: sessions, world, timers,
 *       outboxes, stats. It is the events ring's only consumer and the requests ring's only
 *       producer, and with the default engines it also does the I/O, inside endRound and
 *       requestsFull. Nothing here locks.</li>
 *   <li>{@link #stop} may be called from any thread: a volatile flag the loop reads once a round.
 *       The loop then gives every session a graceful close, and closes the engine on this thread
 *       (the thread that owns the sockets).</li>
 *   <li>The npc counters ({@link #npcWakeUps} and the like) are read by other threads: copied
 *       into volatile fields once per busy round, so a reader sees a value of some recent round,
 *       never a torn one.</li>
 *   <li>The database worker ({@link DbWorker}, its own thread) never touches this package's
 *       state: the game hands it loads and saves through its lock-free queues, and it hands
 *       results back as EVENT_POSTED records in the events ring ({@link Engine#post}), which
 *       this loop reads like any event ({@link Logins}).</li>
 *   <li>A second transport ({@link Gateway}: browsers over WebSocket) writes its sessions'
 *       ACCEPTED, PACKET and CLOSED records into the same events ring from its own threads, and
 *       reads their requests from a ring of its own; {@link RequestRouter} picks the ring by the
 *       session's slot, and is the only code here that knows there are two transports.</li>
 *   <li>{@link LiveStats}: this thread publishes its totals as immutable snapshots through one
 *       volatile field for the HTTP threads (/metrics, /admin); it never waits for a reader.</li>
 *   <li>A kind reload ({@link KindReload}: the NPC scripts changed) is asked for by other
 *       threads (a file watcher, SIGHUP), which only set a flag; this loop reads it once a round
 *       and reloads at the top of the next round, on this thread, so no NPC callback is running
 *       and the new scripts start with a whole round.</li>
 *   <li>The constructor runs on the thread that starts the server, before the game thread
 *       starts; Thread.start orders its writes before everything the loop does.</li>
 * </ul>
 *
 * <p>Containment: a failure while handling one session's event closes that session (reason
 * {@code internal error}; each distinct failure's stack trace is logged once) and the round goes
 * on; a failing NPC timer is logged the same way. Only a failure outside that (the engine, the
 * loop itself) ends the thread, and {@code onFatal} stops the server.
 */
public final class GameLoop implements Runnable {
    private static final Logger LOG = Logger.getLogger("gameport.game");
    private static final int BATCH = 4096;
    private static final long MAX_SLEEP_NANOS = 100_000_000L;

    private final Engine engine;
    private final GameTimings timings;
    private final Consumer<Throwable> onFatal;
    private final ManyToOneRing events;
    private final RequestRouter router;
    private final LiveStats live;
    private final Outboxes outboxes;
    private final Outboxes.Sender sendOutbox = this::sendOutbox;
    private final World world;
    /** The NPC kinds' reload, or null when they cannot reload (--scripts builtin or off). */
    private final KindReload kindReload;
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
    private final TimerWheel.Expired onTimer = this::onTimer;
    private final long deadlineCheckNanos;
    private final long statsIntervalNanos;
    private final ManyToOneRing.RecordHandler onEvent = this::onEvent;
    private volatile boolean running = true;
    /** After stop(): how long the last CLOSE requests may wait for room in the request ring. */
    private static final long SHUTDOWN_HANDOFF_NANOS = 2_000_000_000L;
    private long handoffDeadline;

    private final Sessions sessions = new Sessions();
    private final Admission admission;
    private final PlayerSaves saves;
    private final DbWorker db;
    private final Logins logins;
    private final GameStats stats = new GameStats();
    private final SessionLog sessionLog = new SessionLog(LOG);
    /** Failures whose stack trace was logged (class and throwing frame), bounded. */
    private final Set<String> failuresLogged = new HashSet<>();
    private static final int MAX_FAILURES_REMEMBERED = 1000;
    private long now;
    /** Connections ever accepted: numbers sessions for people reading the log. */
    private long connections;

    private long nextDeadlineCheck;
    private long nextStats;
    private long statsStart;
    private long packetsOutAtStats;

    /**
     * @param npcSetup the NPC kinds and their behaviour (scripted or Java)
     * @param gateway a second transport whose sessions share the events ring (WebSocket), or null
     * @param db the database worker, or null with --db none
     * @param live where the loop publishes its totals for other threads
     * @param onFatal told if the game thread dies, so the server stops instead of idling
     */
    public GameLoop(Engine engine, Gateway gateway, ServerConfig config, GameMap map, NpcSetup npcSetup,
                    GameTimings timings, DbWorker db, LiveStats live, Consumer<Throwable> onFatal) {
        this.onFatal = onFatal;
        this.engine = engine;
        this.timings = timings;
        this.events = engine.events();
        this.router = new RequestRouter(engine, gateway);
        this.live = live;
        this.outboxes = new Outboxes(config.flushMs * 1_000_000L);
        long tick = Math.max(1_000_000L, Math.min(MAX_TIMER_TICK_NANOS, config.npcActMs * 1_000_000L / 200));
        this.timers = new TimerWheel(tick, 4096, Math.max(1024, config.npcs / 4), System.nanoTime());
        this.db = db;
        this.saves = new PlayerSaves(db, config.saveIntervalS, System.nanoTime());
        this.world = new World(map, config.viewRange, config.maxUsers, config.npcs, npcSetup.kinds(), npcSetup.spawn(),
                config.npcActMs, config.npcRespawnMs, config.seed, outboxes, timers, saves);
        saves.bind(world);
        world.brain(npcSetup.brain().apply(world));
        this.kindReload = npcSetup.reload();
        this.logins = new Logins(world, outboxes, sessionLog, this::close, saves, db, config.loginDbTimeoutMs);
        this.admission = new Admission(world, outboxes, stats, this::close, config.rateLimits,
                config.maxConnectionsPerAddress, config.capLoopback, config.loginTimeoutMs, config.idleTimeoutMs,
                config.packetHook, logins);
        long shortest = Math.min(Math.min(config.idleTimeoutMs, config.loginTimeoutMs),
                db != null ? config.loginDbTimeoutMs : Long.MAX_VALUE) * 1_000_000L;
        this.deadlineCheckNanos = Math.min(1_000_000_000L, Math.max(1_000_000L, shortest / 4));
        this.statsIntervalNanos = config.statsIntervalS * 1_000_000_000L;
    }

    public void stop() {
        running = false;
    }

    @Override
    public void run() {
        now = System.nanoTime();
        nextDeadlineCheck = now + deadlineCheckNanos;
        statsStart = now;
        nextStats = statsIntervalNanos > 0 ? now + statsIntervalNanos : Long.MAX_VALUE;
        try {
            while (running) {
                if (kindReload != null && kindReload.requested()) { // the one volatile read a round
                    reloadKinds();
                }
                long start = System.nanoTime();
                now = start;
                world.now = start;
                int fromRing = events.read(onEvent, BATCH);
                int handled = fromRing + timers.expire(start, onTimer);
                if (now >= nextDeadlineCheck) {
                    nextDeadlineCheck = now + deadlineCheckNanos;
                    admission.checkDeadlines(sessions, now);
                    logins.checkDeadlines(now);
                }
                saves.tick(now);
                flush();
                if (handled > 0) {
                    publishCounters();
                }
                long end = System.nanoTime();
                if (handled > 0) {
                    stats.busyNanos += end - start;
                    live.busyNanos += end - start;
                }
                live.maybePublish(end, sessions.count(), world, outboxes.packetsOut);
                if (end >= nextStats) {
                    logStats(end);
                }
                long sleep = 0;
                if (fromRing < BATCH) { // else the ring holds more: the next round starts at once
                    long wakeAt = Math.min(Math.min(Math.min(nextDeadlineCheck, nextStats), live.nextPublishNanos()),
                            Math.min(timers.nextDeadlineNanos(), outboxes.nextDueNanos()));
                    sleep = Math.max(0, Math.min(MAX_SLEEP_NANOS, wakeAt - end));
                }
                router.endRound();
                engine.endRound(sleep);
            }
            closeEveryone();
        } catch (Stopping s) {
            // stop() while waiting for room in the request ring: the engine's close ends the rest
        } catch (Throwable t) {
            LOG.log(Level.SEVERE, "game thread failed", t);
            onFatal.accept(t);
        } finally {
            // The engine's I/O runs on this thread (Engine.endRound), so it is closed here too:
            // every session gets its close while the thread that owns the sockets still runs.
            engine.close();
        }
    }

    /**
     * Between two rounds: the NPC kinds reload (their scripts changed). Outside any round's
     * timings; a failure here is a bug of the reload, not of a script (those it logs and keeps
     * the previous version): logged, and the world goes on with whatever kinds it has.
     */
    private void reloadKinds() {
        try {
            kindReload.reload(world);
        } catch (RuntimeException | StackOverflowError e) {
            stats.internalError();
            logFailure("reloading the NPC scripts; the world goes on", e);
        }
    }

    /**
     * The server stops: every session gets a graceful close (what is queued for it is delivered,
     * then FIN); the engine's close then waits, bounded, for those closes to finish.
     */
    private void closeEveryone() {
        for (int i = sessions.count() - 1; i >= 0; i--) {
            ClientSession s = sessions.at(i);
            if (!s.closing) {
                close(s, CloseReason.SERVER_SHUTDOWN, "server shutdown");
            }
        }
        flush();
        router.endRound();
        engine.endRound(0);
    }

    private void onEvent(int type, long handle, long timestamp, ByteBuffer buffer, int offset, int length) {
        long start = System.nanoTime();
        timings.recordDwell(start - timestamp);
        try {
            dispatch(type, handle, buffer, offset, length);
        } catch (Stopping s) {
            throw s;
        } catch (RuntimeException | StackOverflowError e) {
            contain(handle, e);
        } finally {
            outboxes.actor = null;
        }
        timings.recordHandling(System.nanoTime() - start);
    }

    /** One session's event failed: that session goes, the rest of the world goes on. */
    private void contain(long handle, Throwable e) {
        stats.internalError();
        ClientSession s = sessions.find(handle);
        String who = s != null ? s.describe() : "session handle " + handle;
        logFailure("handling an event of " + who + "; that session is closed", e);
        if (s == null) {
            // It failed before the session was in the table (at ACCEPTED): nothing here knows it,
            // so nothing would ever close it. The engine drops the CLOSE if the handle is stale.
            requestCloseOf(handle, CloseReason.INTERNAL_ERROR, "internal error: " + e);
            return;
        }
        if (s.closing) {
            return;
        }
        try {
            close(s, CloseReason.INTERNAL_ERROR, "internal error: " + e);
        } catch (RuntimeException again) {
            // The world could not even take the player out: still end the connection.
            logFailure("closing " + who + " after an internal error", again);
            s.closing = true;
            s.player = null;
            requestClose(s, CloseReason.INTERNAL_ERROR, "internal error: " + e);
        }
    }

    private void onTimer(int handle, int kind, int target) {
        try {
            world.onTimer(handle, kind, target);
        } catch (RuntimeException | StackOverflowError e) {
            stats.internalError();
            logFailure("running NPC timer " + kind + " of NPC index " + target + "; the world goes on", e);
        }
    }

    /** The first time a failure (its class and where it was thrown) happens, its stack trace; after, one line. */
    private void logFailure(String what, Throwable e) {
        StackTraceElement[] trace = e.getStackTrace();
        String key = e.getClass().getName() + (trace.length > 0 ? " at " + trace[0] : "");
        if (failuresLogged.size() < MAX_FAILURES_REMEMBERED && failuresLogged.add(key)) {
            LOG.log(Level.SEVERE, "internal error " + what + " (the stack trace of each distinct failure is "
                    + "logged once)", e);
        } else {
            sessionLog.info(now, "internal error " + what + ": " + key + " (stack trace logged before)");
        }
    }

    private void dispatch(int type, long handle, ByteBuffer buffer, int offset, int length) {
        switch (type) {
            case EVENT_ACCEPTED: {
                ClientSession s = new ClientSession(++connections, handle, text(buffer, offset, length), now,
                        admission.limitsFor(now));
                admission.accepted(s, sessions.add(s));
                break;
            }
            case EVENT_PACKET: {
                ClientSession s = sessions.find(handle);
                if (s != null && !s.closing) {
                    stats.packetsIn++;
                    live.packetsIn++;
                    live.bytesIn += length;
                    s.lastReceiveNanos = now;
                    outboxes.actor = s;
                    admission.onPacket(s, buffer, offset, length, now);
                }
                break;
            }
            case EVENT_CLOSED: {
                ClientSession s = sessions.find(handle);
                if (s != null) {
                    onClosed(s, CloseReason.of(buffer.getInt(offset)), text(buffer, offset + 4, length - 4));
                }
                break;
            }
            case EVENT_POSTED:
                logins.onPosted(buffer, offset, length, now);
                break;
            default:
                LOG.warning("unknown event type " + type + " in the event ring; ignored");
        }
    }

    private void onClosed(ClientSession s, CloseReason reason, String text) {
        stats.closed(reason);
        live.closed(s, reason, text);
        String line = s.describe() + " closed (" + reason.label + "): " + text;
        if (reason.abnormal) {
            sessionLog.info(now, line);
        } else {
            sessionLog.fine(line);
        }
        // Out of the table first: if the world fails to let the player go, the session is still gone.
        sessions.remove(s);
        logins.cancel(s);
        // Packets already produced for it this batch are dropped with it: the socket is gone.
        s.outLength = 0;
        Player p = s.player;
        if (p != null) {
            world.leave(p);
        }
    }

    /**
     * Asks the engine to close {@code s}: gracefully (what was produced for it so far is
     * delivered, then FIN) or, for an abortive reason, at once (CloseReason).
     */
    private void close(ClientSession s, CloseReason reason, String text) {
        if (s.closing) {
            return;
        }
        s.closing = true;
        logins.cancel(s);
        if (s.player != null) {
            world.leave(s.player); // viewers see it go now, not when the socket is gone
        }
        if (s.outLength > 0) {
            if (reason.abortive) {
                s.outLength = 0; // the engine would drop it anyway
            } else {
                sendOutbox(s);
            }
        }
        requestClose(s, reason, text);
    }

    private void requestClose(ClientSession s, CloseReason reason, String text) {
        requestCloseOf(s.handle, reason, text);
    }

    private void requestCloseOf(long handle, CloseReason reason, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        while (!router.ring(handle).writeWithCode(REQUEST_CLOSE, handle, reason.code, bytes)) {
            waitForRequestSpace(handle);
        }
    }

    private void flush() {
        outboxes.flush(now, sendOutbox);
    }

    private void sendOutbox(ClientSession s) {
        ManyToOneRing requests = router.ring(s.handle);
        int max = requests.maxPayload();
        for (int from = 0; from < s.outLength; ) {
            int chunk = Math.min(max, s.outLength - from);
            if (requests.write(REQUEST_SEND, s.handle, s.out, from, chunk)) {
                from += chunk;
            } else {
                waitForRequestSpace(s.handle);
            }
        }
        live.bytesOut += s.outLength;
        s.outLength = 0;
        if (s.out.length > 64 * 1024) {
            s.out = new byte[256]; // a burst (e.g. a teleport into a crowd) should not pin memory
        }
    }

    /**
     * Backpressure: the I/O side is behind; let it take what is in the ring. After stop() this
     * waits at most SHUTDOWN_HANDOFF_NANOS in all, so a stuck engine cannot hold the stop.
     */
    private void waitForRequestSpace(long handle) {
        if (!running) {
            long t = System.nanoTime();
            if (handoffDeadline == 0) {
                handoffDeadline = t + SHUTDOWN_HANDOFF_NANOS;
            } else if (t - handoffDeadline > 0) {
                throw new Stopping();
            }
        }
        router.full(handle);
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
        stats.log(statsStart, end, sessions.count(), world, outboxes.packetsOut - packetsOutAtStats, timers.size(),
                db == null ? null : String.format("db{%s, logins-loading=%d, saves-queued=%d, checkpoints=%d}",
                        db.failing() ? "UNAVAILABLE" : "ok", logins.loading(), db.savesWaiting(), saves.checkpoints));
        packetsOutAtStats = outboxes.packetsOut;
        statsStart = end;
        nextStats = end + statsIntervalNanos;
    }

    private static String text(ByteBuffer b, int offset, int length) {
        byte[] bytes = new byte[length];
        b.get(offset, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
