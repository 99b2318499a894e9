package gameport.store;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The save queue's entry for one player's stay in the world (one login): holds the newest state
 * the game copied for it that the database worker has not taken yet.
 *
 * <p>Contract (game thread = the only writer of states, worker = the only taker):
 * <ul>
 *   <li>{@link #offer}: the game's newest state replaces one the worker has not taken yet, so a
 *       player has at most one state waiting, however long the database is away: the queue is
 *       bounded by the players, and what is dropped is an older checkpoint of a player that has a
 *       newer one. The game enqueues the slot only when it was empty, so the slot sits in the
 *       worker's queue at most once per state taken.</li>
 *   <li>The last state of a stay ({@code last}, on logout or disconnect) is never replaced: no
 *       state comes after it for this slot; a later login of the same name gets a new slot,
 *       queued behind this one, so the worker writes them in the order the game made them.</li>
 *   <li>Ordering: {@code getAndSet} on one AtomicReference is a full fence both ways, so the
 *       taker sees the state complete (it is immutable, too) and the {@code last} flag written
 *       before it.</li>
 * </ul>
 */
public final class SaveSlot {
    final String nameKey;
    private final AtomicReference<PlayerState> waiting = new AtomicReference<>();
    /** Set by the game before it offers the last state; read by the worker after taking one. */
    private volatile boolean last;
    /** Worker only: the state it took most recently (written, or being written). */
    PlayerState taken;

    public SaveSlot(String nameKey) {
        this.nameKey = nameKey;
    }

    /**
     * Game thread: {@code state} is now the one to write.
     *
     * @return the state it replaced (dropped: a newer one supersedes it), or null if the slot was
     *         empty and must be queued for the worker
     */
    PlayerState offer(PlayerState state, boolean lastOfStay) {
        if (lastOfStay) {
            last = true;
        }
        return waiting.getAndSet(state);
    }

    /** Worker: takes the waiting state (null if none). */
    PlayerState take() {
        PlayerState s = waiting.getAndSet(null);
        if (s != null) {
            taken = s;
        }
        return s;
    }

    /**
     * Worker, after a failed write of {@code s}: puts it back unless the game offered a newer
     * one meanwhile (which then counts as what replaced it).
     *
     * @return false if a newer state replaced it
     */
    boolean putBack(PlayerState s) {
        return waiting.compareAndSet(null, s);
    }

    /** Worker: the newest state of this stay the worker knows of, waiting or taken. */
    PlayerState newest() {
        PlayerState s = waiting.get();
        return s != null ? s : taken;
    }

    /** Worker: the stay is over and its last state was written: nothing more will come. */
    boolean finished() {
        return last && waiting.get() == null;
    }
}
