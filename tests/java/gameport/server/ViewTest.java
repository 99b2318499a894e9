package gameport.server;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import gameport.testing.TestClient.Packet;
import gameport.testing.Views;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The multiplayer rules: newcomers see those present and are seen, moves reach viewers, the view
 * range (Chebyshev, R inclusive) and walking in and out of it. The TestClient model checks on
 * every packet that nothing is moved or chatted before its add or after its remove.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ViewTest {

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void newcomerSeesThosePresentAndTheySeeIt(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(6).height(1).viewRange(7))) {
            TestClient a = f.login("alice");
            a.walkToX(5);
            TestClient b = f.login("bob");
            b.walkToX(2);
            Packet bSeesA = b.awaitPacket(SC_ADD_OBJECT, p -> p.id() == a.id());
            assertEquals("alice", bSeesA.nameString());
            assertEquals(VISUAL_PLAYER, bSeesA.visual());
            assertEquals(5, bSeesA.x(), "newcomer gets the current position");
            assertEquals(0, bSeesA.y());
            Packet aSeesB = a.awaitPacket(SC_ADD_OBJECT, p -> p.id() == b.id());
            assertEquals("bob", aSeesB.nameString());
            assertEquals(VISUAL_PLAYER, aSeesB.visual());
            assertEquals(b.loginInfo().x(), aSeesB.x(), "added at its spawn position");
            TestClient c = f.login("carol");
            c.awaitPacket(SC_ADD_OBJECT, p -> p.id() == a.id() && p.x() == 5);
            c.awaitPacket(SC_ADD_OBJECT, p -> p.id() == b.id() && p.x() == 2);
            a.awaitPacket(SC_ADD_OBJECT, p -> p.id() == c.id() && p.nameString().equals("carol"));
            b.awaitPacket(SC_ADD_OBJECT, p -> p.id() == c.id() && p.nameString().equals("carol"));
            Views.assertConsistent(7, a, b, c);
            assertEquals(Set.of(b.id(), c.id()), a.viewIds());
            assertEquals(Set.of(a.id(), c.id()), b.viewIds());
            assertEquals(Set.of(a.id(), b.id()), c.viewIds());
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void movesReachViewers(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(10).height(3).viewRange(20))) {
            TestClient a = f.login("alice");
            TestClient b = f.login("bob");
            TestClient c = f.login("carol");
            a.walkTo(4, 1);
            int[] dirs = {DIR_RIGHT, DIR_DOWN, DIR_LEFT, DIR_LEFT, DIR_UP, DIR_UP, DIR_RIGHT};
            for (int dir : dirs) {
                Packet echo = a.moveAndAwait(dir);
                for (TestClient viewer : List.of(b, c)) {
                    viewer.awaitPacket(SC_MOVE_OBJECT, p -> p.id() == a.id() && p.x() == echo.x() && p.y() == echo.y());
                }
            }
            Views.assertConsistent(20, a, b, c);
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void viewRangeEdgeInX(String engine) throws Exception {
        int r = 3;
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(20).height(1).viewRange(r))) {
            TestClient a = f.login("anchor");
            a.walkToX(0);
            TestClient b = f.login("walker");
            b.walkToX(12);
            Views.assertConsistent(r, a, b);
            assertFalse(a.sees(b.id()));
            // Walk in: the add comes exactly when the distance becomes R.
            for (int x = 11; x >= 0; x--) {
                b.moveAndAwait(DIR_LEFT);
                Views.assertConsistent(r, a, b);
            }
            // Walk out: the remove comes exactly at R+1.
            for (int x = 1; x <= 12; x++) {
                b.moveAndAwait(DIR_RIGHT);
                Views.assertConsistent(r, a, b);
            }
            // Explicit edges: R apart visible, R+1 not.
            b.walkToX(r);
            Views.assertConsistent(r, a, b);
            assertTrue(a.sees(b.id()) && b.sees(a.id()), "exactly R apart must be visible");
            b.moveAndAwait(DIR_RIGHT);
            a.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == b.id());
            b.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == a.id());
            Views.assertConsistent(r, a, b);
            b.moveAndAwait(DIR_LEFT);
            a.awaitPacket(SC_ADD_OBJECT, p -> p.id() == b.id() && p.x() == r && p.y() == 0);
            b.awaitPacket(SC_ADD_OBJECT, p -> p.id() == a.id() && p.x() == 0 && p.y() == 0);
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void viewRangeEdgeInY(String engine) throws Exception {
        int r = 2;
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(15).viewRange(r))) {
            TestClient a = f.login("anchor");
            a.walkToY(0);
            TestClient b = f.login("walker");
            b.walkToY(10);
            for (int y = 9; y >= 0; y--) {
                b.moveAndAwait(DIR_UP);
                Views.assertConsistent(r, a, b);
            }
            for (int y = 1; y <= 10; y++) {
                b.moveAndAwait(DIR_DOWN);
                Views.assertConsistent(r, a, b);
            }
            b.walkToY(r);
            Views.assertConsistent(r, a, b);
            assertTrue(a.sees(b.id()) && b.sees(a.id()), "exactly R apart must be visible");
            b.moveAndAwait(DIR_DOWN);
            a.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == b.id());
            b.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == a.id());
            b.moveAndAwait(DIR_UP);
            a.awaitPacket(SC_ADD_OBJECT, p -> p.id() == b.id() && p.x() == 0 && p.y() == r);
            b.awaitPacket(SC_ADD_OBJECT, p -> p.id() == a.id() && p.x() == 0 && p.y() == 0);
        }
    }

    /** The view edge holds wherever the pair stands on a longer strip (map edges, any internal grid). */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void viewEdgesHoldAllAlongAStrip(String engine) throws Exception {
        int r = 3;
        int w = 70;
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(w).height(1).viewRange(r))) {
            TestClient a = f.login("anchor");
            TestClient b = f.login("walker");
            for (int anchor : new int[] {0, 12, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 69}) {
                a.walkToX(anchor);
                b.walkToX(Math.max(0, anchor - r - 2));
                Views.assertConsistent(r, a, b);
                while (b.x() < Math.min(w - 1, anchor + r + 2)) {
                    b.moveAndAwait(DIR_RIGHT);
                    Views.assertConsistent(r, a, b);
                }
                while (b.x() > Math.max(0, anchor - r - 2)) {
                    b.moveAndAwait(DIR_LEFT);
                    Views.assertConsistent(r, a, b);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void viewEdgesHoldAllAlongAColumn(String engine) throws Exception {
        int r = 2;
        int h = 50;
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(h).viewRange(r))) {
            TestClient a = f.login("anchor");
            TestClient b = f.login("walker");
            for (int anchor : new int[] {0, 14, 15, 16, 17, 31, 32, 49}) {
                a.walkToY(anchor);
                b.walkToY(Math.max(0, anchor - r - 2));
                Views.assertConsistent(r, a, b);
                while (b.y() < Math.min(h - 1, anchor + r + 2)) {
                    b.moveAndAwait(DIR_DOWN);
                    Views.assertConsistent(r, a, b);
                }
            }
        }
    }

    /** The walker visits every tile of the 9x9 square around the anchor (snake walk), in 2D. */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void viewWindowHoldsAroundGridCorners(String engine) throws Exception {
        int r = 2;
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(40).height(40).viewRange(r))) {
            TestClient a = f.login("anchor");
            TestClient b = f.login("walker");
            for (int[] anchor : new int[][] {{16, 16}, {15, 15}, {31, 16}, {16, 33}, {2, 37}}) {
                a.walkTo(anchor[0], anchor[1]);
                int x0 = Math.max(0, anchor[0] - 4);
                int x1 = Math.min(39, anchor[0] + 4);
                int y0 = Math.max(0, anchor[1] - 4);
                int y1 = Math.min(39, anchor[1] + 4);
                b.walkTo(x0, y0);
                for (int y = y0; y <= y1; y++) {
                    if (y > y0) {
                        b.moveAndAwait(DIR_DOWN);
                        Views.assertConsistent(r, a, b);
                    }
                    boolean rightward = (y - y0) % 2 == 0;
                    for (int k = x0; k < x1; k++) {
                        b.moveAndAwait(rightward ? DIR_RIGHT : DIR_LEFT);
                        Views.assertConsistent(r, a, b);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void viewIsASquareWindowNotACircle(String engine) throws Exception {
        int r = 2;
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(8).height(8).viewRange(r))) {
            TestClient a = f.login("anchor");
            a.walkTo(0, 0);
            TestClient b = f.login("walker");
            int[][] spots = {{2, 2}, {3, 2}, {2, 3}, {3, 3}, {2, 2}, {0, 2}, {2, 0}, {0, 3}, {3, 0}, {1, 1}};
            for (int[] s : spots) {
                b.walkTo(s[0], s[1]);
                Views.assertConsistent(r, a, b);
                boolean expected = s[0] <= r && s[1] <= r;
                assertEquals(expected, a.sees(b.id()), "a sees b at " + s[0] + "," + s[1]);
                assertEquals(expected, b.sees(a.id()), "b sees a from " + s[0] + "," + s[1]);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void viewRangeZeroMeansSameTileOnly(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(4).height(1).viewRange(0))) {
            TestClient a = f.login("a");
            a.walkToX(0);
            TestClient b = f.login("b");
            b.walkToX(1);
            Views.assertConsistent(0, a, b);
            assertFalse(a.sees(b.id()));
            b.moveAndAwait(DIR_LEFT);
            a.awaitPacket(SC_ADD_OBJECT, p -> p.id() == b.id() && p.x() == 0);
            Views.assertConsistent(0, a, b);
            b.moveAndAwait(DIR_RIGHT);
            a.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == b.id());
            Views.assertConsistent(0, a, b);
        }
    }

    /** Everyone on one tile: n-squared adds, chats and removes, all model-checked. */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void crowdOnOneTile(String engine) throws Exception {
        int n = 60;
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1))) {
            List<TestClient> crowd = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                TestClient c = f.login("c" + i);
                assertEquals(i, sync(c).viewIds().size(), "newcomer sees everyone present");
                crowd.add(c);
            }
            for (TestClient c : crowd) {
                c.chat("I am " + c.label());
            }
            for (TestClient c : crowd) {
                for (TestClient from : crowd) {
                    c.awaitPacket(SC_CHAT, p -> p.id() == from.id() && p.textString().equals("I am " + from.label()));
                }
                c.sync();
                assertEquals(n - 1, c.viewIds().size(), c.label() + " sees the whole crowd");
                c.clearBacklog();
            }
            TestClient last = crowd.remove(n - 1);
            for (TestClient c : crowd) {
                c.logout();
            }
            for (TestClient c : crowd) {
                last.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == c.id());
            }
            last.sync();
            assertTrue(last.viewIds().isEmpty());
        }
    }

    private static TestClient sync(TestClient c) {
        c.sync();
        return c;
    }

    /** Ids may be reused, but never added to a view before the earlier holder's remove (model-checked). */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void reusedIdsAreNeverAddedBeforeTheOldHolderIsRemoved(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1))) {
            TestClient watcher = f.login("watcher");
            java.util.Map<Integer, Integer> seen = new java.util.HashMap<>();
            TestClient previous = null;
            for (int i = 0; i < 25; i++) {
                TestClient next = f.connect("p" + i);
                next.login("p" + i); // pipelined with the previous one's drop
                if (previous != null) {
                    if (i % 3 == 0) {
                        previous.logout();
                    }
                    previous.close();
                }
                next.awaitLoginAnswer();
                seen.merge(next.id(), 1, Integer::sum);
                previous = next;
            }
            TestClient last = previous;
            watcher.awaitPacket(SC_ADD_OBJECT, p -> p.id() == last.id() && p.nameString().equals(last.label()));
            // Drops are learned asynchronously: poll until only the last one is left.
            long deadline = System.nanoTime() + 5_000_000_000L;
            do {
                watcher.sync();
            } while (!watcher.viewIds().equals(Set.of(last.id())) && System.nanoTime() < deadline);
            assertEquals(Set.of(last.id()), watcher.viewIds(), "only the last one is still online");
        }
    }

    /** Several players wander, teleport, leave and come back; every packet is checked, then the picture. */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void randomWanderingKeepsEveryViewConsistent(String engine) throws Exception {
        int r = 2;
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(9).height(9).viewRange(r))) {
            Random rnd = new Random(99);
            List<TestClient> clients = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                clients.add(f.login("w" + i));
            }
            int generation = 0;
            for (int round = 0; round < 40; round++) {
                List<Long> last = new ArrayList<>();
                for (TestClient c : clients) {
                    long t = 0;
                    int n = 1 + rnd.nextInt(3);
                    for (int k = 0; k < n; k++) {
                        t = c.move(rnd.nextInt(4));
                    }
                    if (rnd.nextInt(10) == 0) {
                        c.teleport();
                        t = -1;
                    }
                    last.add(t);
                }
                for (int i = 0; i < clients.size(); i++) {
                    TestClient c = clients.get(i);
                    if (last.get(i) < 0) {
                        c.awaitPacket(SC_MOVE_OBJECT, p -> p.id() == c.id() && p.moveTime() == 0);
                    } else {
                        c.awaitEcho(last.get(i));
                    }
                }
                if (round % 8 == 7) {
                    // One leaves (logout or drop) and a newcomer joins.
                    TestClient gone = clients.remove(rnd.nextInt(clients.size()));
                    if (rnd.nextBoolean()) {
                        gone.logout();
                        gone.awaitClosed(TestClient.TIMEOUT);
                    } else {
                        gone.close();
                    }
                    waitUntilNobodySees(clients, gone);
                    clients.add(f.login("n" + generation++));
                    Views.assertConsistent(r, clients.toArray(new TestClient[0]));
                }
                for (TestClient c : clients) {
                    c.clearBacklog();
                }
            }
            Views.assertConsistent(r, clients.toArray(new TestClient[0]));
        }
    }

    /** A player that left must be removed from every view (the server may learn of a drop a bit late). */
    static void waitUntilNobodySees(List<TestClient> clients, TestClient gone) {
        int id = gone.id();
        for (TestClient c : clients) {
            if (c.sees(id)) {
                c.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == id);
            }
        }
    }
}
