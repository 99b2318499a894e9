package gameport.script;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.server.ServerConfig;
import gameport.testing.LogCapture;
import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import gameport.testing.TestClient.Packet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The script events and API of issue 13, each made visible on the wire: the scripts written here
 * {@code gp.say} what they were told or got back ("enters alice", "hit by alice for 10 hp 15"), and
 * real clients read it as SC_CHAT from the NPC's id, next to the SC_ADD/MOVE/REMOVE_OBJECT and
 * SC_STAT_CHANGE packets the same calls caused. Events: on_wake, on_player_enters,
 * on_player_moves, on_act, on_hit, on_death; API: gp.pos, gp.hp, gp.name, gp.nearest_player,
 * gp.players_near, gp.step, gp.attack, gp.say, gp.act_in, gp.get/set, and "a script acts only for
 * its own NPC". (The greeter, errors, runaways and the sandbox are in {@link ScriptedKindsTest}.)
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ScriptEventsTest {
    static final int MAX_USERS = 100;
    static final int NPC = MAX_USERS; // the first NPC's id

    @TempDir
    Path dir;

    /** Writes {@code dir/file} with these lines (the first is line 1, for the error line numbers). */
    private void script(String file, String... lines) throws Exception {
        Files.writeString(dir.resolve(file), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    }

    /** A server on an open {@code w} x {@code h} map running the scripts of {@code dir}. */
    private ServerConfig open(String engine, int w, int h, int viewRange, String kinds, int npcs) {
        return ServerFixture.config(engine).width(w).height(h).viewRange(viewRange).maxUsers(MAX_USERS).npcs(npcs)
                .npcKinds(kinds).npcActMs(100).scripts(dir.toString());
    }

    /** The next SC_CHAT from {@code npc} whose text starts with {@code prefix}. */
    private static String said(TestClient c, int npc, String prefix) {
        return c.awaitPacket(SC_CHAT, p -> p.id() == npc && p.textString().startsWith(prefix)).textString();
    }

    /** Reads everything sent so far, then takes the backlog's SC_CHATs from {@code npc} in order (and empties it). */
    private static List<String> chatsFrom(TestClient c, int npc) {
        c.sync();
        List<String> out = new ArrayList<>();
        for (Packet p : c.backlog()) {
            if (p.type() == SC_CHAT && p.id() == npc) {
                out.add(p.textString());
            }
        }
        c.clearBacklog();
        return out;
    }

    private static int lastAct(List<String> chats, int before) {
        int last = before;
        for (String s : chats) {
            if (s.startsWith("act ")) {
                last = Math.max(last, Integer.parseInt(s.substring(4)));
            }
        }
        return last;
    }

    /** One step at a time along a one-row strip (right, then left) until {@code npc} is in view. */
    private static void walkUntilSees(TestClient c, int npc, int width) {
        c.sync();
        for (int dir : new int[] {DIR_RIGHT, DIR_LEFT}) {
            while (!c.sees(npc) && (dir == DIR_RIGHT ? c.x() < width - 1 : c.x() > 0)) {
                c.moveAndAwait(dir);
                c.sync(); // an SC_ADD_OBJECT comes after the echo of the move that brought it in view
            }
        }
        assertTrue(c.sees(npc), "walked the whole strip without seeing NPC " + npc);
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void wakeOnceThenEntersForEachPlayerAndNothingWhileAsleepUntilItWakesAgain(String engine) throws Exception {
        script("watcher.lua",
                "kind = { name = \"Watcher\", visual = 5, hp = 50 }",
                "acts = 0 -- a script global: it outlives the NPC's sleep, unlike gp.set",
                "function on_wake(npc)",
                "  gp.say(npc, 'wake acts ' .. acts .. ' mark ' .. tostring(gp.get(npc, 'mark')))",
                "end",
                "function on_player_enters(npc, player)",
                "  gp.say(npc, 'enters ' .. gp.name(player))",
                "end",
                "function on_player_moves(npc, player)",
                "  local x, y = gp.pos(player)",
                "  gp.say(npc, 'moves ' .. gp.name(player) .. ' ' .. x .. ' ' .. y)",
                "end",
                "function on_act(npc)",
                "  acts = acts + 1",
                "  gp.set(npc, 'mark', acts)",
                "  gp.say(npc, 'act ' .. acts)",
                "end");
        int w = 40;
        int r = 3;
        try (ServerFixture f = ServerFixture.start(open(engine, w, 1, r, "watcher", 1))) {
            TestClient alice = f.login("alice");
            walkUntilSees(alice, NPC, w);
            int nx = alice.viewPos(NPC)[0];
            List<String> a = chatsFrom(alice, NPC);
            assertTrue(a.size() >= 2, "wake and enters: " + a);
            assertEquals("wake acts 0 mark nil", a.get(0), "the first thing it does is wake: " + a);
            assertEquals("enters alice", a.get(1), "then the waker enters: " + a);
            assertMovesInView(a, nx, r);
            assertEquals(1, count(a, "wake"), "one wake: " + a);
            int acts = lastAct(a, 0);

            // A second player comes into view: it enters, and the NPC, already awake, does not wake again.
            TestClient bob = f.login("bob");
            bob.walkToX(nx);
            bob.walkToX(nx > 0 ? nx - 1 : nx + 1); // at least one move, ending in view
            List<String> b = chatsFrom(bob, NPC);
            assertEquals("enters bob", b.get(0), "bob's first word from it: " + b);
            assertEquals(0, count(b, "wake"), "no second wake for bob: " + b);
            assertTrue(b.contains("moves bob " + bob.x() + " 0"), "bob's last move, in view: " + b);
            a = chatsFrom(alice, NPC);
            assertEquals(1, count(a, "enters bob"), a.toString());
            assertEquals(0, count(a, "wake") + count(a, "enters alice"), a.toString());
            assertMovesInView(a, nx, r);
            acts = lastAct(b, lastAct(a, acts));
            alice.drain(Duration.ofMillis(300)); // three act periods watched
            a = chatsFrom(alice, NPC);
            acts = lastAct(a, acts);
            assertTrue(acts > 0, "it acts while seen: " + a);

            // Everyone leaves its view (bob first, then alice, who so sees every act up to her leaving).
            int far = nx < w / 2 ? w - 1 : 0;
            bob.walkToX(far);
            alice.walkToX(far);
            a = chatsFrom(alice, NPC);
            bob.sync();
            assertFalse(alice.sees(NPC) || bob.sees(NPC), "out of view at " + far + " from " + nx);
            assertMovesInView(a, nx, r);
            acts = lastAct(a, acts);
            // Five act periods unseen: it falls asleep at the first and acts no more.
            alice.drain(Duration.ofMillis(500));

            // alice comes back: it wakes again (its gp.set state gone), and its act count is where she left it.
            alice.walkToX(nx);
            a = chatsFrom(alice, NPC);
            assertTrue(a.size() >= 2, a.toString());
            assertEquals("wake acts " + acts + " mark nil", a.get(0),
                    "woke again; no act ran while nobody saw it, and gp.set state went with the sleep: " + a);
            assertEquals("enters alice", a.get(1), a.toString());
            assertEquals(1, count(a, "wake"), a.toString());
            alice.sync();
            alice.sync(); // the counters are published by the batch after
            assertEquals(2, f.server.npcWakeUps(), "npcWakeUps()");
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void onHitTellsAttackerDamageAndHpAndOnDeathTheKillerWhoGetsTheKindsExpThenItRespawns(String engine)
            throws Exception {
        script("target.lua",
                "kind = { name = \"Target\", visual = 5, hp = 25, exp = 120, respawn_ms = 300 }",
                "last_death = 'none' -- a script global: what on_death saw, told at the next wake",
                "function on_wake(npc)",
                "  gp.say(npc, 'wake hp ' .. gp.hp(npc) .. ' last death ' .. last_death)",
                "end",
                "function on_hit(npc, player, damage)",
                "  gp.say(npc, 'hit by ' .. gp.name(player) .. ' for ' .. damage .. ' hp ' .. gp.hp(npc))",
                "end",
                "function on_death(npc, killer)",
                "  last_death = 'killer ' .. gp.name(killer) .. ' killer hp ' .. gp.hp(killer)",
                "      .. ' own hp ' .. tostring(gp.hp(npc)) .. ' own pos ' .. tostring(gp.pos(npc))",
                "  gp.log('died, killer ' .. gp.name(killer))",
                "  gp.say(npc, 'famous last words') -- gone from every view: nobody may hear it",
                "end");
        try (LogCapture log = new LogCapture();
             ServerFixture f = ServerFixture.start(open(engine, 12, 1, 20, "target", 1))) {
            TestClient alice = f.login("alice");
            Packet add = alice.awaitPacket(SC_ADD_OBJECT, p -> p.id() == NPC);
            int home = add.x();
            assertEquals("wake hp 25 last death none", said(alice, NPC, "wake"));
            alice.walkToX(home > 0 ? home - 1 : home + 1);
            // A level-1 player hits for 10 (World: 10 + 5 (level - 1)); on_hit sees the hp left.
            alice.attack();
            assertEquals("hit by alice for 10 hp 15", said(alice, NPC, "hit"));
            alice.attack();
            assertEquals("hit by alice for 10 hp 5", said(alice, NPC, "hit"));
            alice.attack();
            alice.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == NPC);
            Packet stat = alice.awaitPacket(SC_STAT_CHANGE, p -> p.exp() != 0);
            // kind.exp = 120: past the 100 of level 2, which makes max hp 120 and refills it.
            assertEquals(List.of(120, 120, 120, 2), List.of(stat.hp(), stat.maxHp(), stat.exp(), stat.level()),
                    "(hp, max_hp, exp, level) after the kill: " + stat);
            alice.sync();
            for (Packet p : alice.backlog()) {
                assertFalse(p.type() == SC_CHAT && p.id() == NPC && !p.textString().startsWith("wake"),
                        "no on_hit for the killing blow, and a dead NPC's gp.say reaches nobody: " + p);
            }
            String line = log.awaitLine("script: died");
            assertTrue(line.endsWith("died, killer alice"), line);

            // kind.respawn_ms = 300 (the world's --npc-respawn-ms is 30 s here): back at home, awake again.
            Packet back = alice.awaitPacket(SC_ADD_OBJECT, p -> p.id() == NPC, Duration.ofSeconds(5));
            assertEquals(home, back.x(), "respawned at home: " + back);
            assertEquals("wake hp 25 last death killer alice killer hp 120 own hp nil own pos nil",
                    said(alice, NPC, "wake"), "what on_death saw: the killer (already paid), itself dead");
            // Level 2 hits for 15.
            alice.attack();
            assertEquals("hit by alice for 15 hp 10", said(alice, NPC, "hit"));
            alice.sync();
            alice.sync();
            assertEquals(1, f.server.npcKills(), "npcKills()");
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void stepIsRefusedByWallsMapEdgesAndBadDirectionsAndAnAcceptedStepIsSeen(String engine) throws Exception {
        // Row 0 is free up to the wall at x = 6; row 1 is all wall. So up is the map's edge, down a
        // wall, left ends at the edge x = 0 and right at the wall x = 6.
        String[] rows = {"......#", "#######"};
        Path map = dir.resolve("steps.map");
        Files.writeString(map, "gameport-map 1 7 2\n" + String.join("\n", rows) + "\n", StandardCharsets.US_ASCII);
        script("stepper.lua",
                "kind = { name = \"Stepper\", visual = 5, hp = 50 }",
                "function on_act(npc)",
                "  local dir = gp.get(npc, 'dir') or gp.LEFT",
                "  local up, down, bad = gp.step(npc, gp.UP), gp.step(npc, gp.DOWN), gp.step(npc, 9)",
                "  local moved = gp.step(npc, dir)",
                "  if not moved then gp.set(npc, 'dir', dir == gp.LEFT and gp.RIGHT or gp.LEFT) end",
                "  local x, y = gp.pos(npc)",
                "  gp.say(npc, 'up ' .. tostring(up) .. ' down ' .. tostring(down) .. ' bad ' .. tostring(bad)",
                "      .. (dir == gp.LEFT and ' left ' or ' right ') .. tostring(moved) .. ' at ' .. x .. ' ' .. y)",
                "end");
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).mapFile(map.toString()).viewRange(20)
                .maxUsers(MAX_USERS).npcs(1).npcKinds("stepper").npcActMs(100).scripts(dir.toString()))) {
            TestClient c = f.login("watcher"); // it never moves: the model's open-map guesses are not needed
            Packet add = c.awaitPacket(SC_ADD_OBJECT, p -> p.id() == NPC);
            int x = add.x();
            assertEquals(0, add.y(), add.toString());
            boolean left = true;
            int accepted = 0;
            int edge = 0;
            int wall = 0;
            int moves = 0;
            int moveX = -1;
            for (int acts = 0; acts < 30 && (accepted < 3 || edge < 1 || wall < 1); ) {
                Packet p = c.next(Duration.ofSeconds(5));
                if (p.type() == SC_MOVE_OBJECT && p.id() == NPC) {
                    moves++;
                    moveX = p.x();
                    assertEquals(0, p.y(), p.toString());
                } else if (p.type() == SC_CHAT && p.id() == NPC) {
                    acts++;
                    int to = left ? x - 1 : x + 1;
                    boolean free = to >= 0 && to < rows[0].length() && rows[0].charAt(to) == '.';
                    String expected = "up false down false bad false" + (left ? " left " : " right ") + free
                            + " at " + (free ? to : x) + " 0";
                    assertEquals(expected, p.textString(), "act " + acts + " from x = " + x);
                    if (free) {
                        assertEquals(1, moves, "one SC_MOVE_OBJECT for the accepted step, before its chat");
                        assertEquals(to, moveX, "the SC_MOVE_OBJECT's x");
                        x = to;
                        accepted++;
                    } else {
                        assertEquals(0, moves, "no SC_MOVE_OBJECT for a refused step");
                        left = !left;
                        if (to < 0) {
                            edge++;
                        } else {
                            wall++;
                        }
                    }
                    moves = 0;
                }
            }
            assertTrue(accepted >= 3 && edge >= 1 && wall >= 1,
                    "accepted " + accepted + ", refused by the edge " + edge + " and by the wall " + wall);
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void attackHitsForTheKindsDamageOnlyAPlayerOnItsTileOrNextToIt(String engine) throws Exception {
        script("biter.lua",
                "kind = { name = \"Biter\", visual = 5, hp = 50, damage = 7 }",
                "function on_player_moves(npc, player)",
                "  local hit = gp.attack(npc, player)",
                "  gp.say(npc, 'attack ' .. tostring(hit) .. ' hp ' .. gp.hp(player))",
                "end");
        int w = 12;
        try (ServerFixture f = ServerFixture.start(open(engine, w, 2, 20, "biter", 1))) {
            TestClient c = f.login("alice");
            Packet add = c.awaitPacket(SC_ADD_OBJECT, p -> p.id() == NPC);
            int nx = add.x();
            int ny = add.y();
            int[] hp = {100};
            int[] hits = {0};
            int[] misses = {0};
            Bite bite = dir -> {
                c.clearBacklog();
                c.moveAndAwait(dir);
                int distance = Math.abs(c.x() - nx) + Math.abs(c.y() - ny);
                String text = said(c, NPC, "attack");
                List<Packet> stats = c.backlog().stream().filter(p -> p.type() == SC_STAT_CHANGE).toList();
                if (distance <= 1) {
                    hp[0] -= 7;
                    hits[0]++;
                    assertEquals(1, stats.size(), "a hit at distance " + distance + " is one SC_STAT_CHANGE: " + stats);
                    assertEquals(hp[0], stats.get(0).hp(), "kind.damage 7: " + stats.get(0));
                } else {
                    misses[0]++;
                    assertEquals(List.of(), stats, "no hit at distance " + distance);
                }
                assertEquals("attack " + (distance <= 1) + " hp " + hp[0], text,
                        "alice at (" + c.x() + "," + c.y() + "), the NPC at (" + nx + "," + ny + ")");
                return distance;
            };
            // Far along the other row, then: diagonal (distance 2), next to it, on its tile, next to it, away.
            int farX = nx < w / 2 ? w - 1 : 0;
            int oy = 1 - ny;
            int toward = farX > nx ? DIR_LEFT : DIR_RIGHT;
            int away = farX > nx ? DIR_RIGHT : DIR_LEFT;
            while (c.x() != farX) {
                bite.move(c.x() < farX ? DIR_RIGHT : DIR_LEFT);
            }
            if (c.y() != oy) {
                bite.move(oy > c.y() ? DIR_DOWN : DIR_UP);
            }
            int before = hits[0];
            while (Math.abs(c.x() - nx) > 1) {
                assertTrue(bite.move(toward) >= 2, "on the other row, not yet next to it");
            }
            assertEquals(2, Math.abs(c.x() - nx) + Math.abs(c.y() - ny), "diagonal");
            assertEquals(before, hits[0], "no hit from the other row short of its column");
            assertEquals(1, bite.move(ny > oy ? DIR_DOWN : DIR_UP), "next to it");
            assertEquals(0, bite.move(toward), "on its tile");
            assertEquals(1, bite.move(oy > ny ? DIR_DOWN : DIR_UP), "next to it again");
            assertEquals(2, bite.move(away), "diagonal again");
            assertEquals(before + 3, hits[0], "three hits from the three moves in reach");
            assertTrue(misses[0] >= 2, "misses " + misses[0]);
            assertEquals(hp[0], c.stats().get(0), "the client's hp");
        }
    }

    /** One move of alice's and what the biter answered to it; returns her distance to it after. */
    private interface Bite {
        int move(int dir);
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void actInFromAnActPutsTheNextActThatFarOffOnce(String engine) throws Exception {
        script("pacer.lua",
                "kind = { name = \"Pacer\", visual = 5, hp = 50 }",
                "acts = 0",
                "function on_act(npc)",
                "  acts = acts + 1",
                "  gp.say(npc, 'act ' .. acts)",
                "  if acts == 1 then gp.act_in(npc, 1500) end",
                "end");
        try (ServerFixture f = ServerFixture.start(open(engine, 12, 1, 20, "pacer", 1))) {
            TestClient c = f.login("alice");
            Packet first = c.awaitPacket(SC_CHAT, p -> p.id() == NPC && p.textString().equals("act 1"));
            // --npc-act-ms is 100: without act_in there would be seven more acts by now.
            c.expectNoPacket(SC_CHAT, p -> p.id() == NPC, Duration.ofMillis(800));
            Packet second = c.awaitPacket(SC_CHAT, p -> p.id() == NPC && p.textString().equals("act 2"),
                    Duration.ofSeconds(3));
            // act_in holds for one act: the next comes one act period later.
            Packet third = c.awaitPacket(SC_CHAT, p -> p.id() == NPC && p.textString().equals("act 3"),
                    Duration.ofMillis(1000));
            System.out.println("[" + engine + "] act_in(1500): acts 1 -> 2 in "
                    + (second.atNanos() - first.atNanos()) / 1_000_000 + " ms, 2 -> 3 in "
                    + (third.atNanos() - second.atNanos()) / 1_000_000 + " ms");
        }
    }

    /** gp.act_in from an event (the greeter calls it from on_player_moves) schedules the next act too. */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void actInFromAnEventPutsTheNextActThatFarOff(String engine) throws Exception {
        script("sleepy.lua",
                "kind = { name = \"Sleepy\", visual = 5, hp = 50 }",
                "function on_wake(npc)",
                "  gp.say(npc, 'wake')",
                "  gp.act_in(npc, 1500)",
                "end",
                "function on_act(npc)",
                "  gp.say(npc, 'act')",
                "end");
        try (ServerFixture f = ServerFixture.start(open(engine, 12, 1, 20, "sleepy", 1))) {
            TestClient c = f.login("alice");
            Packet wake = c.awaitPacket(SC_CHAT, p -> p.id() == NPC && p.textString().equals("wake"));
            c.expectNoPacket(SC_CHAT, p -> p.id() == NPC && p.textString().equals("act"), Duration.ofMillis(800));
            Packet act = c.awaitPacket(SC_CHAT, p -> p.id() == NPC && p.textString().equals("act"),
                    Duration.ofSeconds(3));
            System.out.println("[" + engine + "] act_in(1500) in on_wake: first act after "
                    + (act.atNanos() - wake.atNanos()) / 1_000_000 + " ms");
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void posHpNearestPlayerAndPlayersNearAnswerForItselfAndPlayersWithinTheRange(String engine) throws Exception {
        script("counter.lua",
                "kind = { name = \"Counter\", visual = 5, hp = 42 }",
                "function on_player_moves(npc, player)",
                "  local x, y = gp.pos(npc)",
                "  local px, py = gp.pos(player)",
                "  local t = { 'self ' .. x .. ' ' .. y .. ' hp ' .. gp.hp(npc),",
                "              'mover ' .. gp.name(player) .. ' ' .. px .. ' ' .. py .. ' hp ' .. gp.hp(player) }",
                "  for _, r in ipairs({1, 2, 3, 5}) do",
                "    local n = gp.nearest_player(npc, r)",
                "    t[#t + 1] = 'r' .. r .. ' ' .. (n >= 0 and gp.name(n) or '-') .. ' ' .. #gp.players_near(npc, r)",
                "  end",
                "  t[#t + 1] = 'nobody ' .. tostring(gp.pos(99)) .. ' ' .. tostring(gp.hp(99))",
                "  gp.say(npc, table.concat(t, ', '))",
                "end");
        int w = 20;
        try (ServerFixture f = ServerFixture.start(open(engine, w, w, 30, "counter", 1))) {
            TestClient alice = f.login("alice");
            Packet add = alice.awaitPacket(SC_ADD_OBJECT, p -> p.id() == NPC);
            int nx = add.x();
            int ny = add.y();
            int sx = nx < w / 2 ? 1 : -1;
            int sy = ny < w / 2 ? 1 : -1;
            // bob 3 off in x and in y (box 3, Manhattan 6), carol 5 off in y (box 5, Manhattan 5).
            TestClient bob = f.login("bob");
            bob.walkTo(nx + 3 * sx, ny + 3 * sy);
            TestClient carol = f.login("carol");
            carol.walkTo(nx, ny + 5 * sy);
            // alice 2 off in x: the nearest from range 2 up.
            String status = arrive(alice, nx + 2 * sx, ny, sx > 0 ? DIR_RIGHT : DIR_LEFT);
            assertEquals("self " + nx + " " + ny + " hp 42, mover alice " + (nx + 2 * sx) + " " + ny + " hp 100, "
                    + "r1 - 0, r2 alice 1, r3 alice 2, r5 alice 3, nobody nil nil", status);
            // alice out of range 5: the nearest within 5 is carol (Manhattan 5), not bob (6), though
            // bob alone is within 3.
            status = arrive(alice, nx + 8 * sx, ny + 8 * sy, sx > 0 ? DIR_RIGHT : DIR_LEFT);
            assertEquals("self " + nx + " " + ny + " hp 42, mover alice " + (nx + 8 * sx) + " " + (ny + 8 * sy)
                    + " hp 100, r1 - 0, r2 - 0, r3 bob 1, r5 carol 2, nobody nil nil", status);
        }
    }

    /** Walks {@code c} next to (x, y), then onto it with one move in {@code lastDir}; returns what the NPC said to that move. */
    private static String arrive(TestClient c, int x, int y, int lastDir) {
        c.walkTo(lastDir == DIR_RIGHT ? x - 1 : x + 1, y);
        c.sync();
        c.clearBacklog();
        c.moveAndAwait(lastDir);
        return said(c, NPC, "self");
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void actingForAnotherIdIsAScriptErrorWithFileLineAndNpc(String engine) throws Exception {
        // NPC 100 + k tries API call k for the next NPC (the last one: for the player).
        script("meddler.lua",
                "kind = { name = \"Meddler\", visual = 5, hp = 50, damage = 50 }",
                "function on_player_enters(npc, player)",
                "  local k = npc - " + NPC,
                "  local other = npc + 1",
                "  if k == 0 then gp.step(other, gp.LEFT)",        // line 5
                "  elseif k == 1 then gp.attack(other, player)",    // 6
                "  elseif k == 2 then gp.say(other, 'hijacked')",   // 7
                "  elseif k == 3 then gp.act_in(other, 10)",        // 8
                "  elseif k == 4 then gp.set(other, 'k', 1)",       // 9
                "  elseif k == 5 then gp.get(other, 'k')",          // 10
                "  elseif k == 6 then gp.nearest_player(other, 5)", // 11
                "  elseif k == 7 then gp.players_near(other, 5)",   // 12
                "  else gp.say(player, 'as a player') end",         // 13
                "end");
        int npcs = 9;
        try (LogCapture log = new LogCapture();
             ServerFixture f = ServerFixture.start(open(engine, 12, 2, 20, "meddler", npcs))) {
            TestClient c = f.login("alice");
            for (int k = 0; k < npcs; k++) {
                int npc = NPC + k;
                int other = k < npcs - 1 ? npc + 1 : c.id();
                String line = log.awaitLine(" of NPC " + npc + ":");
                assertTrue(line.contains("script error in meddler.lua on_player_enters of NPC " + npc + ":"), line);
                assertTrue(line.contains("meddler.lua:" + (5 + k)), "the line of call " + k + ": " + line);
                assertTrue(line.contains("acts only for its own NPC (" + npc + "), not " + other), line);
            }
            c.drain(Duration.ofMillis(300));
            c.sync();
            for (Packet p : c.backlog()) {
                assertFalse(p.type() == SC_CHAT && p.id() != c.id() || p.type() == SC_STAT_CHANGE
                        || p.type() == SC_MOVE_OBJECT && p.id() != c.id(), "nothing done for another id: " + p);
            }
        }
    }

    /**
     * A script error is one log line that reads like a load error ("bad.lua:3: ..."; LuaKinds
     * compiles chunks as "@file" so that "errors read orc.lua:12: ..."), whether Lua itself or the
     * API raised it.
     */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void aScriptErrorIsOneLogLineReadingFileColonLine(String engine) throws Exception {
        script("oops.lua",
                "kind = { name = \"Oops\", visual = 5, hp = 50 }",
                "function on_player_enters(npc, player)",
                "  if npc == " + NPC + " then",
                "    return player.name", // line 4: Lua's own error
                "  end",
                "  gp.say(player, 'hello')", // line 6: the API's
                "end");
        try (LogCapture log = new LogCapture();
             ServerFixture f = ServerFixture.start(open(engine, 12, 1, 20, "oops", 2))) {
            TestClient c = f.login("alice");
            for (int k = 0; k < 2; k++) {
                String line = log.awaitLine(" of NPC " + (NPC + k) + ":");
                String where = "oops.lua:" + (k == 0 ? 4 : 6) + ": ";
                assertTrue(line.contains("on_player_enters of NPC " + (NPC + k) + ": " + where), line);
                assertFalse(line.contains("\n"), "one line: " + line);
                assertTrue(line.endsWith("; that NPC sleeps"), line);
            }
            c.assertOpen();
        }
    }


    private static int count(List<String> chats, String prefix) {
        return (int) chats.stream().filter(s -> s.startsWith(prefix)).count();
    }

    /** Every "moves NAME x y" is about a player who sees the NPC (within R of it) after its move. */
    private static void assertMovesInView(List<String> chats, int nx, int r) {
        for (String s : chats) {
            if (s.startsWith("moves ")) {
                int x = Integer.parseInt(s.split(" ")[2]);
                assertTrue(Math.abs(x - nx) <= r, "on_player_moves for a player out of view: " + s + " (NPC at " + nx
                        + ")");
            }
        }
    }
}
