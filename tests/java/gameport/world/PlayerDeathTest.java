package gameport.world;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import gameport.testing.TestClient.Packet;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Trolls hit an adjacent player for 12 a turn; a player at 0 hp dies: whoever saw it gets
 * SC_REMOVE_OBJECT, the dead player gets SC_REMOVE_OBJECT for everything it saw, then comes back
 * on a random free tile (SC_MOVE_OBJECT about itself with move_time 0) with full hp and half its
 * exp, and what is around sees it again (SC_ADD_OBJECT both ways).
 *
 * <p>The map is a corridor at y = 1 between two rows of wall, so a respawn on a wall shows as y != 1.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PlayerDeathTest {
    static final int MAX_USERS = 100;
    static final int TROLL = MAX_USERS;
    static final int W = 30;

    @TempDir
    Path dir;

    /** Walks the victim next to the troll (it chases within 5 tiles and stops to hit when adjacent). */
    static void standNextTo(DyingClient v, int side) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) {
            v.sync();
            int tx = v.viewPos(TROLL)[0];
            if (Math.abs(tx - v.x()) == 1) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw v.failure("could not get next to the troll at " + tx);
            }
            int target = tx + side;
            if (target < 0 || target >= W) {
                target = tx - side;
            }
            v.walkToX(target);
        }
    }

    static void attacks(DyingClient v, int n) {
        byte[][] burst = new byte[n][];
        for (int i = 0; i < n; i++) {
            burst[i] = TestClient.emptyPacket(CS_ATTACK);
        }
        v.send(TestClient.concat(burst));
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void killedPlayerRespawnsWithFullHpAndHalfExp(String engine) throws Exception {
        MapFiles map = MapFiles.write(dir, "corridor.map", MapFiles.row(W, '#'), MapFiles.row(W, '.'),
                MapFiles.row(W, '#'));
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).mapFile(map.file()).viewRange(40)
                .maxUsers(MAX_USERS).npcs(1).npcKinds("3").npcActMs(100).npcRespawnMs(300));
             DyingClient victim = new DyingClient(f.port, "victim")) {
            Packet info = victim.login("victim");
            assertEquals(List.of(100, 100, 0, 1), List.of(info.hp(), info.maxHp(), info.exp(), info.level()),
                    "a new player: hp, max_hp, exp, level");
            assertEquals(1, info.y(), "spawned on a wall: " + info);
            Packet troll = victim.await(SC_ADD_OBJECT, p -> p.id() == TROLL, TestClient.TIMEOUT);
            assertEquals(3, troll.visual(), "npcKinds 3: a troll " + troll);
            assertEquals("Troll " + TROLL, troll.nameString());
            int home = troll.x();
            assertEquals(1, troll.y());

            // The watcher stays at the far end, out of the troll's 5-tile reach (it only chases the victim).
            TestClient watcher = f.login("watcher");
            watcher.awaitPacket(SC_ADD_OBJECT, p -> p.id() == victim.id());
            int far = home < W / 2 ? W - 1 : 0;
            int side = home < W / 2 ? -1 : 1; // the victim fights on the side away from the watcher
            watcher.walkToX(far);

            // Earn exp first, so the halving shows: 11 attacks leave a troll (120 hp) alive, the 12th kills it.
            standNextTo(victim, side);
            attacks(victim, 11);
            victim.sync();
            assertTrue(victim.sees(TROLL), "11 attacks of 10 must not kill a troll with 120 hp");
            attacks(victim, 1);
            victim.sync();
            assertFalse(victim.sees(TROLL), "12 attacks of 10 must kill a troll with 120 hp");
            victim.await(SC_REMOVE_OBJECT, p -> p.id() == TROLL, TestClient.TIMEOUT);
            Packet earned = victim.await(SC_STAT_CHANGE, p -> p.exp() == 60, TestClient.TIMEOUT);
            assertEquals(List.of(100, 60, 1), List.of(earned.maxHp(), earned.exp(), earned.level()),
                    "a troll gives 60 exp: " + earned);
            watcher.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == TROLL);

            // Wait next to its home: it comes back and hits until the victim dies.
            int spot = home + side >= 0 && home + side < W ? home + side : home - side;
            victim.walkToX(spot);
            victim.await(SC_ADD_OBJECT, p -> p.id() == TROLL && p.x() == home, Duration.ofSeconds(15));
            watcher.awaitPacket(SC_ADD_OBJECT, p -> p.id() == TROLL && p.x() == home, Duration.ofSeconds(15));
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (victim.respawns().isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "the troll did not kill the victim within 30 s");
                victim.next(Duration.ofSeconds(10));
            }
            Packet respawn = victim.respawns().get(0);
            assertEquals(0, respawn.moveTime());
            assertTrue(map.isFree(respawn.x(), respawn.y()), "respawned on a wall: " + respawn);

            // The victim's side, in order: hits of 12, removes of everything it saw, the move, full stats.
            List<Packet> h = victim.history();
            int at = h.indexOf(respawn);
            int killAt = h.indexOf(earned);
            List<Packet> hits = new ArrayList<>();
            List<Integer> removedBeforeRespawn = new ArrayList<>();
            for (int i = killAt + 1; i < at; i++) {
                Packet p = h.get(i);
                if (p.type() == SC_STAT_CHANGE) {
                    hits.add(p);
                } else if (p.type() == SC_REMOVE_OBJECT) {
                    removedBeforeRespawn.add(p.id());
                }
            }
            assertFalse(hits.isEmpty(), "the hits before death come as SC_STAT_CHANGE");
            int hp = earned.hp();
            for (Packet p : hits) {
                assertEquals(List.of(hp - 12, 100, 60, 1), List.of(p.hp(), p.maxHp(), p.exp(), p.level()),
                        "a troll hits for 12: " + p);
                hp = p.hp();
            }
            assertTrue(hp > 0 && hp <= 12, "the last hit before death left " + hp + " hp, so the next one killed");
            assertTrue(removedBeforeRespawn.contains(TROLL) && removedBeforeRespawn.contains(watcher.id()),
                    "the dead player loses sight of the troll and the watcher first: " + removedBeforeRespawn);
            Packet after = null;
            for (int i = at + 1; i < h.size() && after == null; i++) {
                if (h.get(i).type() == SC_STAT_CHANGE) {
                    after = h.get(i);
                }
            }
            if (after == null) {
                after = victim.await(SC_STAT_CHANGE, p -> true, TestClient.TIMEOUT);
            }
            assertEquals(List.of(100, 100, 30, 1), List.of(after.hp(), after.maxHp(), after.exp(), after.level()),
                    "after death: full hp, exp 60 halved (hp, max_hp, exp, level): " + after);

            // Back in the world: it sees what is around (the whole corridor here) and is seen.
            victim.sync();
            assertTrue(victim.sees(watcher.id()), "the respawned player sees the watcher again");
            assertTrue(victim.sees(TROLL), "the respawned player sees the troll again");
            watcher.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == victim.id());
            Packet seenAgain = watcher.awaitPacket(SC_ADD_OBJECT, p -> p.id() == victim.id());
            assertEquals(List.of(respawn.x(), respawn.y()), List.of(seenAgain.x(), seenAgain.y()),
                    "the watcher sees the victim where it came back");
            assertEquals("victim", seenAgain.nameString());
            assertEquals(VISUAL_PLAYER, seenAgain.visual());
        }
    }
}
