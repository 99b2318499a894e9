package gameport.game;

import java.util.SplittableRandom;

/**
 * Every NPC's state in primitive arrays indexed by {@code id - firstId}: no object per NPC, so
 * 200,000 of them cost a few megabytes and nothing at all while they sleep. Positions live in
 * the world's shared {@code xs}/{@code ys} arrays.
 */
final class Npcs {
    static final byte SLEEPING = 0;
    static final byte AWAKE = 1;
    static final byte DEAD = 2;

    /** The kinds by visual (index 0 unused): stats, names, spawn weights. */
    final NpcKind[] kinds;
    private final byte[][] namePrefixes;

    final int firstId;
    final int count;
    /**
     * The NPC's kind (visual, 1..255) as an unsigned byte: read it with {@link #visual}, never as
     * a signed index (a visual of 128 and up would be negative).
     */
    final byte[] kind;
    final byte[] state;
    final int[] hp;
    final int[] homeX;
    final int[] homeY;
    /** Players that have this NPC in view; it sleeps while this is 0. */
    final int[] watchers;
    /** Its pending act or respawn timer (TimerWheel handle) or TimerWheel.NONE. */
    final int[] timer;

    Npcs(int firstId, int count, NpcKind[] kinds) {
        this.kinds = kinds;
        this.namePrefixes = new byte[kinds.length][];
        for (int k = 1; k < kinds.length; k++) {
            namePrefixes[k] = kinds[k] == null ? new byte[0] : kinds[k].namePrefix();
        }
        this.firstId = firstId;
        this.count = count;
        this.kind = new byte[count];
        this.state = new byte[count];
        this.hp = new int[count];
        this.homeX = new int[count];
        this.homeY = new int[count];
        this.watchers = new int[count];
        this.timer = new int[count];
        java.util.Arrays.fill(timer, TimerWheel.NONE);
    }

    /**
     * Places every NPC on a random free tile (its home) with a kind from {@code kinds} (visuals),
     * weighted by each kind's spawn weight (6:3:1 for slimes, orcs and trolls).
     */
    void populate(GameMap map, SplittableRandom random, int[] xs, int[] ys, int[] kinds) {
        int[] weights = new int[kinds.length];
        int total = 0;
        for (int k = 0; k < kinds.length; k++) {
            total += this.kinds[kinds[k]].weight();
            weights[k] = total;
        }
        for (int i = 0; i < count; i++) {
            int tile = map.randomFreeTile(random);
            int x = GameMap.tileX(tile);
            int y = GameMap.tileY(tile);
            xs[firstId + i] = homeX[i] = x;
            ys[firstId + i] = homeY[i] = y;
            int roll = random.nextInt(total);
            int k = 0;
            while (roll >= weights[k]) {
                k++;
            }
            kind[i] = (byte) kinds[k];
            hp[i] = maxHp(i);
        }
    }

    /** A reloaded kind's stats and name for every NPC of its visual (World.replaceKind). */
    void replaceKind(NpcKind k) {
        kinds[k.visual()] = k;
        namePrefixes[k.visual()] = k.namePrefix();
    }

    boolean isNpc(int id) {
        return id >= firstId && id < firstId + count;
    }

    /** The NPC's visual, which is also its index in {@link #kinds}. */
    int visual(int i) {
        return kind[i] & 0xFF;
    }

    NpcKind kindOf(int i) {
        return kinds[visual(i)];
    }

    int maxHp(int i) {
        return kinds[visual(i)].maxHp();
    }

    int damage(int i) {
        return kinds[visual(i)].damage();
    }

    int exp(int i) {
        return kinds[visual(i)].exp();
    }

    /** The NPC's name as it goes on the wire, e.g. "Orc 200123", NUL-padded to 20 bytes; no allocation. */
    void writeName(int i, byte[] into, int at) {
        byte[] prefix = namePrefixes[visual(i)];
        System.arraycopy(prefix, 0, into, at, prefix.length);
        int end = at + prefix.length;
        int id = firstId + i;
        int digits = 1;
        for (int v = id; v >= 10; v /= 10) {
            digits++;
        }
        for (int d = end + digits - 1, v = id; d >= end; d--, v /= 10) {
            into[d] = (byte) ('0' + v % 10);
        }
        java.util.Arrays.fill(into, end + digits, at + 20, (byte) 0);
    }
}
