package gameport.game;

/**
 * What a brain ({@link NpcBrain}) may ask of the world about and for one NPC: the rules (walls,
 * map edges, reach) are the world's, checked here, never the caller's. Objects are named by id;
 * a query about an id that is not a live object answers -1. Game thread only.
 */
public interface NpcActions {
    int x(int id);

    int y(int id);

    /** The hp of a live NPC or an online player, or -1. */
    int hp(int id);

    NpcKind kindOf(int npc);

    /** An online player's name, or null. */
    String playerName(int player);

    /** The nearest player within {@code range} tiles in x and in y (Manhattan distance decides), or -1. */
    int nearestPlayer(int npc, int range);

    /** Writes into {@code into} the players within {@code range} tiles; returns how many (at most into.length). */
    int playersNear(int npc, int range, int[] into);

    /** One step to a neighbouring tile (Protocol DIR_*); false if a wall or the map's edge is there. */
    boolean step(int npc, int direction);

    /** Hits {@code player} for the kind's damage if it stands on the NPC's tile or next to it. */
    boolean attack(int npc, int player);

    /** SC_CHAT from the NPC to every player who sees it (text is cut to 300 bytes of UTF-8). */
    void say(int npc, String text);

    /**
     * Its next act comes in {@code millis} (at least one timer tick, at most a day) instead of one
     * act period: from its own act, the act after it; from an event, the act already due moves.
     */
    void actIn(int npc, long millis);

    /** Puts the NPC to sleep now (its behaviour failed); it wakes as sleeping NPCs do. */
    void sleep(int npc);

    /** A number in [0, bound) from the world's random stream (the one spawns and teleports use). */
    int random(int bound);
}
