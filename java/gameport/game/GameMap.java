package gameport.game;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The tile map: which tiles are walls. Immutable once built, so the game thread reads it freely.
 *
 * <p>Walls are one bit per tile ({@code y * width + x}) in a {@code long[]}: 500 KB for 2000 x
 * 2000. Every map, generated or loaded, has at least one free tile and every free tile reachable
 * from every other through up/down/left/right steps, so whatever free tile something is placed on
 * it can walk anywhere.
 *
 * <p>Tiles handed out by {@link #randomFreeTile} are packed into one int as {@code (y << 16) | x}
 * (coordinates are below 32768, as the protocol's i16 needs); {@link #tileX} and {@link #tileY}
 * unpack them.
 */
public final class GameMap {
    public static final int MAX_SIDE = 32768;
    /**
     * Densest generated map. Walls laid at random start enclosing pockets that must be sealed, so
     * the density comes out higher than asked: +0.4 points at 0.20, +1.2 at 0.25, +3 at 0.30 and
     * +11 at 0.35 as the open area nears falling apart. Denser maps: draw them and use --map.
     */
    public static final double MAX_WALL_DENSITY = 0.25;

    /** Free tiles are counted per block of this many words so a random one is found by rank. */
    private static final int WORDS_PER_BLOCK = 8;

    private final int width;
    private final int height;
    /** Bit set = wall. The bits past the last tile are set too, so "not a wall" means a real tile. */
    private final long[] walls;
    /** Free tiles in blocks before block b; one more entry holds the total. */
    private final int[] freeBeforeBlock;

    /** Takes ownership of {@code walls}, whose bits past the last tile must be set. */
    GameMap(int width, int height, long[] walls) {
        checkSize(width, height);
        this.width = width;
        this.height = height;
        this.walls = walls;
        int blocks = (walls.length + WORDS_PER_BLOCK - 1) / WORDS_PER_BLOCK;
        this.freeBeforeBlock = new int[blocks + 1];
        int free = 0;
        for (int word = 0; word < walls.length; word++) {
            if (word % WORDS_PER_BLOCK == 0) {
                freeBeforeBlock[word / WORDS_PER_BLOCK] = free;
            }
            free += Long.bitCount(~walls[word]);
        }
        freeBeforeBlock[blocks] = free;
    }

    /**
     * A map of {@code width x height} with about {@code wallDensity} of its tiles walls, laid as
     * short wall segments and small blocks, then every pocket of free tiles cut off from the largest
     * open area filled in (which adds a little to the density). Always the same map for the same
     * arguments (with this version of the code: save it with {@link #write} to keep it).
     *
     * @param wallDensity 0 .. {@value #MAX_WALL_DENSITY}
     */
    public static GameMap generate(int width, int height, double wallDensity, long seed) {
        return Generator.generate(width, height, wallDensity, seed);
    }

    /** Reads a map file; the format is in docs/MAP_FORMAT.md. */
    public static GameMap load(Path file) throws IOException {
        return MapLoader.load(file);
    }

    /** Writes this map in the format {@link #load} reads. */
    public void write(Path file) throws IOException {
        MapLoader.write(this, file);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** Outside the map counts as wall. */
    public boolean isWall(int x, int y) {
        return !isFree(x, y);
    }

    /** Inside the map and not a wall: a tile something may stand on. */
    public boolean isFree(int x, int y) {
        if (x < 0 || y < 0 || x >= width || y >= height) {
            return false;
        }
        int tile = y * width + x;
        return (walls[tile >>> 6] & (1L << tile)) == 0;
    }

    public int freeTiles() {
        return freeBeforeBlock[freeBeforeBlock.length - 1];
    }

    public int wallTiles() {
        return width * height - freeTiles();
    }

    /**
     * A free tile drawn uniformly, packed as {@code (y << 16) | x}. Takes a rank lookup (binary
     * search over blocks of 512 tiles) instead of retrying random tiles, so it costs the same on a
     * map that is mostly wall. Allocates nothing.
     */
    public int randomFreeTile(SplittableRandom random) {
        int rank = random.nextInt(freeTiles());
        int tile = freeTileWithRank(rank);
        return pack(tile % width, tile / width);
    }

    public static int pack(int x, int y) {
        return (y << 16) | x;
    }

    public static int tileX(int packed) {
        return packed & 0xFFFF;
    }

    public static int tileY(int packed) {
        return packed >>> 16;
    }

    static void checkSize(int width, int height) {
        if (width < 1 || width > MAX_SIDE || height < 1 || height > MAX_SIDE) {
            throw new IllegalArgumentException(
                    "map size " + width + "x" + height + " out of range: each side must be 1.." + MAX_SIDE);
        }
    }

    /** A wall set with every tile free, padding bits past the last tile set. */
    static long[] emptyWalls(int width, int height) {
        long tiles = (long) width * height;
        long[] walls = new long[(int) ((tiles + 63) >>> 6)];
        int usedInLast = (int) (tiles & 63);
        if (usedInLast != 0) {
            walls[walls.length - 1] = -1L << usedInLast;
        }
        return walls;
    }

    /** The index of the free tile with the given rank in row-major order. */
    private int freeTileWithRank(int rank) {
        int low = 0;
        int high = freeBeforeBlock.length - 2;
        // Last block whose first free tile has rank <= the wanted one.
        while (low < high) {
            int mid = (low + high + 1) >>> 1;
            if (freeBeforeBlock[mid] <= rank) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        int remaining = rank - freeBeforeBlock[low];
        for (int word = low * WORDS_PER_BLOCK; ; word++) {
            long free = ~walls[word];
            int count = Long.bitCount(free);
            if (remaining < count) {
                for (int i = 0; i < remaining; i++) {
                    free &= free - 1;
                }
                return (word << 6) + Long.numberOfTrailingZeros(free);
            }
            remaining -= count;
        }
    }

    /** Lays walls at random, then seals every pocket that the largest open area cannot reach. */
    private static final class Generator {
        private static final int SEGMENT_MIN = 3;
        private static final int SEGMENT_MAX = 12;
        private static final int BLOCK_MIN = 2;
        private static final int BLOCK_MAX = 4;

        private final int width;
        private final int height;
        private final long[] walls;
        private long wallsToPlace;

        private Generator(int width, int height, long wallsToPlace) {
            this.width = width;
            this.height = height;
            this.walls = emptyWalls(width, height);
            this.wallsToPlace = wallsToPlace;
        }

        static GameMap generate(int width, int height, double wallDensity, long seed) {
            checkSize(width, height);
            if (!(wallDensity >= 0 && wallDensity <= MAX_WALL_DENSITY)) {
                throw new IllegalArgumentException(
                        "wall density " + wallDensity + " out of range 0.." + MAX_WALL_DENSITY);
            }
            long tiles = (long) width * height;
            Generator generator = new Generator(width, height, Math.round(tiles * wallDensity));
            generator.placeWalls(new SplittableRandom(seed));
            long[] reachable = new Areas(width, height, generator.walls).largest();
            if (reachable == null) {
                // Unreachable: the density cap leaves most tiles free.
                throw new IllegalStateException("generated map has no free tile");
            }
            // Everything outside the largest area becomes wall; its padding bits come out set.
            for (int word = 0; word < reachable.length; word++) {
                reachable[word] = ~reachable[word];
            }
            return new GameMap(width, height, reachable);
        }

        /** Mostly short wall lines, some small blocks: reads as a map, not as noise. */
        private void placeWalls(SplittableRandom random) {
            while (wallsToPlace > 0) {
                int x = random.nextInt(width);
                int y = random.nextInt(height);
                if (random.nextInt(10) < 7) {
                    int length = SEGMENT_MIN + random.nextInt(SEGMENT_MAX - SEGMENT_MIN + 1);
                    if (random.nextBoolean()) {
                        fill(x, y, length, 1);
                    } else {
                        fill(x, y, 1, length);
                    }
                } else {
                    fill(x, y, BLOCK_MIN + random.nextInt(BLOCK_MAX - BLOCK_MIN + 1),
                            BLOCK_MIN + random.nextInt(BLOCK_MAX - BLOCK_MIN + 1));
                }
            }
        }

        /** Walls a rectangle clipped to the map, stopping once the wanted number is placed. */
        private void fill(int x0, int y0, int w, int h) {
            int x1 = Math.min(width, x0 + w);
            int y1 = Math.min(height, y0 + h);
            for (int y = y0; y < y1; y++) {
                for (int x = x0; x < x1; x++) {
                    if (wallsToPlace == 0) {
                        return;
                    }
                    int tile = y * width + x;
                    long bit = 1L << tile;
                    if ((walls[tile >>> 6] & bit) == 0) {
                        walls[tile >>> 6] |= bit;
                        wallsToPlace--;
                    }
                }
            }
        }
    }

    /**
     * The areas of free tiles joined by up/down/left/right steps, found by breadth-first flood fill
     * over bit sets with an int ring queue: no recursion, nothing allocated per tile, and about
     * three bits per tile plus a queue as long as the widest flood front.
     */
    static final class Areas {
        private final int width;
        private final int tiles;
        private final long[] walls;
        private int[] queue = new int[4096];
        private int areaCount;

        Areas(int width, int height, long[] walls) {
            this.width = width;
            this.tiles = width * height;
            this.walls = walls;
        }

        /** How many separate areas the last {@link #largest} call found. */
        int areaCount() {
            return areaCount;
        }

        /**
         * The tiles of the largest area as a bit set (padding bits clear), the first in row-major
         * order winning a tie; null when there is no free tile.
         */
        long[] largest() {
            long[] visited = walls.clone();
            int bestStart = -1;
            int bestSize = 0;
            areaCount = 0;
            for (int word = 0; word < visited.length; word++) {
                long unvisited;
                while ((unvisited = ~visited[word]) != 0) {
                    int start = (word << 6) + Long.numberOfTrailingZeros(unvisited);
                    int size = flood(start, visited);
                    areaCount++;
                    if (size > bestSize) {
                        bestSize = size;
                        bestStart = start;
                    }
                }
            }
            if (bestStart < 0) {
                return null;
            }
            System.arraycopy(walls, 0, visited, 0, walls.length);
            flood(bestStart, visited);
            for (int word = 0; word < visited.length; word++) {
                visited[word] &= ~walls[word];
            }
            return visited;
        }

        /** Marks in {@code visited} every tile reachable from {@code start}; returns how many. */
        private int flood(int start, long[] visited) {
            int mask = queue.length - 1;
            int head = 0;
            int tail = 0;
            visited[start >>> 6] |= 1L << start;
            queue[tail++ & mask] = start;
            int count = 0;
            while (head != tail) {
                int tile = queue[head++ & mask];
                count++;
                int x = tile % width;
                for (int side = 0; side < 4; side++) {
                    int next;
                    if (side == 0) {
                        if (x == 0) {
                            continue;
                        }
                        next = tile - 1;
                    } else if (side == 1) {
                        if (x == width - 1) {
                            continue;
                        }
                        next = tile + 1;
                    } else if (side == 2) {
                        if (tile < width) {
                            continue;
                        }
                        next = tile - width;
                    } else {
                        next = tile + width;
                        if (next >= tiles) {
                            continue;
                        }
                    }
                    long bit = 1L << next;
                    if ((visited[next >>> 6] & bit) == 0) {
                        visited[next >>> 6] |= bit;
                        if (tail - head == queue.length) {
                            growQueue(head, tail);
                            mask = queue.length - 1;
                            // Entries now sit at 0..length-1 in order.
                            tail -= head;
                            head = 0;
                        }
                        queue[tail++ & mask] = next;
                    }
                }
            }
            return count;
        }

        /** Doubles the ring, unrolling its entries to the front in queue order. */
        private void growQueue(int head, int tail) {
            int[] grown = new int[queue.length * 2];
            int mask = queue.length - 1;
            for (int i = head; i != tail; i++) {
                grown[i - head] = queue[i & mask];
            }
            queue = grown;
        }
    }
}
