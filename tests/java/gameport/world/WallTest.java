package gameport.world;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.game.GameMap;
import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import gameport.testing.TestClient.Packet;
import gameport.testing.Views;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Walls: a move into one is refused but still echoed (unchanged position, same move_time); spawns,
 * teleports and NPC steps only ever use free tiles, on hand-drawn and on generated maps.
 *
 * <p>Clients here are made without map bounds: the TestClient model then accepts a refused move
 * (it predicts moves on an open map only) and the test checks every position itself.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class WallTest {

    @TempDir
    Path dir;

    /** A logged-in client whose model knows nothing of the map (walls refuse moves it cannot predict). */
    static TestClient loginOnWalls(ServerFixture f, List<TestClient> open, String name) {
        TestClient c = TestClient.connect(f.port, name);
        open.add(c);
        c.loginOk(name);
        return c;
    }

    static void closeAll(List<TestClient> open) {
        for (TestClient c : open) {
            c.close();
        }
    }

    static void assertEcho(TestClient c, int dir, int ex, int ey, String why) {
        long t = c.move(dir);
        Packet p = c.awaitEcho(t);
        assertEquals(t, p.moveTime(), "echo keeps the move_time");
        assertEquals(ex, p.x(), why + ": " + p);
        assertEquals(ey, p.y(), why + ": " + p);
        assertEquals(ex, c.x());
        assertEquals(ey, c.y());
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void moveIntoWallIsRefusedButEchoed(String engine) throws Exception {
        // A corridor at y = 1 with a one-tile door down at x = 3; everything else is wall.
        MapFiles map = MapFiles.write(dir, "corridor.map",
                "#######",
                ".......",
                "###.###");
        List<TestClient> open = new ArrayList<>();
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).mapFile(map.file()).viewRange(7))) {
            assertEquals(7, f.config.width, "a map file sets the width");
            assertEquals(3, f.config.height, "a map file sets the height");
            TestClient a = loginOnWalls(f, open, "mover");
            Packet info = a.loginInfo();
            assertTrue(map.isFree(info.x(), info.y()), "spawned on a wall: " + info);
            if (info.y() == 2) {
                assertEcho(a, DIR_UP, 3, 1, "up from the door into the corridor");
            }
            a.walkToX(3);
            assertEquals(1, a.y());

            assertEcho(a, DIR_UP, 3, 1, "(3,0) is a wall: position unchanged");
            assertEcho(a, DIR_DOWN, 3, 2, "(3,2) is the door: the move happens");
            assertEcho(a, DIR_LEFT, 3, 2, "(2,2) is a wall");
            assertEcho(a, DIR_RIGHT, 3, 2, "(4,2) is a wall");
            assertEcho(a, DIR_DOWN, 3, 2, "below the last row is outside the map");
            assertEcho(a, DIR_UP, 3, 1, "back into the corridor");
            assertEcho(a, DIR_LEFT, 2, 1, "along the corridor");
            assertEcho(a, DIR_DOWN, 2, 1, "(2,2) is a wall");
            assertEcho(a, DIR_UP, 2, 1, "(2,0) is a wall");

            // Pipelined moves into the wall: every one echoed in order, none moves.
            long[] times = new long[5];
            byte[][] burst = new byte[times.length][];
            for (int i = 0; i < times.length; i++) {
                times[i] = TestClient.nextMoveTime();
                burst[i] = TestClient.movePacket(i % 2 == 0 ? DIR_UP : DIR_DOWN, times[i]);
            }
            a.sendRaw(TestClient.concat(burst));
            for (long t : times) {
                Packet p = a.awaitEcho(t);
                assertEquals(2, p.x(), "refused: " + p);
                assertEquals(1, p.y(), "refused: " + p);
            }

            // A watcher follows the mover's real moves and agrees on where it ends up.
            TestClient b = loginOnWalls(f, open, "watcher");
            assertTrue(map.isFree(b.loginInfo().x(), b.loginInfo().y()), "spawned on a wall: " + b.loginInfo());
            a.walkToX(0);
            assertEcho(a, DIR_LEFT, 0, 1, "left of x=0 is outside the map");
            assertEcho(a, DIR_UP, 0, 1, "(0,0) is a wall");
            Views.assertConsistent(7, a, b);
            assertArrayEquals(new int[] {0, 1}, b.viewPos(a.id()));
        } finally {
            closeAll(open);
        }
    }

    /** A comb: one corridor along y = 1 and five 1-tile-wide teeth going down; 163 of 900 tiles free. */
    MapFiles comb() throws Exception {
        int w = 30;
        String[] rows = new String[w];
        for (int y = 0; y < w; y++) {
            StringBuilder r = new StringBuilder(MapFiles.row(w, '#'));
            if (y == 1) {
                for (int x = 1; x < w - 1; x++) {
                    r.setCharAt(x, '.');
                }
            } else if (y > 1 && y < w - 1) {
                for (int x : new int[] {3, 9, 15, 21, 27}) {
                    r.setCharAt(x, '.');
                }
            }
            rows[y] = r.toString();
        }
        return MapFiles.write(dir, "comb.map", rows);
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void spawnsAndTeleportsLandOnFreeTilesOnly(String engine) throws Exception {
        MapFiles map = comb();
        assertEquals(163, map.freeTiles());
        List<TestClient> open = new ArrayList<>();
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).mapFile(map.file()).viewRange(2))) {
            Set<Long> spots = new HashSet<>();
            for (int i = 0; i < 40; i++) {
                TestClient c = loginOnWalls(f, open, "p" + i);
                Packet info = c.loginInfo();
                assertTrue(map.isFree(info.x(), info.y()), "login " + i + " spawned on a wall: " + info);
                spots.add(((long) info.x() << 16) | info.y());
            }
            TestClient jumper = open.get(0);
            int n = 300;
            byte[][] burst = new byte[n][];
            for (int i = 0; i < n; i++) {
                burst[i] = TestClient.emptyPacket(CS_TELEPORT);
            }
            jumper.sendRaw(TestClient.concat(burst));
            for (int i = 0; i < n; i++) {
                int self = jumper.id();
                Packet p = jumper.awaitPacket(SC_MOVE_OBJECT, q -> q.id() == self);
                assertEquals(0, p.moveTime(), "teleport answer: " + p);
                assertTrue(map.isFree(p.x(), p.y()), "teleport " + i + " landed on a wall: " + p);
                spots.add(((long) p.x() << 16) | p.y());
            }
            // The other players saw the jumper only ever on free tiles too.
            for (TestClient c : open) {
                for (Packet p : c.backlog()) {
                    if (p.type() == SC_ADD_OBJECT || p.type() == SC_MOVE_OBJECT) {
                        assertTrue(map.isFree(p.x(), p.y()), c.label() + " was told of a wall tile: " + p);
                    }
                }
            }
            // 340 uniform draws from 163 tiles hit about 145 distinct ones; a handful would mean no spread.
            assertTrue(spots.size() >= 80, "spawns and teleports should spread over the free tiles: " + spots.size());
        } finally {
            closeAll(open);
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void generatedWallsBlockMovesAndSpawns(String engine) throws Exception {
        int w = 60;
        int h = 40;
        double density = 0.25;
        List<TestClient> open = new ArrayList<>();
        try (ServerFixture f = ServerFixture.start(
                ServerFixture.config(engine).width(w).height(h).wallDensity(density).viewRange(3))) {
            // docs/MAP_FORMAT.md: GameMap.generate(width, height, wallDensity, seed) is the map the server makes.
            GameMap map = GameMap.generate(w, h, density, f.config.seed);
            assertTrue(map.wallTiles() > w * h / 5, "a dense map: " + map.wallTiles());
            for (int i = 0; i < 20; i++) {
                Packet info = loginOnWalls(f, open, "g" + i).loginInfo();
                assertTrue(map.isFree(info.x(), info.y()), "spawned on a generated wall: " + info);
            }
            TestClient c = open.get(0);
            int refused = 0;
            int moved = 0;
            for (int i = 0; i < 60; i++) {
                Packet t = c.teleportAndAwait();
                assertTrue(map.isFree(t.x(), t.y()), "teleported onto a generated wall: " + t);
                for (int dir : new int[] {DIR_UP, DIR_RIGHT, DIR_DOWN, DIR_LEFT}) {
                    int x = c.x();
                    int y = c.y();
                    int nx = x + (dir == DIR_LEFT ? -1 : dir == DIR_RIGHT ? 1 : 0);
                    int ny = y + (dir == DIR_UP ? -1 : dir == DIR_DOWN ? 1 : 0);
                    boolean free = map.isFree(nx, ny);
                    Packet e = c.moveAndAwait(dir);
                    if (free) {
                        moved++;
                        assertEquals(List.of(nx, ny), List.of(e.x(), e.y()), "move onto a free tile from (" + x
                                + "," + y + ")");
                    } else {
                        refused++;
                        assertEquals(List.of(x, y), List.of(e.x(), e.y()), "move into the wall/edge at (" + nx
                                + "," + ny + ") from (" + x + "," + y + ") must be refused");
                    }
                }
            }
            assertTrue(refused > 10 && moved > 10, "both kinds of move were tried: refused " + refused + ", moved "
                    + moved);
        } finally {
            closeAll(open);
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void npcsNeverStepOntoWalls(String engine) throws Exception {
        MapFiles map = comb();
        int maxUsers = 100;
        int npcs = 20;
        List<TestClient> open = new ArrayList<>();
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).mapFile(map.file()).viewRange(30)
                .maxUsers(maxUsers).npcs(npcs).npcKinds("1").npcActMs(20))) {
            TestClient c = loginOnWalls(f, open, "observer");
            c.drain(Duration.ofMillis(1500));
            c.sync();
            Map<Integer, int[]> at = new HashMap<>();
            int moves = 0;
            for (Packet p : c.backlog()) {
                if (p.type() == SC_ADD_OBJECT) {
                    assertTrue(p.id() >= maxUsers && p.id() < maxUsers + npcs, "an NPC id: " + p);
                    assertTrue(map.isFree(p.x(), p.y()), "NPC placed on a wall: " + p);
                    at.put(p.id(), new int[] {p.x(), p.y()});
                } else if (p.type() == SC_MOVE_OBJECT && p.id() != c.id()) {
                    int[] prev = at.get(p.id());
                    assertNotNull(prev, "move before add: " + p);
                    assertTrue(map.isFree(p.x(), p.y()), "NPC stepped onto a wall: " + p);
                    assertEquals(1, Math.abs(p.x() - prev[0]) + Math.abs(p.y() - prev[1]),
                            "an NPC step is one tile from (" + prev[0] + "," + prev[1] + "): " + p);
                    assertEquals(0, p.moveTime(), "NPC moves carry move_time 0: " + p);
                    prev[0] = p.x();
                    prev[1] = p.y();
                    moves++;
                }
            }
            assertEquals(npcs, at.size(), "a view range over the whole map sees every NPC");
            // 20 NPCs acting every 20 ms for 1.5 s: hundreds of tries, many into the comb's walls.
            assertTrue(moves >= 50, "NPC moves seen: " + moves);
            assertTrue(f.server.npcMoves() >= moves, "npcMoves() " + f.server.npcMoves() + " < seen " + moves);
        } finally {
            closeAll(open);
        }
    }
}
