package gameport.game;

/**
 * What awake NPCs do. The world keeps their bookkeeping (sleep while nobody watches, act timers,
 * hp, death, respawn, who sees what); a brain decides, through {@link NpcActions}, what an awake
 * NPC does when its act timer fires and how it answers events. A sleeping NPC never reaches its
 * brain. NPCs are named by their object id (as on the wire). Game thread only.
 */
public interface NpcBrain {
    /** An awake NPC that a player watches acts; its next act is one period later unless it set another. */
    void act(int npc);

    /** It woke up: the first player came to see it. */
    default void woke(int npc) {
    }

    /** {@code player} came to see it (also the one that woke it). */
    default void playerEnters(int npc, int player) {
    }

    /** Whether {@link #playerMoved} is wanted at all (it is called for every NPC in a mover's view). */
    default boolean wantsPlayerMoves() {
        return false;
    }

    /** {@code player}, who sees this awake NPC, moved (or was placed) to a new tile. */
    default void playerMoved(int npc, int player) {
    }

    /** {@code player} hit it for {@code damage} and it lives on. */
    default void hit(int npc, int player, int damage) {
    }

    /** {@code killer} killed it; it respawns at home later. */
    default void died(int npc, int killer) {
    }

    /** It went to sleep (nobody watches) or died: whatever the brain kept about it may go. */
    default void forget(int npc) {
    }
}
