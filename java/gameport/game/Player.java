package gameport.game;

/** A logged-in player; owned by the game thread. Its position is in the world's xs/ys arrays. */
final class Player {
    static final int BASE_HP = 100;

    final int id;
    /** The name as the player typed it (NFC). */
    final String name;
    /** Its uniqueness key in the {@link Roster} (NamePolicy.key). */
    final String nameKey;
    /** The name as it goes on the wire: 20 bytes, NUL-padded. */
    final byte[] wireName;
    final ClientSession session;
    /** Ids (players and NPCs) this player sees; for players the relation is kept symmetric. */
    final IntHashSet view = new IntHashSet();
    int hp = BASE_HP;
    int maxHp = BASE_HP;
    int exp;
    int level = 1;

    Player(int id, String name, String nameKey, byte[] wireName, ClientSession session) {
        this.id = id;
        this.name = name;
        this.nameKey = nameKey;
        this.wireName = wireName;
        this.session = session;
    }

    /** Total exp a player needs to be at {@code level}: 0, 100, 300, 600, ... = 50 L (L-1). */
    static long expForLevel(int level) {
        return 50L * level * (level - 1);
    }

    /** Damage of one of this player's attacks. */
    int attackDamage() {
        return 10 + 5 * (level - 1);
    }

    /** Applies gained exp; returns true if the level went up (hp refilled, max hp +20 per level). */
    boolean gainExp(int amount) {
        exp += amount;
        boolean up = false;
        while (exp >= expForLevel(level + 1)) {
            level++;
            up = true;
        }
        if (up) {
            maxHp = BASE_HP + 20 * (level - 1);
            hp = maxHp;
        }
        return up;
    }
}
