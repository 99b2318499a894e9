package gameport.game;

/**
 * The world's NPC kinds as a reload may change them ({@link KindReload}). Game thread only.
 */
public interface KindTable {
    /**
     * Gives the kind of {@code kind.visual()} new stats. What is read when it is used changes for
     * every NPC of that kind at once: damage, exp, chase range, the respawn delay of the next death,
     * and the name of NPCs that come into view from now on (a viewer keeps the name it was sent).
     * An NPC's hp above a lowered max hp is cut to it; a raised max hp shows at the next respawn,
     * so a reload never heals a fight in progress. The spawn weight only mixed the spawns at the
     * start. The visual must be one the world has.
     */
    void replaceKind(NpcKind kind);
}
