package gameport.game;

import gameport.store.DbWorker;
import gameport.store.PlayerState;
import gameport.store.SaveSlot;
import java.util.logging.Logger;

/**
 * Write-behind of players, the game thread's side. The world marks a player changed
 * ({@link #changed}: a flag). Checkpoints are a sweep over the player ids that takes exactly one
 * {@code --save-interval-s}: each id comes up once per interval, at a moment set by its place
 * in the id range, and a player changed since its last save has its fields copied into its
 * {@link SaveSlot} ({@link DbWorker#save}) then. So no change waits more than one interval, and
 * 10,000 players cost about one copy a millisecond instead of a burst every interval, which the
 * database worker would turn into a burst of CPU on the cores the game and its players share
 * (tools/dbbench: a burst of 10,000 rows every 10 s moved the move p99 by 250 ms). A player's
 * last state goes when it leaves. No query, no lock, no I/O here. Game thread only.
 */
final class PlayerSaves {
    private static final Logger LOG = Logger.getLogger("gameport.db");
    private static final long WARN_INTERVAL_NANOS = 1_000_000_000L;

    private final DbWorker db;
    private final long intervalNanos;
    /** The world: its players by id, and their positions; bound once, right after both exist. */
    private World world;
    private int idCount;
    /** When the current sweep started, and the next id it looks at. */
    private long sweepStart;
    private int sweepNext;
    /** Older checkpoints replaced by a newer one before the worker took them (the database is behind). */
    private long superseded;
    private long supersededWarned;
    private long nextWarn;
    /** Sweeps completed (the stats line's "checkpoints"). */
    long checkpoints;

    /** @param db null: --db none, nothing is saved */
    PlayerSaves(DbWorker db, int intervalS, long now) {
        this.db = db;
        this.intervalNanos = intervalS * 1_000_000_000L;
        this.sweepStart = now;
    }

    void bind(World world) {
        this.world = world;
        this.idCount = world.maxUsers();
    }

    /** A player entered the world; a new one is saved at its next checkpoint, which creates its row. */
    void joined(Player p, boolean isNew) {
        p.saveSlot = new SaveSlot(p.nameKey);
        p.dirty = isNew;
    }

    /** Position, hp, level or exp of {@code p} changed. */
    void changed(Player p) {
        p.dirty = true;
    }

    /** {@code p} leaves the world: its last state is queued, whether it changed or not (last seen). */
    void left(Player p) {
        if (p.saveSlot == null) {
            return;
        }
        p.dirty = false;
        offer(p, world.stateOf(p), true);
        p.saveSlot = null;
    }

    /** Once a round: the sweep moves on to where it should be by now. */
    void tick(long now) {
        if (db == null) {
            return;
        }
        long elapsed = now - sweepStart;
        int until = elapsed >= intervalNanos ? idCount : (int) (elapsed * idCount / intervalNanos);
        for (; sweepNext < until; sweepNext++) {
            Player p = world.player(sweepNext);
            if (p != null && p.dirty && p.saveSlot != null) {
                p.dirty = false;
                offer(p, world.stateOf(p), false);
            }
        }
        if (elapsed >= intervalNanos) {
            checkpoints++;
            sweepNext = 0;
            // A whole interval per sweep, counted from when this one was due to end; after a stall, from now.
            sweepStart = elapsed >= 2 * intervalNanos ? now : sweepStart + intervalNanos;
        }
        if (superseded > supersededWarned && now - nextWarn >= 0) {
            nextWarn = now + WARN_INTERVAL_NANOS;
            LOG.warning("database behind: " + (superseded - supersededWarned) + " checkpoints dropped since the "
                    + "last line, each replaced by a newer state of the same player before it was written ("
                    + db.savesWaiting() + " players' saves queued; logout saves are never dropped)");
            supersededWarned = superseded;
        }
    }

    private void offer(Player p, PlayerState state, boolean last) {
        if (db.save(p.saveSlot, state, last)) {
            superseded++;
        }
    }
}
