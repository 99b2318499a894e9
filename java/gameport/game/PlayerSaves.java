package gameport.game;

import gameport.store.DbWorker;
import gameport.store.PlayerState;
import gameport.store.SaveSlot;
import java.util.ArrayList;
import java.util.logging.Logger;

/**
 * Write-behind of players, the game thread's side: the world marks a player changed
 * ({@link #changed}, a flag and a list); every {@code --save-interval-s} a checkpoint copies the
 * changed players' fields into their {@link SaveSlot} ({@link DbWorker#save}), a slice per round
 * so that 10,000 players do not hold one round; a player's last state goes when it leaves.
 * No query, no lock, no I/O here: the database worker does the writing. Game thread only.
 */
final class PlayerSaves {
    private static final Logger LOG = Logger.getLogger("gameport.db");
    /** Players copied per round during a checkpoint: about 0.1 ms of copying. */
    private static final int CHECKPOINT_SLICE = 1000;
    private static final long WARN_INTERVAL_NANOS = 1_000_000_000L;

    private final DbWorker db;
    private final long intervalNanos;
    /** The world, which knows positions; bound once, right after both exist. */
    private World snapshots;
    private ArrayList<Player> changed = new ArrayList<>();
    /** The checkpoint under way: players changed before it started; null when none runs. */
    private ArrayList<Player> checkpoint;
    private int checkpointNext;
    private long nextCheckpoint;
    /** Older checkpoints replaced by a newer one before the worker took them (the database is behind). */
    private long superseded;
    private long supersededWarned;
    private long nextWarn;
    long checkpoints;

    /** @param db null: --db none, nothing is saved */
    PlayerSaves(DbWorker db, int intervalS, long now) {
        this.db = db;
        this.intervalNanos = intervalS * 1_000_000_000L;
        this.nextCheckpoint = now + intervalNanos;
    }

    void bind(World world) {
        this.snapshots = world;
    }

    /** A player entered the world; a new one is saved at the next checkpoint, which creates its row. */
    void joined(Player p, boolean isNew) {
        p.saveSlot = new SaveSlot(p.nameKey);
        if (isNew) {
            changed(p);
        }
    }

    /** Position, hp, level or exp of {@code p} changed. */
    void changed(Player p) {
        if (!p.dirty && p.saveSlot != null) {
            p.dirty = true;
            changed.add(p);
        }
    }

    /** {@code p} leaves the world: its last state is queued, whether it changed or not (last seen). */
    void left(Player p) {
        if (p.saveSlot == null) {
            return;
        }
        p.dirty = false; // a checkpoint still holding it skips it
        offer(p, snapshots.stateOf(p), true);
        p.saveSlot = null;
    }

    /** Once a round: starts a checkpoint when one is due, and copies one slice of it. */
    void tick(long now) {
        if (db == null) {
            return;
        }
        if (checkpoint == null && now - nextCheckpoint >= 0) {
            checkpoint = changed;
            changed = new ArrayList<>();
            checkpointNext = 0;
            nextCheckpoint = now + intervalNanos;
            checkpoints++;
        }
        if (checkpoint != null) {
            int end = Math.min(checkpoint.size(), checkpointNext + CHECKPOINT_SLICE);
            for (int i = checkpointNext; i < end; i++) {
                Player p = checkpoint.get(i);
                if (p.dirty) {
                    p.dirty = false;
                    offer(p, snapshots.stateOf(p), false);
                }
            }
            checkpointNext = end;
            if (end == checkpoint.size()) {
                checkpoint = null;
            }
        }
        if (superseded > supersededWarned && now - nextWarn >= 0) {
            nextWarn = now + WARN_INTERVAL_NANOS;
            LOG.warning("database behind: " + (superseded - supersededWarned) + " checkpoints dropped since the "
                    + "last line, each replaced by a newer state of the same player before it was written ("
                    + db.savesWaiting() + " players' saves queued; logout saves are never dropped)");
            supersededWarned = superseded;
        }
    }

    /** True while a checkpoint is being copied: the loop runs the next slice at once. */
    boolean busy() {
        return checkpoint != null;
    }

    long nextDueNanos() {
        return db == null ? Long.MAX_VALUE : nextCheckpoint;
    }

    private void offer(Player p, PlayerState state, boolean last) {
        if (db.save(p.saveSlot, state, last)) {
            superseded++;
        }
    }
}
