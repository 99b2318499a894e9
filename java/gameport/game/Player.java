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
    /** Its saves, with a database (PlayerSaves); null with --db none. */
    gameport.store.SaveSlot saveSlot;
    /** Changed since its last checkpoint (PlayerSaves). */
    boolean dirty;

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

    /** Takes a stored player's stats; out-of-range values (an edited row) are brought into range. */
    void restore(int storedHp, int storedLevel, long storedExp) {
        level = Math.max(1, Math.min(10_000, storedLevel));
        exp = (int) Math.max(0, Math.min(Integer.MAX_VALUE, storedExp));
        maxHp = BASE_HP + 20 * (level - 1);
        hp = storedHp > 0 && storedHp <= maxHp ? storedHp : maxHp;
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
