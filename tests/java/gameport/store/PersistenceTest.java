package gameport.store;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.server.ServerConfig;
import gameport.testing.Databases;
import gameport.testing.LogCapture;
import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import gameport.testing.TestClient.Packet;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Players persist: in-process servers on real sockets, each engine, on the embedded H2 and on a
 * real PostgreSQL server (Databases). The crash and SIGTERM cases run a server process of their
 * own (ServerProcessPersistenceTest).
 */
class PersistenceTest {
    static final int MAX_USERS = 100;
    static final int TROLL = MAX_USERS; // the strip's only NPC

    @TempDir
    Path dir;

    /** A 12x1 strip with one troll (60 exp a kill: two kills make level 2). */
    static ServerConfig strip(String engine, String url) {
        return ServerFixture.config(engine).db(url).width(12).height(1).viewRange(20).maxUsers(MAX_USERS)
                .npcs(1).npcKinds("3").npcActMs(1000).npcRespawnMs(300);
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Databases#enginesAndDatabases")
    void aReturningPlayerIsWhereItLeftWithItsStats(String engine, String db) throws Exception {
        String url = Databases.freshUrl(db, dir);
        List<Object> left;
        try (ServerFixture f = ServerFixture.start(strip(engine, url))) {
            TestClient c = f.login("Grinder");
            Packet first = c.loginInfo();
            assertEquals(List.of(100, 100, 0, 1), List.of(first.hp(), first.maxHp(), first.exp(), first.level()),
                    "a new name starts afresh: " + first);
            for (int kill = 1; kill <= 2; kill++) {
                c.awaitPacket(SC_ADD_OBJECT, p -> p.id() == TROLL, Duration.ofSeconds(15));
                killTroll(c);
            }
            int exp = 120;
            Packet up = c.awaitPacket(SC_STAT_CHANGE, p -> p.exp() == exp);
            assertEquals(2, up.level(), "two trolls make level 2: " + up);
            c.moveAndAwait(c.x() > 5 ? DIR_LEFT : DIR_RIGHT);
            c.logout();
            c.awaitEof(Duration.ofSeconds(5));
            left = List.of(c.x(), c.y(), c.stats());

            // The same server: its save may still be queued, the load must see it anyway.
            TestClient again = f.login("GRINDER"); // the name's key: the same player
            assertEquals(left, whereAndStats(again.loginInfo()), "logged in again on the same server");
            again.logout();
            again.awaitEof(Duration.ofSeconds(5));
        }
        // A restart: only the database remembers.
        try (ServerFixture f = ServerFixture.start(strip(engine, url))) {
            TestClient back = f.login("grinder");
            assertEquals(left, whereAndStats(back.loginInfo()), "logged in after a restart");
        }
        Map<String, List<Object>> rows = Databases.rows(url);
        assertEquals("grinder", rows.get("grinder").get(0), "the row keeps the name as last typed: " + rows);
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Databases#enginesAndDatabases")
    void twoLoginsOfOneNameAtOnceOneWins(String engine, String db) throws Exception {
        String url = Databases.freshUrl(db, dir);
        // Every database call takes 100 ms more: the second login surely comes while the first loads.
        ServerConfig config = ServerFixture.config(engine).db(url).beforeDatabaseCall(() -> sleep(100));
        try (ServerFixture f = ServerFixture.start(config); LogCapture log = new LogCapture()) {
            for (int round = 0; round < 5; round++) {
                TestClient a = f.connect("a" + round);
                TestClient b = f.connect("b" + round);
                a.login("Racer" + round);
                b.login(round % 2 == 0 ? "Racer" + round : "RACER" + round); // a look-alike is the same name
                Packet pa = a.awaitLoginAnswer();
                Packet pb = b.awaitLoginAnswer();
                assertEquals(1, (pa.type() == SC_LOGIN_INFO ? 1 : 0) + (pb.type() == SC_LOGIN_INFO ? 1 : 0),
                        "exactly one wins: " + pa + " / " + pb);
                TestClient loser = pa.type() == SC_LOGIN_INFO ? b : a;
                assertEquals(SC_LOGIN_FAIL, (pa.type() == SC_LOGIN_INFO ? pb : pa).type());
                log.awaitLineAbout(loser, "name in use");
                loser.assertOpen();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Databases#enginesAndDatabases")
    void aMoveWhileTheLoginLoadsIsAMoveBeforeLogin(String engine, String db) throws Exception {
        String url = Databases.freshUrl(db, dir);
        ServerConfig config = ServerFixture.config(engine).db(url).beforeDatabaseCall(() -> sleep(200));
        try (ServerFixture f = ServerFixture.start(config); LogCapture log = new LogCapture()) {
            TestClient c = f.connect("hasty");
            c.sendRaw(TestClient.concat(TestClient.loginPacket("hasty"), TestClient.movePacket(DIR_LEFT, 1)));
            c.awaitClosed(Duration.ofSeconds(5));
            log.awaitLineAbout(c, "CS_MOVE before login");
            // A second CS_LOGIN while the first loads is refused, and the session stays.
            TestClient d = f.connect("twice");
            d.sendRaw(TestClient.concat(TestClient.loginPacket("twice"), TestClient.loginPacket("twice")));
            Packet first = d.awaitLoginAnswer();
            assertEquals(SC_LOGIN_FAIL, first.type(), "the second CS_LOGIN is answered first: " + first);
            log.awaitLineAbout(d, "is still loading");
            assertEquals(SC_LOGIN_INFO, d.awaitLoginAnswer().type(), "then the first completes");
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Databases#enginesAndDatabases")
    void aStalledDatabaseDoesNotStallTheWorld(String engine, String db) throws Exception {
        String url = Databases.freshUrl(db, dir);
        AtomicBoolean stalled = new AtomicBoolean();
        ServerConfig config = ServerFixture.config(engine).db(url).saveIntervalS(1).loginDbTimeoutMs(1000)
                .beforeDatabaseCall(() -> {
                    while (stalled.get()) {
                        sleep(5); // the worker is stuck, as in a query that does not return
                    }
                });
        try (ServerFixture f = ServerFixture.start(config); LogCapture log = new LogCapture()) {
            List<TestClient> movers = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                movers.add(f.login("mover" + i));
            }
            stalled.set(true);
            TestClient newcomer = f.connect("newcomer");
            long loginSent = System.nanoTime();
            newcomer.login("newcomer");
            long worstEchoNanos = 0;
            Packet refused = null;
            for (int round = 0; round < 20; round++) { // 5 s: checkpoints pile up meanwhile
                long sent = System.nanoTime();
                long[] times = new long[movers.size()];
                for (int i = 0; i < movers.size(); i++) {
                    TestClient m = movers.get(i);
                    times[i] = m.move(m.x() > 50 ? DIR_LEFT : DIR_RIGHT);
                }
                for (int i = 0; i < movers.size(); i++) {
                    Packet echo = movers.get(i).awaitEcho(times[i]);
                    worstEchoNanos = Math.max(worstEchoNanos, echo.atNanos() - sent);
                }
                if (round == 4) {
                    refused = newcomer.awaitLoginAnswer();
                }
                sleep(Math.max(0, 250 - (System.nanoTime() - sent) / 1_000_000));
            }
            assertTrue(worstEchoNanos < 500_000_000L, "with the database stalled every move is echoed within "
                    + "500 ms; the slowest took " + worstEchoNanos / 1_000_000 + " ms");
            assertEquals(SC_LOGIN_FAIL, refused.type(), "a login while the database stalls fails: " + refused);
            long waited = (refused.atNanos() - loginSent) / 1_000_000;
            assertTrue(waited >= 900 && waited < 3000, "after --login-db-timeout-ms (1000): " + waited + " ms");
            log.awaitLineAbout(newcomer, "database unavailable");
            assertTrue(log.lines().stream().anyMatch(l -> l.contains("database behind")),
                    "checkpoints piling up are said loudly");
            // One leaves while the database is away: its last state waits in memory.
            TestClient leaver = movers.remove(0);
            leaver.logout();
            leaver.awaitEof(Duration.ofSeconds(5));

            stalled.set(false);
            TestClient late = f.connect("late");
            late.login("newcomer");
            assertEquals(SC_LOGIN_INFO, late.awaitLoginAnswer().type(), "the database is back: logins work");
            TestClient back = f.login("mover0");
            assertEquals(List.of(leaver.x(), leaver.y()), List.of(back.x(), back.y()),
                    "the save made while the database stalled is where the player comes back");
            back.logout();
            back.awaitEof(Duration.ofSeconds(5));
            for (TestClient m : movers) {
                m.sync();
            }
            // Close: everyone's last state is written before close returns.
            f.close();
            Map<String, List<Object>> rows = Databases.rows(url);
            for (TestClient m : movers) {
                List<Object> row = rows.get(m.label());
                assertNotNull(row, m.label() + " saved");
                assertEquals(List.of(m.x(), m.y()), row.subList(1, 3), m.label() + "'s last position");
            }
        }
    }

    static List<Object> whereAndStats(Packet loginInfo) {
        return List.of(loginInfo.x(), loginInfo.y(),
                List.of(loginInfo.hp(), loginInfo.maxHp(), loginInfo.exp(), loginInfo.level()));
    }

    /** Walks next to the troll (it chases, then stands and hits) and attacks until it is removed. */
    static void killTroll(TestClient c) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) {
            c.sync();
            if (!c.sees(TROLL)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw c.failure("the troll still lives");
            }
            int tx = c.viewPos(TROLL)[0];
            if (tx == c.x()) {
                c.walkToX(tx > 0 ? tx - 1 : tx + 1); // on its tile it hits us, and our attacks miss it
            } else if (Math.abs(tx - c.x()) > 1) {
                c.walkToX(tx > c.x() ? tx - 1 : tx + 1);
            }
            byte[][] burst = new byte[12][];
            for (int i = 0; i < burst.length; i++) {
                burst[i] = TestClient.emptyPacket(CS_ATTACK);
            }
            c.sendRaw(TestClient.concat(burst));
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
