package gameport.game;

import java.nio.charset.StandardCharsets;

/**
 * What a kind of NPC is: its {@code visual} (the SC_ADD_OBJECT visual, also its index in the
 * kind table), the name its NPCs carry ("Orc 200123"), its stats, its share of the spawns and how
 * far it looks for a player to chase (0: it never chases). {@code respawnMs} 0 takes the world's
 * --npc-respawn-ms.
 */
public record NpcKind(int visual, String name, int maxHp, int damage, int exp, int weight, int chaseRange,
                      long respawnMs) {
    public static final NpcKind SLIME = new NpcKind(1, "Slime", 30, 0, 10, 6, 0, 0);
    public static final NpcKind ORC = new NpcKind(2, "Orc", 60, 5, 25, 3, 5, 0);
    public static final NpcKind TROLL = new NpcKind(3, "Troll", 120, 12, 60, 1, 5, 0);

    /** Today's hard-coded kinds, by visual (index 0 unused). */
    public static NpcKind[] builtIn() {
        return new NpcKind[] {null, SLIME, ORC, TROLL};
    }

    /** The name's bytes and a space, the prefix of each NPC's wire name (at most 13 bytes: ids take up to 7). */
    byte[] namePrefix() {
        byte[] name = (this.name + " ").getBytes(StandardCharsets.UTF_8);
        return name.length <= 13 ? name : java.util.Arrays.copyOf(name, 13);
    }
}
