package gameport.game;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GameMapTest {
    @TempDir
    Path dir;

    @Test
    void generatedDensityIsCloseToTheRequest() {
        for (double density : new double[] {0.0, 0.01, 0.05, 0.15, GameMap.MAX_WALL_DENSITY}) {
            GameMap map = GameMap.generate(500, 400, density, 42);
            double actual = (double) map.wallTiles() / (500 * 400);
            // Sealed pockets add a little on top of the walls laid.
            assertTrue(actual >= density - 1e-9 && actual <= density * 1.07 + 0.002,
                    "asked " + density + ", got " + actual);
        }
    }

    @Test
    void sameSeedSameMapOtherSeedOtherMap() {
        GameMap a = GameMap.generate(300, 200, 0.05, 7);
        GameMap b = GameMap.generate(300, 200, 0.05, 7);
        GameMap c = GameMap.generate(300, 200, 0.05, 8);
        assertTrue(sameTiles(a, b));
        assertFalse(sameTiles(a, c));
    }

    @Test
    void everyFreeTileIsReachable() {
        for (long seed = 0; seed < 5; seed++) {
            for (double density : new double[] {0.05, 0.2, GameMap.MAX_WALL_DENSITY}) {
                GameMap map = GameMap.generate(257, 131, density, seed);
                assertEquals(map.freeTiles(), reachableFromFirstFreeTile(map), "seed " + seed + " density " + density);
            }
        }
    }

    @Test
    void defaultSizeGeneratesQuicklyAndConnected() {
        long begin = System.nanoTime();
        GameMap map = GameMap.generate(2000, 2000, 0.05, 1);
        long took = System.nanoTime() - begin;
        System.out.printf("GameMapTest: 2000x2000 at 5%% generated in %.0f ms, %d walls (%.2f%%)%n",
                took / 1e6, map.wallTiles(), 100.0 * map.wallTiles() / 4_000_000);
        assertEquals(map.freeTiles(), reachableFromFirstFreeTile(map));
    }

    @Test
    void randomFreeTileIsNeverAWallAndCoversTheMap() {
        GameMap map = GameMap.generate(64, 48, 0.25, 3);
        SplittableRandom random = new SplittableRandom(5);
        int[] hits = new int[64 * 48];
        int samples = 500_000;
        for (int i = 0; i < samples; i++) {
            int tile = map.randomFreeTile(random);
            int x = GameMap.tileX(tile);
            int y = GameMap.tileY(tile);
            assertTrue(map.isFree(x, y), "wall at " + x + "," + y);
            hits[y * 64 + x]++;
        }
        // Uniform: every free tile drawn, none far more than its share.
        double share = (double) samples / map.freeTiles();
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 64; x++) {
                if (map.isFree(x, y)) {
                    assertTrue(hits[y * 64 + x] > share * 0.6 && hits[y * 64 + x] < share * 1.4,
                            "tile " + x + "," + y + " drawn " + hits[y * 64 + x] + " times, expected about " + share);
                }
            }
        }
    }

    @Test
    void randomFreeTileOnAMapThatIsMostlyWall() throws IOException {
        // One free corridor in a field of wall: rejection sampling would struggle, rank lookup not.
        StringBuilder text = new StringBuilder("gameport-map 1 100 100\n");
        for (int y = 0; y < 100; y++) {
            text.append(y == 50 ? ".".repeat(100) : "#".repeat(100)).append('\n');
        }
        GameMap map = GameMap.load(file("corridor.map", text.toString()));
        assertEquals(100, map.freeTiles());
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 10_000; i++) {
            int tile = map.randomFreeTile(random);
            assertEquals(50, GameMap.tileY(tile));
            assertTrue(map.isFree(GameMap.tileX(tile), 50));
        }
    }

    @Test
    void outsideTheMapIsWall() {
        GameMap map = GameMap.generate(10, 10, 0.0, 1);
        assertTrue(map.isFree(0, 0));
        assertTrue(map.isFree(9, 9));
        assertTrue(map.isWall(-1, 0));
        assertTrue(map.isWall(0, -1));
        assertTrue(map.isWall(10, 0));
        assertTrue(map.isWall(0, 10));
        assertFalse(map.isFree(10, 5));
    }

    @Test
    void writeThenLoadGivesTheSameMap() throws IOException {
        GameMap map = GameMap.generate(123, 77, 0.1, 9);
        Path path = dir.resolve("round.map");
        map.write(path);
        GameMap loaded = GameMap.load(path);
        assertEquals(123, loaded.width());
        assertEquals(77, loaded.height());
        assertTrue(sameTiles(map, loaded));
        assertEquals(map.freeTiles(), loaded.freeTiles());
    }

    @Test
    void loadSkipsCommentsAndBlankLinesAndAcceptsCrLf() throws IOException {
        Path path = file("small.map", "; a tiny map\r\n\r\ngameport-map 1 4 3\r\n; row 0 next\r\n.#..\r\n.#.#\r\n\r\n....\r\n");
        GameMap map = GameMap.load(path);
        assertTrue(map.isWall(1, 0));
        assertTrue(map.isWall(3, 1));
        assertTrue(map.isFree(0, 2));
        assertEquals(9, map.freeTiles());
    }

    @Test
    void malformedFilesNameFileAndLine() throws IOException {
        assertRejected("empty.map", "", ":1:", "header");
        assertRejected("magic.map", "gameport-mop 1 3 1\n...\n", ":1:", "header");
        assertRejected("version.map", "gameport-map 2 3 1\n...\n", ":1:", "version 2");
        assertRejected("width.map", "gameport-map 1 0 1\n\n", ":1:", "width '0'");
        assertRejected("height.map", "gameport-map 1 3 40000\n", ":1:", "height '40000'");
        assertRejected("number.map", "gameport-map 1 3 x\n", ":1:", "height 'x'");
        assertRejected("fields.map", "gameport-map 1 3\n...\n", ":1:", "header");
        assertRejected("short.map", "gameport-map 1 3 2\n...\n..\n", ":3:", "row 1 has 2 tiles, expected 3");
        assertRejected("long.map", "; c\ngameport-map 1 3 2\n....\n...\n", ":3:", "row 0 has 4 tiles");
        assertRejected("char.map", "gameport-map 1 3 2\n...\n.x.\n", ":3:", "column 2: 'x'");
        assertRejected("tab.map", "gameport-map 1 3 1\n.\t.\n", ":2:", "byte 0x09");
        assertRejected("missing.map", "gameport-map 1 3 3\n...\n...\n", ":3:", "after 2 of the 3 rows");
        assertRejected("extra.map", "gameport-map 1 3 1\n...\n...\n", ":3:", "more than the 1 rows");
        assertRejected("nofree.map", "gameport-map 1 2 1\n##\n", "nofree.map:", "no free tile");
    }

    @Test
    void unreachablePocketIsRejected() throws IOException {
        String text = """
                gameport-map 1 6 5
                ......
                .####.
                .#.#..
                .####.
                ......
                """;
        assertRejected("pocket.map", text, ":4:", "free tile (2, 2) cannot be reached");
    }

    @Test
    void generateRefusesBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> GameMap.generate(0, 10, 0.05, 1));
        assertThrows(IllegalArgumentException.class, () -> GameMap.generate(10, 32769, 0.05, 1));
        assertThrows(IllegalArgumentException.class, () -> GameMap.generate(10, 10, 0.3, 1));
        assertThrows(IllegalArgumentException.class, () -> GameMap.generate(10, 10, Double.NaN, 1));
    }

    @Test
    void tinyMapsWork() {
        GameMap one = GameMap.generate(1, 1, GameMap.MAX_WALL_DENSITY, 1);
        assertEquals(1, one.freeTiles());
        assertEquals(0, one.randomFreeTile(new SplittableRandom(1)));
        GameMap line = GameMap.generate(1, 7, GameMap.MAX_WALL_DENSITY, 2);
        assertEquals(line.freeTiles(), reachableFromFirstFreeTile(line));
    }

    private void assertRejected(String name, String text, String where, String what) throws IOException {
        Path path = file(name, text);
        IOException e = assertThrows(MapLoader.MapFormatException.class, () -> GameMap.load(path), name);
        assertTrue(e.getMessage().startsWith(path.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(where), name + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(what), name + ": " + e.getMessage());
    }

    private Path file(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text, StandardCharsets.ISO_8859_1);
    }

    private static boolean sameTiles(GameMap a, GameMap b) {
        if (a.width() != b.width() || a.height() != b.height()) {
            return false;
        }
        for (int y = 0; y < a.height(); y++) {
            for (int x = 0; x < a.width(); x++) {
                if (a.isWall(x, y) != b.isWall(x, y)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** An independent check: plain BFS over isFree with boxed coordinates, no bit tricks. */
    private static int reachableFromFirstFreeTile(GameMap map) {
        int w = map.width();
        int h = map.height();
        boolean[] seen = new boolean[w * h];
        ArrayDeque<int[]> queue = new ArrayDeque<>();
        outer:
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (map.isFree(x, y)) {
                    seen[y * w + x] = true;
                    queue.add(new int[] {x, y});
                    break outer;
                }
            }
        }
        int count = 0;
        int[][] steps = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
        while (!queue.isEmpty()) {
            int[] at = queue.poll();
            count++;
            for (int[] step : steps) {
                int x = at[0] + step[0];
                int y = at[1] + step[1];
                if (map.isFree(x, y) && !seen[y * w + x]) {
                    seen[y * w + x] = true;
                    queue.add(new int[] {x, y});
                }
            }
        }
        return count;
    }
}
