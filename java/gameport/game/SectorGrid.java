package gameport.game;

/**
 * The map cut into square sectors, each listing the players in it, so that finding who is within
 * view range looks at a few sectors instead of every player.
 */
final class SectorGrid {
    private final int sectorSize;
    private final int columns;
    private final int[][] members;
    private final int[] counts;

    SectorGrid(int width, int height, int viewRange) {
        // With sectors at least 2R+1 wide a view window touches at most 2x2 of them.
        this.sectorSize = Math.max(16, 2 * viewRange + 1);
        this.columns = (width + sectorSize - 1) / sectorSize;
        int rows = (height + sectorSize - 1) / sectorSize;
        this.members = new int[columns * rows][];
        this.counts = new int[columns * rows];
    }

    int sectorOf(int x, int y) {
        return (y / sectorSize) * columns + x / sectorSize;
    }

    /** Adds the player and records its place in {@code p.sector / p.sectorSlot}. */
    void add(Player p) {
        int s = sectorOf(p.x, p.y);
        int[] list = members[s];
        if (list == null) {
            list = members[s] = new int[8];
        } else if (counts[s] == list.length) {
            list = members[s] = java.util.Arrays.copyOf(list, list.length * 2);
        }
        p.sector = s;
        p.sectorSlot = counts[s];
        list[counts[s]++] = p.id;
    }

    /** Swap-remove: the last member takes the leaver's place. */
    void remove(Player p, Player[] players) {
        int s = p.sector;
        int[] list = members[s];
        int last = --counts[s];
        int movedId = list[last];
        list[p.sectorSlot] = movedId;
        players[movedId].sectorSlot = p.sectorSlot;
        p.sector = -1;
    }

    /** Re-files a player after its position changed; cheap when it stays in its sector. */
    void update(Player p, Player[] players) {
        if (sectorOf(p.x, p.y) != p.sector) {
            remove(p, players);
            add(p);
        }
    }

    /**
     * Collects into {@code out} the ids of players other than {@code self} within {@code range}
     * of (x, y) and returns how many; {@code out} must hold them (callers size it by count).
     */
    int collect(int x, int y, int range, int self, Player[] players, IdList out) {
        out.clear();
        int x0 = Math.max(0, x - range) / sectorSize;
        int x1 = Math.min(columns * sectorSize - 1, x + range) / sectorSize;
        int y0 = Math.max(0, y - range) / sectorSize;
        int y1 = Math.min(members.length / columns * sectorSize - 1, y + range) / sectorSize;
        for (int sy = y0; sy <= y1; sy++) {
            for (int sx = x0; sx <= x1; sx++) {
                int s = sy * columns + sx;
                int[] list = members[s];
                for (int i = 0, n = counts[s]; i < n; i++) {
                    int id = list[i];
                    if (id == self) {
                        continue;
                    }
                    Player q = players[id];
                    if (Math.abs(q.x - x) <= range && Math.abs(q.y - y) <= range) {
                        out.add(id);
                    }
                }
            }
        }
        return out.size();
    }
}
