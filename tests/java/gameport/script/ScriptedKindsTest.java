package gameport.script;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.server.GameServer;
import gameport.testing.LogCapture;
import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import gameport.testing.TestClient.Packet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * NPC kinds in Lua, through a real server and real clients: the course's greeting exercise, a
 * script that fails at run time, a runaway script, and scripts that cannot load. (Today's slime,
 * orc and troll run as the jar's scripts in every world test: scripts are the default.)
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ScriptedKindsTest {
    static final int MAX_USERS = 100;
    static final int NPC = MAX_USERS; // the first NPC's id

    @TempDir
    Path dir;

    private ServerFixture strip(String engine, String scripts, String kinds, int npcs) throws Exception {
        return ServerFixture.start(ServerFixture.config(engine).width(12).height(1).viewRange(20).maxUsers(MAX_USERS)
                .npcs(npcs).npcKinds(kinds).npcActMs(100).scripts(scripts));
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void theGreeterGreetsAVisitorWalksThreeStepsAndSaysGoodbye(String engine) throws Exception {
        try (ServerFixture f = strip(engine, "builtin", "greeter", 1)) {
            TestClient c = f.login("visitor");
            Packet greeter = c.awaitPacket(SC_ADD_OBJECT, p -> p.id() == NPC);
            assertEquals(4, greeter.visual(), "the greeter's visual, from its script");
            assertTrue(greeter.nameString().startsWith("Greeter "), greeter.nameString());
            c.expectNoPacket(SC_MOVE_OBJECT, p -> p.id() == NPC, Duration.ofMillis(400)); // it waits for a visitor
            // Step off its tile if the login put the visitor there, then onto it: a step triggers the greeting.
            c.walkToX(greeter.x() > 0 ? greeter.x() - 1 : greeter.x() + 1);
            c.walkToX(greeter.x());
            assertEquals("Hello, visitor!", c.awaitPacket(SC_CHAT, p -> p.id() == NPC).textString());
            int x = greeter.x();
            for (int step = 0; step < 3; step++) {
                Packet move = c.awaitPacket(SC_MOVE_OBJECT, p -> p.id() == NPC);
                assertEquals(1, Math.abs(move.x() - x), "one tile per step: " + move);
                x = move.x();
            }
            assertEquals("Goodbye!", c.awaitPacket(SC_CHAT, p -> p.id() == NPC).textString());
            c.expectNoPacket(SC_MOVE_OBJECT, p -> p.id() == NPC, Duration.ofMillis(400)); // and waits again
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void aScriptErrorIsLoggedWithFileLineAndNpcAndCostsOnlyThatNpc(String engine) throws Exception {
        Files.writeString(dir.resolve("slime.lua"), "kind = { name = \"Slime\", visual = 1, hp = 30 }\n"
                + "function on_act(npc) gp.step(npc, gp.random(4)) end\n");
        Files.writeString(dir.resolve("broken.lua"), "kind = { name = \"Broken\", visual = 5, hp = 10 }\n"
                + "function on_act(npc)\n"
                + "  local t = nil\n"
                + "  return t.field\n"
                + "end\n");
        try (LogCapture log = new LogCapture(); ServerFixture f = strip(engine, dir.toString(), "broken", 1)) {
            TestClient c = f.login("witness");
            c.awaitPacket(SC_ADD_OBJECT, p -> p.id() == NPC && p.visual() == 5);
            String line = log.awaitLine("script error in broken.lua");
            assertTrue(line.contains("broken.lua:4") && line.contains("NPC " + NPC) && line.contains("sleeps"), line);
            // It sleeps: no second error while the witness keeps watching, and the world goes on.
            for (int i = 0; i < 5; i++) {
                c.moveAndAwait(i % 2 == 0 ? DIR_RIGHT : DIR_LEFT);
            }
            Thread.sleep(500);
            assertEquals(1, log.lines().stream().filter(l -> l.contains("script error in broken.lua")).count());
            c.assertOpen();
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void aRunawayScriptIsAbandonedAndItsKindMarkedFaulty(String engine) throws Exception {
        Files.writeString(dir.resolve("spinner.lua"), "kind = { name = \"Spinner\", visual = 6, hp = 10 }\n"
                + "function on_player_enters(npc, player)\n"
                + "  while true do pcall(function() while true do end end) end\n"
                + "end\n");
        try (LogCapture log = new LogCapture(); ServerFixture f = strip(engine, dir.toString(), "spinner", 5)) {
            TestClient c = f.login("bystander");
            log.awaitLine("is faulty after " + LuaBrain.MAX_RUNAWAYS);
            long runaways = log.lines().stream().filter(l -> l.contains("ran past")).count();
            assertEquals(LuaBrain.MAX_RUNAWAYS, runaways, "abandoned until the kind was faulty, then no more calls");
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                c.moveAndAwait(i % 2 == 0 ? DIR_RIGHT : DIR_LEFT);
                assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "the game thread answers");
            }
            c.assertOpen();
        }
    }

    /**
     * A script with no loop runs as JVM bytecode, and can still recurse: without end (stopped at
     * the depth limit, a script error), or fanning out, two pcalls per level (stopped by the
     * budget: every compiled call pays its length). Either costs only that NPC.
     */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void aCompiledScriptThatRecursesIsStoppedAndCostsOnlyThatNpc(String engine) throws Exception {
        Files.writeString(dir.resolve("deep.lua"), "kind = { name = \"Deep\", visual = 6, hp = 10 }\n"
                + "function twice() pcall(twice) pcall(twice) end\n"
                + "function on_player_enters(npc, player)\n"
                + "  if npc % 2 == 0 then on_player_enters(npc, player) else twice() end\n"
                + "end\n");
        try (LogCapture log = new LogCapture(); ServerFixture f = strip(engine, dir.toString(), "deep", 2)) {
            assertTrue(log.awaitLine("NPC kinds from Lua scripts").contains("compiled to JVM bytecode: deep.lua"));
            TestClient c = f.login("bystander");
            String deep = log.awaitLine("on_player_enters of NPC " + NPC + ":");
            assertTrue(deep.contains("script error in deep.lua") && deep.contains("stack overflow (calls nested over"),
                    deep);
            log.awaitLine("on_player_enters of NPC " + (NPC + 1) + " ran past " + LuaBrain.CALLBACK_BUDGET);
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                c.moveAndAwait(i % 2 == 0 ? DIR_RIGHT : DIR_LEFT);
                assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "the game thread answers");
            }
            c.assertOpen();
        }
    }

    /**
     * A callback that asks for more memory than there is: abandoned like a runaway, the world goes
     * on. string.rep makes at most 1 MiB, so the hog doubles that to 512 MiB and then asks for
     * 1.5 GiB more: past the tests' -Xmx2g (pom.xml) with the 512 MiB held. Filling the heap takes
     * seconds, so one NPC (three abandoned callbacks make a kind faulty: the runaway tests).
     */
    @Test
    void aScriptThatAsksForAllTheMemoryIsAbandoned() throws Exception {
        Files.writeString(dir.resolve("hog.lua"), "kind = { name = \"Hog\", visual = 6, hp = 10 }\n"
                + "function on_player_enters(npc, player)\n"
                + "  local s = string.rep(\"x\", 1048576)\n"
                + "  s = s .. s; s = s .. s; s = s .. s; s = s .. s; s = s .. s\n"
                + "  s = s .. s; s = s .. s; s = s .. s; s = s .. s\n"
                + "  local t = s .. s .. s\n"
                + "end\n");
        try (LogCapture log = new LogCapture(); ServerFixture f = strip("java", dir.toString(), "hog", 1)) {
            TestClient c = f.login("bystander");
            String line = log.awaitLine("on_player_enters of NPC " + NPC);
            assertTrue(line.endsWith("ran out of memory and was abandoned (1 of " + LuaBrain.MAX_RUNAWAYS
                    + "); that NPC sleeps"), line);
            c.moveAndAwait(c.x() > 0 ? DIR_LEFT : DIR_RIGHT);
            c.assertOpen();
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void anErrorInAnInterpretedScriptNamesFileAndLineToo(String engine) throws Exception {
        Files.writeString(dir.resolve("loopy.lua"), "kind = { name = \"Loopy\", visual = 5, hp = 10 }\n"
                + "function on_player_enters(npc, player)\n"
                + "  for i = 1, 2 do end\n"
                + "  return player.name\n"
                + "end\n");
        try (LogCapture log = new LogCapture(); ServerFixture f = strip(engine, dir.toString(), "loopy", 1)) {
            assertTrue(log.awaitLine("NPC kinds from Lua scripts").contains("instruction budget: loopy.lua"));
            f.login("witness");
            String line = log.awaitLine("script error in loopy.lua");
            assertTrue(line.contains("of NPC " + NPC + ": loopy.lua:4: attempt to index") && !line.contains("\n"),
                    line);
        }
    }

    /**
     * A kind's visual may be up to 255: NPCs keep it in a byte, read unsigned (a signed read made
     * 200 a negative index). The wire's visual is an i32, so clients get 200; stats, name, the
     * hit callback and the kill all find the kind.
     */
    @Test
    void aKindWithAVisualAbove127IsAKindLikeAnyOther() throws Exception {
        Files.writeString(dir.resolve("big.lua"), "kind = { name = \"Big\", visual = 200, hp = 20, exp = 7 }\n"
                + "function on_hit(npc, player, damage) gp.say(npc, \"ouch \" .. damage) end\n");
        try (LogCapture log = new LogCapture(); ServerFixture f = strip("java", dir.toString(), "big", 1)) {
            TestClient c = f.login("hunter");
            Packet big = c.awaitPacket(SC_ADD_OBJECT, p -> p.id() == NPC);
            assertEquals(200, big.visual());
            assertEquals("Big " + NPC, big.nameString());
            c.walkToX(big.x() > 0 ? big.x() - 1 : big.x() + 1);
            c.attack();
            assertEquals("ouch 10", c.awaitPacket(SC_CHAT, p -> p.id() == NPC).textString());
            c.attack(); // 20 hp: the second hit kills
            c.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == NPC);
            assertEquals(7, c.awaitPacket(SC_STAT_CHANGE, p -> p.exp() != 0).exp());
            assertEquals(0, log.lines().stream().filter(l -> l.contains("Exception")).count(), log.lines().toString());
        }
    }

    /** The kind table is read raw: a metamethod of it would run after the top level's budget ended. */
    @Test
    void aKindTablesMetamethodsAreNotRun() throws Exception {
        Files.writeString(dir.resolve("meta.lua"), "kind = setmetatable({ name = \"Meta\", visual = 5 },\n"
                + "  { __index = function(t, k) while true do end end })\n");
        ScriptException e = assertThrows(ScriptException.class, () -> GameServer.start(
                ServerFixture.config("java").scripts(dir.toString()).npcKinds("meta").npcs(1)));
        assertEquals("meta.lua: kind.hp is required", e.getMessage());
    }

    /** LuaJC compiles a function into one JVM method: a script past its 64 KiB is interpreted instead. */
    @Test
    void aScriptTooBigForLuaJcIsInterpreted() throws Exception {
        Files.writeString(dir.resolve("huge.lua"), "kind = { name = \"Huge\", visual = 5, hp = 10 }\nlocal a = 0\n"
                + "a = a + 1\n".repeat(10_000));
        try (LogCapture log = new LogCapture();
             GameServer server = GameServer.start(ServerFixture.config("java").scripts(dir.toString())
                     .npcKinds("huge").npcs(1))) {
            assertTrue(log.awaitLine("huge.lua: LuaJC cannot compile it").endsWith("; it is interpreted"));
            assertTrue(log.awaitLine("NPC kinds from Lua scripts").contains("instruction budget: huge.lua"));
        }
    }

    /** gp is whole before any script runs: a top level may keep its functions; calling them there is an error. */
    @Test
    void aTopLevelMayKeepApiFunctionsButNotCallThem() throws Exception {
        Files.writeString(dir.resolve("keeper.lua"), "local say, name = gp.say, gp.name\n"
                + "kind = { name = \"Keeper\", visual = 5, hp = 10 }\n"
                + "function on_player_enters(npc, player) say(npc, \"kept \" .. name(player)) end\n");
        try (ServerFixture f = strip("java", dir.toString(), "keeper", 1)) {
            TestClient c = f.login("guest");
            assertEquals("kept guest", c.awaitPacket(SC_CHAT, p -> p.id() == NPC).textString());
        }
        Files.delete(dir.resolve("keeper.lua"));
        Files.writeString(dir.resolve("early.lua"), "kind = { name = \"Early\", visual = 5, hp = 10 }\n"
                + "local x = gp.pos(1)\n");
        ScriptException e = assertThrows(ScriptException.class, () -> GameServer.start(
                ServerFixture.config("java").scripts(dir.toString()).npcKinds("early").npcs(1)));
        assertTrue(e.getMessage().startsWith("early.lua:2:") && e.getMessage().contains("not at a script's top level"),
                e.getMessage());
    }

    @Test
    void aScriptThatDoesNotCompileStopsTheStartNamingFileAndLine() throws Exception {
        Files.writeString(dir.resolve("bad.lua"), "kind = { name = \"Bad\", visual = 5, hp = 10 }\n"
                + "function on_act(npc)\n"
                + "  gp.step(npc,, 1)\n"
                + "end\n");
        ScriptException e = assertThrows(ScriptException.class, () -> GameServer.start(
                ServerFixture.config("java").scripts(dir.toString()).npcKinds("bad").npcs(1)));
        assertTrue(e.getMessage().startsWith("bad.lua:3"), e.getMessage());
    }

    @Test
    void badKindTablesAndUnknownKindsAreRefusedWithTheReason() throws Exception {
        Files.writeString(dir.resolve("nohp.lua"), "kind = { name = \"NoHp\", visual = 5 }\n");
        ScriptException e = assertThrows(ScriptException.class, () -> GameServer.start(
                ServerFixture.config("java").scripts(dir.toString()).npcs(1)));
        assertEquals("nohp.lua: kind.hp is required", e.getMessage());
        e = assertThrows(ScriptException.class, () -> GameServer.start(
                ServerFixture.config("java").npcKinds("slime,dragon").npcs(1)));
        assertTrue(e.getMessage().contains("no kind 'dragon'") && e.getMessage().contains("orc (2)"), e.getMessage());
    }

    @Test
    void scriptsCannotReachFilesOrTheHost() throws Exception {
        Files.writeString(dir.resolve("snoop.lua"), "kind = { name = \"Snoop\", visual = 5, hp = 10 }\n"
                + "assert(io == nil and os == nil and debug == nil and luajava == nil and package == nil\n"
                + "       and load == nil and dofile == nil and loadfile == nil, 'a library leaked into the sandbox')\n");
        GameServer.start(ServerFixture.config("java").scripts(dir.toString()).npcKinds("snoop").npcs(1)).close();
    }

}
