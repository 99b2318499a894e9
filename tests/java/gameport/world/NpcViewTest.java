package gameport.world;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import gameport.testing.TestClient.Packet;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * NPCs reach clients by the view rules: SC_ADD_OBJECT (visual = kind, id after the players' range,
 * a name like "Orc 10003") when one comes into view, SC_MOVE_OBJECT with move_time 0 while in
 * view, SC_REMOVE_OBJECT when it leaves. The TestClient model checks the order on every packet.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NpcViewTest {
    static final String[] KIND_NAMES = {null, "Slime", "Orc", "Troll"};

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void npcsAreAddedWithKindIdAndName(String engine) throws Exception {
        int maxUsers = 100;
        int npcs = 30;
        // NPCs act once a minute here: nothing moves or attacks during the test.
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(20).height(20).viewRange(20)
                .maxUsers(maxUsers).npcs(npcs).npcKinds("1,2,3").npcActMs(60_000))) {
            TestClient a = f.login("alice");
            a.sync();
            Set<Integer> expected = new TreeSet<>();
            for (int i = 0; i < npcs; i++) {
                expected.add(maxUsers + i);
            }
            assertEquals(expected, a.viewIds(), "a view over the whole map holds every NPC, ids maxUsers + index");
            Map<Integer, Packet> adds = new HashMap<>();
            Set<Integer> kinds = new TreeSet<>();
            for (Packet p : a.backlog()) {
                if (p.type() == SC_ADD_OBJECT) {
                    assertNull(adds.put(p.id(), p), "added twice: " + p);
                    assertTrue(p.visual() >= 1 && p.visual() <= 3, "NPC visual is its kind 1..3: " + p);
                    assertEquals(KIND_NAMES[p.visual()] + " " + p.id(), p.nameString(), "NPC name: " + p);
                    kinds.add(p.visual());
                }
            }
            assertEquals(expected, adds.keySet());
            System.out.println("[" + engine + "] NPC kinds seen among " + npcs + ": " + kinds);

            // A second player sees the same NPCs, at the same places, and the first player.
            TestClient b = f.login("bob");
            b.sync();
            Set<Integer> withAlice = new TreeSet<>(expected);
            withAlice.add(a.id());
            assertEquals(withAlice, b.viewIds());
            for (int id : expected) {
                assertArrayEquals(a.viewPos(id), b.viewPos(id), "NPC " + id + " at the same place for both");
                assertEquals(a.viewName(id), b.viewName(id));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void npcMovesAreSeenAndItIsRemovedOutOfView(String engine) throws Exception {
        int maxUsers = 100;
        int npc = maxUsers; // the only NPC
        int r = 4;
        int w = 60;
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(w).height(1).viewRange(r)
                .maxUsers(maxUsers).npcs(1).npcKinds("1").npcActMs(50))) {
            TestClient a = f.login("hunter");
            // Find the sleeping slime: walk the strip from x = 0 one step at a time.
            a.walkToX(0);
            a.sync();
            while (!a.sees(npc)) {
                assertTrue(a.x() < w - 1, "walked the whole strip without seeing the NPC");
                a.moveAndAwait(DIR_RIGHT);
                a.sync();
            }
            Packet add = a.awaitPacket(SC_ADD_OBJECT, p -> p.id() == npc);
            assertEquals(1, add.visual(), "a slime: " + add);
            assertEquals("Slime " + npc, add.nameString());
            assertTrue(Math.abs(add.x() - a.x()) <= r, "added when it comes within R: " + add);

            // Its moves reach the player, one tile at a time with move_time 0. Stay on top of it.
            // Packets about it are taken in arrival order (the backlog first), so each move is
            // checked against the position before it.
            int[] last = {add.x(), add.y()};
            int seen = 0;
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (seen < 5) {
                assertTrue(System.nanoTime() < deadline, "only " + seen + " NPC moves seen in 20 s");
                Packet p = a.next(Duration.ofSeconds(5));
                if (p.id() != npc) {
                    continue;
                }
                if (p.type() == SC_ADD_OBJECT) {
                    last = new int[] {p.x(), p.y()};
                } else if (p.type() == SC_REMOVE_OBJECT) {
                    // It stepped out of view on its own (and falls asleep): walk to where it was.
                    a.walkToX(last[0]);
                } else if (p.type() == SC_MOVE_OBJECT) {
                    assertEquals(0, p.moveTime(), "NPC moves carry move_time 0: " + p);
                    assertEquals(1, Math.abs(p.x() - last[0]), "one tile along the strip from " + last[0] + ": " + p);
                    assertEquals(0, p.y());
                    last = new int[] {p.x(), p.y()};
                    seen++;
                    if (Math.abs(a.x() - p.x()) > 1) {
                        a.walkToX(p.x());
                    }
                }
            }

            // Walk far away: the NPC leaves the view with SC_REMOVE_OBJECT.
            a.sync();
            int away = a.viewPos(npc) != null && a.viewPos(npc)[0] < w / 2 ? w - 1 : 0;
            a.walkToX(away);
            a.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == npc);
            a.sync();
            assertFalse(a.sees(npc));
            // Unwatched, it sleeps: it does not walk back into view on its own.
            a.expectNoPacket(SC_ADD_OBJECT, p -> p.id() == npc, Duration.ofMillis(500));
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void teleportingAwayRemovesTheNpcAndComingBackAddsIt(String engine) throws Exception {
        int maxUsers = 100;
        int npc = maxUsers;
        int r = 3;
        // Act once a minute: the NPC stays at its home, so the test knows where it is.
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(200).height(1).viewRange(r)
                .maxUsers(maxUsers).npcs(1).npcKinds("2").npcActMs(60_000))) {
            TestClient a = f.login("jumper");
            a.walkToX(0);
            a.sync();
            while (!a.sees(npc)) {
                a.walkToX(a.x() + 1);
                a.sync();
            }
            Packet add = a.awaitPacket(SC_ADD_OBJECT, p -> p.id() == npc);
            assertEquals(2, add.visual());
            assertEquals("Orc " + npc, add.nameString());
            int home = add.x();
            boolean removed = false;
            for (int i = 0; i < 100 && !removed; i++) {
                Packet t = a.teleportAndAwait();
                a.sync();
                boolean far = Math.abs(t.x() - home) > r;
                assertEquals(!far, a.sees(npc), "after a teleport to " + t.x() + " with the NPC at " + home);
                if (far) {
                    a.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == npc);
                    removed = true;
                }
            }
            assertTrue(removed, "100 teleports on a 200-tile strip never left the NPC's view");
            a.walkToX(home + r + 1 <= 199 ? home + r + 1 : home - r - 1);
            a.sync();
            assertFalse(a.sees(npc), "R+1 away is out of view");
            a.clearBacklog();
            a.walkToX(home + r <= 199 ? home + r : home - r);
            Packet back = a.awaitPacket(SC_ADD_OBJECT, p -> p.id() == npc);
            assertEquals(home, back.x(), "added again where it stands: " + back);
            assertEquals(2, back.visual());
        }
    }
}
