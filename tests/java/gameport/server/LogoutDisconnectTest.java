package gameport.server;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import gameport.testing.Views;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Leaving the world: CS_LOGOUT, a clean close, a reset; viewers get SC_REMOVE_OBJECT and nothing after. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LogoutDisconnectTest {
    private static final Duration CLOSE = Duration.ofSeconds(5);

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void logoutRemovesThePlayerAndClosesTheConnection(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1))) {
            TestClient a = f.login("alice");
            TestClient b = f.login("bob");
            b.awaitPacket(SC_ADD_OBJECT, p -> p.id() == a.id());
            a.logout();
            a.awaitClosed(CLOSE);
            b.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == a.id());
            b.moveAndAwait(DIR_UP);
            assertTrue(b.viewIds().isEmpty(), "view after logout: " + b.viewIds());
            // A newcomer does not see the one who left.
            TestClient c = f.login("carol");
            c.sync();
            assertEquals(java.util.Set.of(b.id()), c.viewIds());
        }
    }

    /** Nobody to send a remove to, nothing else going on: the logout still closes promptly. */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void logoutWithNobodyWatchingClosesAtOnce(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1000).height(1000))) {
            for (int i = 0; i < 4; i++) {
                TestClient a = f.login("alone" + i);
                a.sync();
                a.logout();
                Duration d = a.awaitClosed(CLOSE);
                assertTrue(d.toMillis() < LoginTest.PROMPT_MS, "logout closed after " + d.toMillis() + " ms");
                TestClient.sleep(50);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void disconnectRemovesThePlayer(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1))) {
            TestClient a = f.login("alice");
            TestClient b = f.login("bob");
            b.awaitPacket(SC_ADD_OBJECT, p -> p.id() == a.id());
            a.close();
            b.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == a.id());
            b.moveAndAwait(DIR_UP);
            assertTrue(b.viewIds().isEmpty());
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void connectionResetRemovesThePlayer(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1))) {
            TestClient a = f.login("alice");
            TestClient b = f.login("bob");
            b.awaitPacket(SC_ADD_OBJECT, p -> p.id() == a.id());
            a.socket().setSoLinger(true, 0); // close sends RST
            a.close();
            b.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == a.id());
            b.moveAndAwait(DIR_UP);
            assertTrue(b.viewIds().isEmpty());
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void disconnectRightAfterPipelinedMovesStillRemoves(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(3).height(1).viewRange(5))) {
            TestClient watcher = f.login("watcher");
            for (int round = 0; round < 5; round++) {
                TestClient a = f.login("mover" + round);
                watcher.awaitPacket(SC_ADD_OBJECT, p -> p.id() == a.id());
                byte[][] moves = new byte[30][];
                for (int i = 0; i < moves.length; i++) {
                    moves[i] = TestClient.movePacket(i % 2 == 0 ? DIR_LEFT : DIR_RIGHT, i);
                }
                a.sendRaw(TestClient.concat(moves));
                if (round % 2 == 0) {
                    a.logout();
                }
                a.close();
                // Moves of a before its removal are fine, none after (the model checks).
                watcher.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == a.id());
            }
            watcher.sync();
            assertTrue(watcher.viewIds().isEmpty(), "everyone left: " + watcher.viewIds());
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void clientsThatNeverLoggedInLeaveNoTrace(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1))) {
            TestClient watcher = f.login("watcher");
            List<TestClient> ghosts = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                TestClient g = f.connect("ghost" + i);
                if (i % 2 == 1) {
                    g.sendRaw(new byte[] {CS_LOGIN_SIZE, 0, CS_LOGIN, 'g'}); // half a login
                }
                ghosts.add(g);
            }
            ghosts.forEach(TestClient::close);
            watcher.moveAndAwait(DIR_UP);
            watcher.expectNoPacket(SC_ADD_OBJECT, Duration.ofMillis(200));
            // The server still takes logins.
            TestClient c = f.login("ghost1");
            watcher.awaitPacket(SC_ADD_OBJECT, p -> p.id() == c.id());
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void manyLeaveAndTheViewEmpties(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(4).height(1).viewRange(7))) {
            TestClient watcher = f.login("watcher");
            List<TestClient> others = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                others.add(f.login("p" + i));
            }
            Views.assertConsistent(7, others.toArray(new TestClient[0]));
            watcher.sync();
            assertEquals(20, watcher.viewIds().size());
            for (int i = 0; i < others.size(); i++) {
                if (i % 2 == 0) {
                    others.get(i).logout();
                } else {
                    others.get(i).close();
                }
            }
            for (TestClient o : others) {
                watcher.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == o.id());
            }
            watcher.sync();
            assertTrue(watcher.viewIds().isEmpty(), "view: " + watcher.viewIds());
        }
    }
}
