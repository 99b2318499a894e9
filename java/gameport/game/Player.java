package gameport.game;

/** A logged-in player; owned by the game thread. */
final class Player {
    final int id;
    final String name;
    /** The name as it goes on the wire: 20 bytes, NUL-padded. */
    final byte[] wireName;
    final ClientSession session;
    final IntHashSet view = new IntHashSet();
    int x;
    int y;
    int hp = 100;
    int maxHp = 100;
    int exp;
    int level = 1;
    int sector = -1;
    int sectorSlot;

    Player(int id, String name, byte[] wireName, ClientSession session) {
        this.id = id;
        this.name = name;
        this.wireName = wireName;
        this.session = session;
    }
}
