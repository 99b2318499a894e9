package gameport.world;

import static org.junit.jupiter.api.Assertions.*;

import gameport.server.GameServer;
import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An NPC sleeps while no player has it in view: no acts, no moves. It wakes when a player comes to
 * see it and goes back to sleep (moves stop) within about an act period after the last one leaves.
 * Read through the server's counters; each read follows a client sync, which is a busy batch of
 * the game thread (the counters are published at the end of those).
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NpcSleepTest {
    static final int MAX_USERS = 100;
    static final long ACT_MS = 50;

    static boolean seesAnNpc(TestClient c) {
        for (int id : c.viewIds()) {
            if (id >= MAX_USERS) {
                return true;
            }
        }
        return false;
    }

    /**
     * The counter as of now: a sync's batch publishes the counters only after its flush, so a
     * second sync makes sure the first one's batch has published.
     */
    static long read(TestClient c, LongSupplier counter) {
        c.sync();
        c.sync();
        return counter.getAsLong();
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void npcsSleepUnlessSeen(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(100).height(100).viewRange(3)
                .maxUsers(MAX_USERS).npcs(20).npcKinds("1").npcActMs(ACT_MS))) {
            GameServer s = f.server;
            TestClient.sleep(4 * ACT_MS);
            assertEquals(0, s.npcWakeUps(), "no player: nothing wakes");
            assertEquals(0, s.npcMoves(), "no player: nothing moves");

            TestClient c = f.login("visitor");
            c.sync();
            if (!seesAnNpc(c)) {
                assertEquals(0, read(c, s::npcWakeUps), "nothing in the newcomer's view: nothing wakes");
            }
            // Go where no NPC is in view.
            for (int i = 0; seesAnNpc(c); i++) {
                assertTrue(i < 200, "200 teleports never found a spot without NPCs: " + c.viewIds());
                c.teleportAndAwait();
                c.sync();
            }
            // NPCs woken on the way fall asleep at their next act.
            TestClient.sleep(2 * ACT_MS + 100);
            long wakeUps = read(c, s::npcWakeUps);
            long moves = read(c, s::npcMoves);
            TestClient.sleep(8 * ACT_MS);
            assertEquals(moves, read(c, s::npcMoves), "no NPC is seen, yet NPCs moved over 8 act periods");
            assertEquals(wakeUps, read(c, s::npcWakeUps), "no NPC is seen, yet one woke up");

            // Come near one: it wakes and acts.
            for (int i = 0; !seesAnNpc(c); i++) {
                assertTrue(i < 500, "500 teleports never brought an NPC into view");
                c.teleportAndAwait();
                c.sync();
            }
            assertTrue(read(c, s::npcWakeUps) > wakeUps, "an NPC came into view but none woke up");
            long before = read(c, s::npcMoves);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (read(c, s::npcMoves) == before) {
                assertTrue(System.nanoTime() < deadline, "a seen NPC never moved in 10 s (act every " + ACT_MS
                        + " ms); view " + c.viewIds());
                TestClient.sleep(ACT_MS);
            }

            // Leave: within about two act periods the moves stop.
            for (int i = 0; seesAnNpc(c); i++) {
                assertTrue(i < 200, "200 teleports never found a spot without NPCs: " + c.viewIds());
                c.teleportAndAwait();
                c.sync();
            }
            TestClient.sleep(2 * ACT_MS + 100);
            long settled = read(c, s::npcMoves);
            long settledWakeUps = read(c, s::npcWakeUps);
            TestClient.sleep(8 * ACT_MS);
            assertEquals(settled, read(c, s::npcMoves), "NPCs kept moving after the only player left their view");
            assertEquals(settledWakeUps, read(c, s::npcWakeUps));
            System.out.println("[" + engine + "] wake-ups " + settledWakeUps + ", moves " + settled);
        }
    }
}
