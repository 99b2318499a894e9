package gameport.game;

import java.util.Arrays;

/**
 * The map cut into square sectors, each listing the objects (players and NPCs, by id) in it, so
 * that finding who is within view range looks at a few sectors instead of every object.
 * Positions live in the world's {@code xs}/{@code ys} arrays, indexed by id.
 */
final class SectorGrid {
    private final int sectorSize;
    private final int columns;
    private final int rows;
    private final int[][] members;
    private final int[] counts;
    private final int[] xs;
    private final int[] ys;
    /** Per id: its sector, or -1 when not on the map (dead NPC, logged-out player). */
    private final int[] sectorOf;
    /** Per id: its index in that sector's member list (for O(1) swap-remove). */
    private final int[] slotOf;

    SectorGrid(int width, int height, int viewRange, int[] xs, int[] ys) {
        // With sectors at least 2R+1 wide a view window touches at most 2x2 of them.
        this.sectorSize = Math.max(16, 2 * viewRange + 1);
        this.columns = (width + sectorSize - 1) / sectorSize;
        this.rows = (height + sectorSize - 1) / sectorSize;
        this.members = new int[columns * rows][];
        this.counts = new int[columns * rows];
        this.xs = xs;
        this.ys = ys;
        this.sectorOf = new int[xs.length];
        this.slotOf = new int[xs.length];
        Arrays.fill(sectorOf, -1);
    }

    private int sectorAt(int x, int y) {
        return (y / sectorSize) * columns + x / sectorSize;
    }

    boolean contains(int id) {
        return sectorOf[id] >= 0;
    }

    /** Files {@code id} under its current position. */
    void add(int id) {
        int s = sectorAt(xs[id], ys[id]);
        int[] list = members[s];
        if (list == null) {
            list = members[s] = new int[8];
        } else if (counts[s] == list.length) {
            list = members[s] = Arrays.copyOf(list, list.length * 2);
        }
        sectorOf[id] = s;
        slotOf[id] = counts[s];
        list[counts[s]++] = id;
    }

    /** Swap-remove: the sector's last member takes the leaver's place. */
    void remove(int id) {
        int s = sectorOf[id];
        int[] list = members[s];
        int last = --counts[s];
        int moved = list[last];
        list[slotOf[id]] = moved;
        slotOf[moved] = slotOf[id];
        sectorOf[id] = -1;
    }

    /** Re-files {@code id} after its position changed; cheap when it stays in its sector. */
    void update(int id) {
        if (sectorAt(xs[id], ys[id]) != sectorOf[id]) {
            remove(id);
            add(id);
        }
    }

    /**
     * Collects into {@code out} the ids below {@code idLimit}, other than {@code self}, within
     * {@code range} of (x, y) in x and in y, and returns how many.
     */
    int collect(int x, int y, int range, int self, int idLimit, IdList out) {
        out.clear();
        int x0 = Math.max(0, x - range) / sectorSize;
        int x1 = Math.min(columns - 1, (x + range) / sectorSize);
        int y0 = Math.max(0, y - range) / sectorSize;
        int y1 = Math.min(rows - 1, (y + range) / sectorSize);
        for (int sy = y0; sy <= y1; sy++) {
            for (int sx = x0; sx <= x1; sx++) {
                int s = sy * columns + sx;
                int[] list = members[s];
                for (int i = 0, n = counts[s]; i < n; i++) {
                    int id = list[i];
                    if (id != self && id < idLimit && Math.abs(xs[id] - x) <= range && Math.abs(ys[id] - y) <= range) {
                        out.add(id);
                    }
                }
            }
        }
        return out.size();
    }
}
