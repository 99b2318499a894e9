package gameport.world;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import gameport.testing.TestClient.Packet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * CS_ATTACK hits living NPCs on the four neighbouring tiles for 10 + 5 (level - 1); a killed NPC
 * is removed for everyone who saw it, the killer gets exp and SC_STAT_CHANGE, and the NPC comes
 * back at its home after npcRespawnMs. Levels: 50 L (L - 1) total exp, max_hp 100 + 20 (L - 1).
 * Orcs hit an adjacent player for 5 a turn. All on a one-row strip with a view over all of it.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CombatTest {
    static final int MAX_USERS = 100;
    static final int NPC = MAX_USERS; // the only NPC
    static final int W = 12;

    static ServerFixture strip(String engine, String kinds, long actMs, long respawnMs) throws Exception {
        return ServerFixture.start(ServerFixture.config(engine).width(W).height(1).viewRange(20).maxUsers(MAX_USERS)
                .npcs(1).npcKinds(kinds).npcActMs(actMs).npcRespawnMs(respawnMs));
    }

    /** Walks next to the NPC (it may wander meanwhile) and attacks until it is removed; returns the removal. */
    static Packet killWanderer(TestClient c, int npc) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        for (int attacks = 0; ; attacks++) {
            c.sync();
            if (!c.sees(npc)) {
                return c.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == npc);
            }
            if (System.nanoTime() > deadline) {
                throw c.failure("NPC " + npc + " still alive after " + attacks + " attacks");
            }
            int nx = c.viewPos(npc)[0];
            c.walkToX(nx > 0 ? nx - 1 : nx + 1);
            c.attack();
        }
    }

    /** Walks next to a NPC that stays put while the player is next to it (an orc or troll hitting). */
    static void standNextTo(TestClient c, int npc) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) {
            c.sync();
            int nx = c.viewPos(npc)[0];
            if (Math.abs(nx - c.x()) == 1) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw c.failure("could not get next to NPC " + npc + " at " + nx);
            }
            c.walkToX(nx > 0 ? nx - 1 : nx + 1);
        }
    }

    static void attacks(TestClient c, int n) {
        byte[][] burst = new byte[n][];
        for (int i = 0; i < n; i++) {
            burst[i] = TestClient.emptyPacket(CS_ATTACK);
        }
        c.sendRaw(TestClient.concat(burst));
    }

    static long counter(ServerFixture f, TestClient c, java.util.function.LongSupplier s) {
        c.sync();
        c.sync(); // the first sync's batch has published its counters once the second is answered
        return s.getAsLong();
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void killingASlimeGivesExpAndItRespawnsAtHome(String engine) throws Exception {
        long respawnMs = 500;
        // The slime steps once a second, so a walk and an attack usually land before it moves.
        try (ServerFixture f = strip(engine, "1", 1000, respawnMs)) {
            TestClient killer = f.login("killer");
            Packet first = killer.awaitPacket(SC_ADD_OBJECT, p -> p.id() == NPC);
            assertEquals(1, first.visual(), "npcKinds 1: a slime " + first);
            // It slept until this login: it is at its home.
            int home = first.x();
            TestClient watcher = f.login("watcher");
            watcher.awaitPacket(SC_ADD_OBJECT, p -> p.id() == NPC);
            assertEquals(0, counter(f, killer, f.server::npcKills));
            // Let it wander off its home first, so the respawn spot says "home", not "where it died".
            Packet off = killer.awaitPacket(SC_MOVE_OBJECT, p -> p.id() == NPC && p.x() != home,
                    Duration.ofSeconds(15));
            assertEquals(0, off.moveTime());

            Packet removed = killWanderer(killer, NPC);
            Packet stat = killer.awaitPacket(SC_STAT_CHANGE, p -> p.exp() != 0);
            assertEquals(List.of(100, 100, 10, 1), List.of(stat.hp(), stat.maxHp(), stat.exp(), stat.level()),
                    "a slime gives 10 exp (hp, max_hp, exp, level): " + stat);
            watcher.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == NPC);
            watcher.sync();
            assertFalse(watcher.sees(NPC));
            assertEquals(1, counter(f, killer, f.server::npcKills), "npcKills()");
            // Attacking the empty tiles where it was does nothing.
            attacks(killer, 3);
            killer.sync();

            Packet back = killer.awaitPacket(SC_ADD_OBJECT, p -> p.id() == NPC, Duration.ofSeconds(15));
            long afterMs = (back.atNanos() - removed.atNanos()) / 1_000_000;
            System.out.println("[" + engine + "] slime back after " + afterMs + " ms (respawn " + respawnMs + " ms)");
            assertTrue(afterMs >= respawnMs - 200, "respawned after " + afterMs + " ms, before npcRespawnMs");
            assertEquals(List.of(home, 0), List.of(back.x(), back.y()), "respawns at its home: " + back);
            assertEquals(1, back.visual());
            assertEquals("Slime " + NPC, back.nameString());
            Packet watcherBack = watcher.awaitPacket(SC_ADD_OBJECT, p -> p.id() == NPC);
            assertEquals(home, watcherBack.x());
            assertEquals(1, counter(f, killer, f.server::npcKills), "no more kills");
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void orcsChaseAPlayerWithinFiveTilesAndHitWhenAdjacent(String engine) throws Exception {
        // An open 20 x 20 map: the orc closes in diagonally placed distance (Chebyshev box of 5).
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(20).height(20).viewRange(30)
                .maxUsers(MAX_USERS).npcs(1).npcKinds("2").npcActMs(100))) {
            TestClient c = f.login("prey");
            c.awaitPacket(SC_ADD_OBJECT, p -> p.id() == NPC);
            int[] orc = null;
            for (int attempt = 0; attempt < 20; attempt++) {
                c.sync();
                int[] o = c.viewPos(NPC);
                // 4 tiles off in x and in y (Manhattan 8), on whichever side fits in the map.
                int tx = o[0] + 4 < 20 ? o[0] + 4 : o[0] - 4;
                int ty = o[1] + 4 < 20 ? o[1] + 4 : o[1] - 4;
                c.walkTo(tx, ty);
                c.sync();
                o = c.viewPos(NPC);
                if (Math.abs(o[0] - c.x()) <= 5 && Math.abs(o[1] - c.y()) <= 5
                        && Math.abs(o[0] - c.x()) + Math.abs(o[1] - c.y()) >= 4) {
                    orc = o;
                    break;
                }
            }
            assertNotNull(orc, "could not get within 5 tiles of the orc");
            c.clearBacklog();
            int distance = Math.abs(orc[0] - c.x()) + Math.abs(orc[1] - c.y());
            int steps = 0;
            while (distance > 1) {
                Packet m = c.awaitPacket(SC_MOVE_OBJECT, p -> p.id() == NPC, Duration.ofSeconds(10));
                int d = Math.abs(m.x() - c.x()) + Math.abs(m.y() - c.y());
                assertEquals(distance - 1, d, "a chasing orc steps closer each turn (from " + distance + "): " + m);
                assertEquals(1, Math.abs(m.x() - orc[0]) + Math.abs(m.y() - orc[1]), "one tile a step: " + m);
                orc = new int[] {m.x(), m.y()};
                distance = d;
                steps++;
            }
            assertTrue(steps >= 3, "it had at least 3 tiles to close: " + steps);
            Packet hit = c.awaitPacket(SC_STAT_CHANGE, p -> true, Duration.ofSeconds(10));
            assertEquals(95, hit.hp(), "then it hits for 5: " + hit);
            // Adjacent, it hits instead of moving.
            c.awaitPacket(SC_STAT_CHANGE, p -> p.hp() == 90, Duration.ofSeconds(10));
            c.sync();
            for (Packet p : c.backlog()) {
                assertFalse(p.type() == SC_MOVE_OBJECT && p.id() == NPC, "an adjacent orc moved: " + p);
            }
        }
    }

    /**
     * An SC_MOVE_OBJECT about an NPC means it stepped one tile. A chasing orc standing on its
     * prey's tile (objects do not block each other) has nowhere to step towards; it must not report
     * a "move" to the tile it is already on (nor count one in npcMoves()).
     */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void anOrcOnItsPreysTileSendsNoZeroLengthMoves(String engine) throws Exception {
        try (ServerFixture f = strip(engine, "2", 100, 30_000)) {
            TestClient c = f.login("squatter");
            c.awaitPacket(SC_ADD_OBJECT, p -> p.id() == NPC);
            for (int i = 0; ; i++) {
                c.sync();
                int ox = c.viewPos(NPC)[0];
                if (ox == c.x()) {
                    break;
                }
                assertTrue(i < 50, "could not step onto the orc's tile");
                c.walkToX(ox);
            }
            c.clearBacklog();
            int[] last = c.viewPos(NPC);
            long moves = counter(f, c, f.server::npcMoves);
            c.drain(Duration.ofMillis(1000)); // about 10 acts
            c.sync();
            List<Packet> zeroMoves = new ArrayList<>();
            for (Packet p : c.backlog()) {
                if (p.type() == SC_MOVE_OBJECT && p.id() == NPC) {
                    if (p.x() == last[0] && p.y() == last[1]) {
                        zeroMoves.add(p);
                    }
                    last = new int[] {p.x(), p.y()};
                }
            }
            long movesAfter = counter(f, c, f.server::npcMoves);
            assertTrue(zeroMoves.isEmpty(), "the orc on the player's tile (" + c.x() + ",0) sent " + zeroMoves.size()
                    + " SC_MOVE_OBJECT to the tile it was already on in 1 s (npcMoves " + moves + " -> "
                    + movesAfter + "): " + zeroMoves.subList(0, Math.min(3, zeroMoves.size())));
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void tenSlimesMakeLevelTwo(String engine) throws Exception {
        try (ServerFixture f = strip(engine, "1", 1000, 100)) {
            TestClient c = f.login("grinder");
            c.awaitPacket(SC_ADD_OBJECT, p -> p.id() == NPC);
            for (int kill = 1; kill <= 11; kill++) {
                if (kill > 1) {
                    c.awaitPacket(SC_ADD_OBJECT, p -> p.id() == NPC, Duration.ofSeconds(15));
                }
                killWanderer(c, NPC);
                int exp = 10 * kill;
                Packet stat = c.awaitPacket(SC_STAT_CHANGE, p -> p.exp() == exp);
                int level = exp >= 100 ? 2 : 1;
                int maxHp = 100 + 20 * (level - 1);
                assertEquals(List.of(maxHp, maxHp, exp, level), List.of(stat.hp(), stat.maxHp(), stat.exp(),
                        stat.level()), "after kill " + kill + " (hp, max_hp, exp, level): " + stat);
            }
            assertEquals(11, counter(f, c, f.server::npcKills));
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void orcsHitForFiveAndAttacksDealTenThenFifteen(String engine) throws Exception {
        long actMs = 150;
        try (ServerFixture f = strip(engine, "2", actMs, 200)) {
            TestClient c = f.login("fighter");
            Packet first = c.awaitPacket(SC_ADD_OBJECT, p -> p.id() == NPC);
            assertEquals(2, first.visual(), "npcKinds 2: an orc " + first);
            assertEquals("Orc " + NPC, first.nameString());
            int home = first.x();
            standNextTo(c, NPC);

            // It hits: 100 -> 95 -> 90, nothing else changes.
            Packet hit1 = c.awaitPacket(SC_STAT_CHANGE, p -> true, Duration.ofSeconds(10));
            Packet hit2 = c.awaitPacket(SC_STAT_CHANGE, p -> true, Duration.ofSeconds(10));
            assertEquals(List.of(95, 100, 0, 1), List.of(hit1.hp(), hit1.maxHp(), hit1.exp(), hit1.level()),
                    "an orc hits for 5 (hp, max_hp, exp, level): " + hit1);
            assertEquals(List.of(90, 100, 0, 1), List.of(hit2.hp(), hit2.maxHp(), hit2.exp(), hit2.level()));

            // Level 1: 10 a hit, an orc has 60 hp: 5 attacks leave it alive, the 6th kills it.
            int exp = 0;
            int level = 1;
            for (int kill = 1; kill <= 5; kill++) {
                if (kill > 1) {
                    // Back at its home; stand next to it there and wait for it to come back.
                    c.walkToX(home > 0 ? home - 1 : home + 1);
                    Packet back = c.awaitPacket(SC_ADD_OBJECT, p -> p.id() == NPC, Duration.ofSeconds(15));
                    assertEquals(home, back.x(), "respawned at home");
                    standNextTo(c, NPC);
                }
                int damage = 10 + 5 * (level - 1);
                int needed = (60 + damage - 1) / damage;
                attacks(c, needed - 1);
                c.sync();
                assertTrue(c.sees(NPC), "level " + level + " (damage " + damage + "): " + (needed - 1)
                        + " attacks must not kill an orc with 60 hp");
                attacks(c, 1);
                c.sync();
                assertFalse(c.sees(NPC), "level " + level + " (damage " + damage + "): " + needed
                        + " attacks must kill an orc with 60 hp");
                c.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == NPC);
                exp += 25;
                int e = exp;
                Packet stat = c.awaitPacket(SC_STAT_CHANGE, p -> p.exp() == e);
                level = exp >= 100 ? 2 : 1;
                assertEquals(level, stat.level(), "exp " + exp + ": " + stat);
                assertEquals(100 + 20 * (level - 1), stat.maxHp(), stat.toString());
                if (exp == 100) {
                    assertEquals(120, stat.hp(), "a level up refills hp: " + stat);
                } else {
                    assertTrue(stat.hp() > 0 && stat.hp() <= stat.maxHp(), stat.toString());
                }
            }
            // Every hit taken between kills and level-ups was 5.
            c.sync();
            List<Packet> stats = new ArrayList<>();
            stats.add(hit2);
            for (Packet p : c.backlog()) {
                if (p.type() == SC_STAT_CHANGE) {
                    stats.add(p);
                }
            }
            for (int i = 1; i < stats.size(); i++) {
                Packet a = stats.get(i - 1);
                Packet b = stats.get(i);
                if (b.exp() == a.exp()) {
                    assertEquals(a.hp() - 5, b.hp(), "an orc hit takes 5: " + a + " -> " + b);
                }
            }
            assertEquals(5, counter(f, c, f.server::npcKills));
        }
    }
}
