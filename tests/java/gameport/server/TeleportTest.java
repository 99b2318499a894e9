package gameport.server;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import gameport.testing.TestClient.Packet;
import gameport.testing.Views;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** CS_TELEPORT: answered by SC_MOVE_OBJECT(self, move_time 0) at a tile inside the map, views updated. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TeleportTest {

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void teleportOnAOneTileMapLandsOnThatTile(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1))) {
            TestClient c = f.login("solo");
            for (int i = 0; i < 3; i++) {
                Packet p = c.teleportAndAwait();
                assertEquals(c.id(), p.id());
                assertEquals(0, p.moveTime());
                assertEquals(0, p.x());
                assertEquals(0, p.y());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void teleportLandsInsideTheMapAndSpreadsPlayers(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(2000).height(2000))) {
            TestClient c = f.login("jumper");
            Set<Long> spots = new HashSet<>();
            for (int i = 0; i < 30; i++) {
                Packet p = c.teleportAndAwait(); // the model checks the bounds and move_time 0
                assertTrue(p.x() >= 0 && p.x() < 2000 && p.y() >= 0 && p.y() < 2000, "inside: " + p);
                spots.add(((long) p.x() << 16) | p.y());
            }
            assertTrue(spots.size() >= 20, "30 teleports on 2000x2000 should land on many tiles: " + spots.size());
            // Teleports and moves pipelined: answers in order, teleport ones with move_time 0.
            long t1 = TestClient.nextMoveTime();
            long t2 = TestClient.nextMoveTime();
            c.sendRaw(TestClient.concat(TestClient.movePacket(DIR_UP, t1), TestClient.emptyPacket(CS_TELEPORT),
                    TestClient.movePacket(DIR_DOWN, t2)));
            assertEquals(t1, c.awaitPacket(SC_MOVE_OBJECT).moveTime());
            assertEquals(0, c.awaitPacket(SC_MOVE_OBJECT).moveTime());
            assertEquals(t2, c.awaitPacket(SC_MOVE_OBJECT).moveTime());
        }
    }

    /** On a big map with a small R, a teleport takes the player out of its viewer's sight. */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void teleportAwayOnABigMapRemovesFromViewers(String engine) throws Exception {
        int r = 3;
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1000).height(1000).viewRange(r))) {
            TestClient a = f.login("alice");
            TestClient b = f.login("bob");
            b.walkTo(a.x(), Math.max(0, a.y() - 1));
            Views.assertConsistent(r, a, b);
            assertTrue(b.sees(a.id()) && a.sees(b.id()));
            for (int tries = 0; Views.inRange(r, a.x(), a.y(), b.x(), b.y()); tries++) {
                assertTrue(tries < 20, "teleports keep landing next to bob");
                a.teleportAndAwait();
            }
            b.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == a.id());
            a.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == b.id());
            Views.assertConsistent(r, a, b);
            // Still connected and moving, no longer seen.
            a.moveAndAwait(DIR_LEFT);
            b.sync();
            assertFalse(b.sees(a.id()));
        }
    }

    /** Teleports on a strip land in and out of view: every landing updates both views like a move would. */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void teleportUpdatesViewsBothWays(String engine) throws Exception {
        int r = 2;
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(30).height(1).viewRange(r))) {
            TestClient a = f.login("alice");
            TestClient b = f.login("bob");
            TestClient c = f.login("carol");
            b.walkToX(10);
            c.walkToX(25);
            boolean left = false;
            boolean arrived = false;
            boolean wasInView = Views.inRange(r, a.x(), a.y(), b.x(), b.y());
            for (int i = 0; i < 400 && !(left && arrived); i++) {
                int fromX = a.x();
                Packet p = a.teleportAndAwait();
                boolean inView = Views.inRange(r, p.x(), p.y(), b.x(), b.y());
                if (wasInView && !inView) {
                    b.awaitPacket(SC_REMOVE_OBJECT, q -> q.id() == a.id());
                    left = true;
                } else if (!wasInView && inView) {
                    b.awaitPacket(SC_ADD_OBJECT, q -> q.id() == a.id() && q.x() == p.x());
                    arrived = true;
                } else if (inView && p.x() != fromX) {
                    b.awaitPacket(SC_MOVE_OBJECT, q -> q.id() == a.id() && q.x() == p.x());
                }
                wasInView = inView;
                Views.assertConsistent(r, a, b, c);
                for (TestClient x : new TestClient[] {a, b, c}) {
                    x.clearBacklog();
                }
            }
            assertTrue(left && arrived, "400 teleports on a 30-tile strip should leave and enter bob's view");
        }
    }
}
