package gameport.store;

import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The database thread: the course's "DB thread that posts results back through the completion
 * port". The game thread never waits on it.
 *
 * <p>Threads and ownership:
 * <ul>
 *   <li>The game thread calls {@link #load} and {@link #save}: each is a CAS on a lock-free
 *       queue (ConcurrentLinkedQueue); a load also unparks the worker if it announced a sleep. No
 *       query, no lock, no I/O.</li>
 *   <li>The worker thread ({@code gameport-db}) owns the {@link PlayerStore}, its queue of saves
 *       and the map of the newest state per name. It answers loads first (a login waits on them),
 *       then writes saves in batches of up to {@link #SAVE_BATCH}, each batch one transaction,
 *       looking for saves every {@link #SAVE_DELAY_NANOS}.</li>
 *   <li>Answers go back as EVENT_POSTED records through {@link Poster} (Engine.post), which wakes
 *       the game thread: the login completes there, in a round like any packet.</li>
 *   <li>{@link #close} (the thread that stops the server, after the game thread ended): lets the
 *       worker write what is queued, waits for it up to a bound, then closes the pool.</li>
 * </ul>
 *
 * <p>Order: a player's saves are written in the order the game made them. The queue is FIFO; a
 * failed batch goes back to its head and is retried before anything behind it; a new login's
 * slot is queued behind the previous stay's last state. A load of a name whose last state is
 * still queued is answered from that state, not from the table (which is behind).
 */
public final class DbWorker implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("gameport.db");
    static final int SAVE_BATCH = 256;
    /** Backoff between attempts while the database fails. */
    private static final long MIN_BACKOFF_NANOS = 100_000_000L;
    private static final long MAX_BACKOFF_NANOS = 2_000_000_000L;
    /** How long an answer may wait for room in the events ring before it is dropped (the login timed out by then). */
    private static final long POST_PATIENCE_NANOS = 5_000_000_000L;
    private static final long FAILURE_LOG_INTERVAL_NANOS = 1_000_000_000L;
    /** Saves do not wake the worker: it looks this often (a load wakes it at once). */
    private static final long SAVE_DELAY_NANOS = 100_000_000L;

    /** Where answers go: Engine.post. */
    public interface Poster {
        /** @return false if there is no room now; the worker tries again */
        boolean post(long session, byte[] payload, int offset, int length);
    }

    private record LoadRequest(long requestId, long session, String nameKey) {
    }

    private final PlayerStore store;
    private final Poster poster;
    /** Tests only: runs before every database call, on the worker (a test blocks it to stall the database). */
    private final Runnable beforeDatabaseCall;
    private final ConcurrentLinkedQueue<LoadRequest> loadHandoff = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<SaveSlot> saveHandoff = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final Thread thread;
    private volatile boolean stopping;
    private volatile boolean posting = true;

    // Worker only.
    private final ArrayDeque<LoadRequest> loads = new ArrayDeque<>();
    private final ArrayDeque<SaveSlot> saves = new ArrayDeque<>();
    /** The newest slot of each name whose states are not all written: loads are answered from it. */
    private final Map<String, SaveSlot> newestSlot = new HashMap<>();
    /** Names whose row exists (loaded, or written by this worker): their saves are plain UPDATEs. */
    private static final int MAX_STORED_NAMES = 1_000_000;
    private final Set<String> stored = new HashSet<>();
    private long backoffNanos;
    /** Saves that trickle in are written together this long after the previous write. */
    private long nextSaveWrite;
    private long nextFailureLog;
    private long failuresSinceLog;

    /** States accepted by save() and not written: +1 by the game per state queued, -1 by the worker per state written or replaced. */
    private final AtomicInteger unwritten = new AtomicInteger();
    // Written by the worker, read by any thread (stats, the shutdown report).
    private volatile long statesWritten;
    private volatile boolean failing;

    public DbWorker(PlayerStore store, Poster poster, Runnable beforeDatabaseCall) {
        this.store = store;
        this.poster = poster;
        this.beforeDatabaseCall = beforeDatabaseCall;
        this.thread = new Thread(this::run, "gameport-db");
        thread.setDaemon(true); // close() ends it; a stuck JDBC call must not hold the JVM
        thread.start();
    }

    /** Game thread: load {@code nameKey}; the answer comes back as a {@link LoginResult} for {@code session}. */
    public void load(long requestId, long session, String nameKey) {
        loadHandoff.add(new LoadRequest(requestId, session, nameKey));
        wake();
    }

    /**
     * Game thread: {@code state} is the newest of {@code slot}'s player ({@code last}: the stay
     * ends with it).
     *
     * @return true if it replaced a state not written yet (an older checkpoint, now dropped)
     */
    public boolean save(SaveSlot slot, PlayerState state, boolean last) {
        if (slot.offer(state, last) != null) {
            return true;
        }
        unwritten.incrementAndGet();
        // No wake-up: the worker looks every SAVE_DELAY_NANOS, which batches a trickle of
        // checkpoints into few transactions and spares the game thread an unpark per save.
        saveHandoff.add(slot);
        return false;
    }

    /** Player states queued and not written yet (at most one waiting per player stay, plus one being written). */
    public int savesWaiting() {
        return unwritten.get();
    }

    /** True while the database fails the worker's calls. */
    public boolean failing() {
        return failing;
    }

    public long statesWritten() {
        return statesWritten;
    }

    /**
     * The handshake with {@link #sleepUntilWoken}: the worker sets {@code sleeping}, looks at the
     * queue once more, then parks; a producer adds first, then reads the flag (both are full
     * fences: the queue's CAS and the flag's CAS), so either the worker sees the entry or the
     * producer sees the flag and unparks it.
     */
    private void wake() {
        if (sleeping.get() && sleeping.compareAndSet(true, false)) {
            LockSupport.unpark(thread);
        }
    }

    private void sleepUntilWoken(long maxNanos) {
        sleeping.set(true);
        if (loadHandoff.isEmpty() && !stopping) {
            LockSupport.parkNanos(this, maxNanos);
        }
        sleeping.set(false);
    }

    private void run() {
        try {
            while (true) {
                drainHandoff();
                if (stopping && saves.isEmpty()) {
                    loads.clear(); // the game is gone: nobody waits for an answer
                    return;
                }
                if (backoffNanos > 0) {
                    LockSupport.parkNanos(this, backoffNanos);
                    drainHandoff();
                }
                long now = System.nanoTime();
                if (!loads.isEmpty()) {
                    answerLoads();
                } else if (!saves.isEmpty() && (stopping || saves.size() >= SAVE_BATCH || now - nextSaveWrite >= 0)) {
                    writeSaves();
                    nextSaveWrite = now + SAVE_DELAY_NANOS;
                } else {
                    sleepUntilWoken(saves.isEmpty() ? SAVE_DELAY_NANOS : Math.max(1, nextSaveWrite - now));
                }
            }
        } catch (Throwable t) {
            LOG.log(Level.SEVERE, "the database worker failed; players are no longer loaded or saved", t);
            failing = true;
        }
    }

    /**
     * Loads first, then saves: a load must find every save the game queued before it. The game
     * thread queued that save before the load, so once this thread has taken the load, a later
     * look at the save queue finds the save (the queues' CASes order them); the other way round
     * the save could arrive between the two looks and the load would read the table, behind.
     */
    private void drainHandoff() {
        for (LoadRequest r; (r = loadHandoff.poll()) != null; ) {
            loads.add(r);
        }
        for (SaveSlot s; (s = saveHandoff.poll()) != null; ) {
            saves.add(s);
            newestSlot.put(s.nameKey, s);
        }
    }

    private void answerLoads() {
        List<LoadRequest> batch = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        while (!loads.isEmpty() && keys.size() < PlayerStore.LOAD_BATCH) {
            LoadRequest r = loads.poll();
            SaveSlot queued = newestSlot.get(r.nameKey);
            PlayerState known = queued != null ? queued.newest() : null;
            if (known != null) {
                answer(r, LoginResult.FOUND, known); // newer than the table: its save is still queued
            } else {
                batch.add(r);
                keys.add(r.nameKey);
            }
        }
        if (batch.isEmpty()) {
            return;
        }
        Map<String, PlayerState> found;
        try {
            beforeDatabaseCall();
            found = store.load(keys);
            succeeded();
        } catch (SQLException | RuntimeException e) {
            failed("loading " + keys.size() + " players", e);
            for (LoadRequest r : batch) {
                answer(r, LoginResult.UNAVAILABLE, null);
            }
            return;
        }
        stored.addAll(found.keySet());
        for (LoadRequest r : batch) {
            PlayerState p = found.get(r.nameKey);
            answer(r, p != null ? LoginResult.FOUND : LoginResult.NEW, p);
        }
    }

    private void writeSaves() {
        List<SaveSlot> slots = new ArrayList<>();
        List<PlayerState> states = new ArrayList<>();
        while (!saves.isEmpty() && states.size() < SAVE_BATCH) {
            SaveSlot s = saves.poll();
            PlayerState p = s.take();
            if (p != null) { // null: queued twice after a put-back, the first took it
                slots.add(s);
                states.add(p);
            }
        }
        try {
            beforeDatabaseCall();
            store.save(states, stored);
            succeeded();
        } catch (SQLException | RuntimeException e) {
            failed("saving " + states.size() + " players", e);
            for (int i = slots.size() - 1; i >= 0; i--) {
                if (slots.get(i).putBack(states.get(i))) {
                    saves.addFirst(slots.get(i));
                } else {
                    unwritten.decrementAndGet(); // the newer state that replaced it is queued and counted
                }
            }
            return;
        }
        if (stored.size() > MAX_STORED_NAMES) {
            stored.clear(); // only an optimisation: the next save of each name is an upsert again
        }
        statesWritten += states.size();
        unwritten.addAndGet(-states.size());
        for (SaveSlot s : slots) {
            if (s.finished()) {
                newestSlot.remove(s.nameKey, s);
            }
        }
    }

    private void beforeDatabaseCall() {
        if (beforeDatabaseCall != null) {
            beforeDatabaseCall.run();
        }
    }

    private void answer(LoadRequest r, int status, PlayerState p) {
        byte[] payload = LoginResult.encode(r.requestId, status, p);
        long giveUp = System.nanoTime() + POST_PATIENCE_NANOS;
        while (posting && !poster.post(r.session, payload, 0, payload.length)) {
            if (System.nanoTime() - giveUp > 0) {
                LOG.warning("the events ring stayed full for " + POST_PATIENCE_NANOS / 1_000_000
                        + " ms; the answer to a login of '" + r.nameKey + "' is dropped (its login times out)");
                return;
            }
            LockSupport.parkNanos(1_000_000L);
        }
    }

    private void succeeded() {
        if (failing) {
            LOG.warning("database available again; " + saves.size() + " players' saves queued, writing them now");
        }
        failing = false;
        backoffNanos = 0;
        failuresSinceLog = 0;
    }

    /** Loud, but at most one line a second: a database that is down fails every call. */
    private void failed(String what, Exception e) {
        failing = true;
        backoffNanos = backoffNanos == 0 ? MIN_BACKOFF_NANOS : Math.min(MAX_BACKOFF_NANOS, backoffNanos * 2);
        failuresSinceLog++;
        long now = System.nanoTime();
        if (now - nextFailureLog >= 0) {
            nextFailureLog = now + FAILURE_LOG_INTERVAL_NANOS;
            LOG.warning("database unavailable: " + what + " failed: " + PlayerStore.rootMessage(e)
                    + " (" + failuresSinceLog + " failed calls since the last line; " + saves.size()
                    + " players' saves queued in memory; retrying in " + backoffNanos / 1_000_000 + " ms)");
            failuresSinceLog = 0;
        }
    }

    /**
     * After the game thread ended: writes every queued save, waiting up to {@code timeoutMillis}
     * for it; what the database did not take by then is reported as lost. Then closes the pool.
     */
    @Override
    public void close() {
        close(SHUTDOWN_SAVE_MILLIS);
    }

    /** What the last close did with the last saves, for the shutdown's last line; null before close. */
    public String closeReport() {
        return closeReport;
    }

    private volatile String closeReport;

    /** SIGTERM's bound on the final saves (README, "Persistence"). */
    public static final long SHUTDOWN_SAVE_MILLIS = 10_000;

    public void close(long timeoutMillis) {
        posting = false;
        stopping = true;
        LockSupport.unpark(thread);
        long start = System.nanoTime();
        try {
            thread.join(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (thread.isAlive()) {
            closeReport = "the database did not take the last saves within " + timeoutMillis + " ms: the changes of "
                    + unwritten.get() + " players since their last checkpoint are LOST";
            LOG.severe(closeReport);
            thread.interrupt();
        } else {
            closeReport = "all players saved (" + statesWritten + " states written since start; the last ones took "
                    + ms + " ms)";
            LOG.info(closeReport);
        }
        store.close();
    }
}
