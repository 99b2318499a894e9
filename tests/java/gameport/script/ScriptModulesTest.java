package gameport.script;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.server.GameServer;
import gameport.testing.LogCapture;
import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * require("name"): code kinds share, in lib/NAME.lua beside them. Real servers and clients: two
 * kinds use one module, a reload of the module reaches both, and a module that is missing, badly
 * named or broken stops the start with the reason.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ScriptModulesTest {
    static final int MAX_USERS = 100;
    static final int NPC = MAX_USERS; // the first NPC's id
    static final int NPCS = 6;
    /** An NPC id of kind Left (visual 5) and of kind Right (visual 6). */
    private final int[] ids = new int[2];

    @TempDir
    Path dir;

    private void write(String file, String text) throws IOException {
        Path f = dir.resolve(file);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
    }

    /** A kind whose NPCs answer a player's move with what module {@code words} makes of their name. */
    private void kinds() throws IOException {
        for (String[] k : new String[][] {{"left.lua", "Left", "5"}, {"right.lua", "Right", "6"}}) {
            write(k[0], "local words = require(\"words\")\n"
                    + "kind = { name = \"" + k[1] + "\", visual = " + k[2] + ", hp = 10 }\n"
                    + "function on_player_moves(npc, player)\n"
                    + "  gp.say(npc, words.greet(\"" + k[1] + "\"))\n"
                    + "end\n");
        }
    }

    private static String words(String greeting) {
        return "local M = {}\n"
                + "function M.greet(who) return \"" + greeting + " from \" .. who end\n"
                + "return M\n";
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void twoKindsShareAModuleAndAReloadOfItReachesBoth(String engine) throws Exception {
        kinds();
        write("lib/words.lua", words("hello"));
        try (LogCapture log = new LogCapture();
             ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(12).height(1).viewRange(20)
                     .maxUsers(MAX_USERS).npcs(NPCS).npcKinds("left,right").npcActMs(100).scripts(dir.toString())
                     .scriptsWatch(true))) {
            TestClient c = f.login("visitor");
            findBothKinds(c); // the spawns mix the two kinds
            c.moveAndAwait(c.x() > 0 ? DIR_LEFT : DIR_RIGHT);
            assertEquals("hello from Left", saidBy(c, 5));
            assertEquals("hello from Right", saidBy(c, 6));

            write("lib/words.lua", words("good day"));
            log.awaitLine("every kind is compiled again");
            log.awaitLine("reloaded left.lua (Left, compiled)");
            log.awaitLine("reloaded right.lua (Right, compiled)");
            c.moveAndAwait(c.x() > 0 ? DIR_LEFT : DIR_RIGHT);
            assertEquals("good day from Left", saidBy(c, 5));
            assertEquals("good day from Right", saidBy(c, 6));

            write("lib/words.lua", "local M = {\n"); // does not compile: both kinds keep the module they have
            // The error is the module's, with its file and line; each kind says it keeps its version.
            String line = log.awaitLine("keeping the previous left.lua");
            assertTrue(line.contains("reload: lib/words.lua:2: "), line); // the end of the file
            line = log.awaitLine("keeping the previous right.lua");
            assertTrue(line.contains("reload: lib/words.lua:2: "), line); // the end of the file
            c.moveAndAwait(c.x() > 0 ? DIR_LEFT : DIR_RIGHT);
            assertEquals("good day from Left", saidBy(c, 5));
            c.assertOpen();
        }
    }

    /**
     * An error inside a module is reported at the module's file and line, not at the line of the
     * kind that called it; a module compiled to bytecode and one interpreted alike.
     */
    @ParameterizedTest
    @ValueSource(strings = {"", "local function spin() for i = 1, 2 do end end\n"})
    void anErrorInsideAModuleNamesTheModulesFileAndLine(String loop) throws Exception {
        write("lib/boom.lua", "local M = {}\n"
                + "function M.f(t)\n"
                + "  return t.field\n" // line 3
                + "end\n" + loop
                + "return M\n");
        write("user.lua", "local boom = require(\"boom\")\n"
                + "kind = { name = \"User\", visual = 5, hp = 10 }\n"
                + "function on_player_enters(npc, player)\n"
                + "  boom.f(1)\n"
                + "end\n");
        try (LogCapture log = new LogCapture(); ServerFixture f = ServerFixture.start(ServerFixture.config("java")
                .width(12).height(1).viewRange(20).maxUsers(MAX_USERS).npcs(1).npcKinds("user").scripts(dir.toString()))) {
            f.login("witness");
            String line = log.awaitLine("script error in user.lua");
            assertTrue(line.endsWith("script error in user.lua on_player_enters of NPC " + NPC
                    + ": lib/boom.lua:3: attempt to index ? (a number value); that NPC sleeps"), line);
        }
    }

    /**
     * A reload where one kind's new text is more than LuaJC can compile (a function past the 64
     * KiB of one JVM method) while lib/ changed too: that kind is interpreted instead; the kinds
     * after it still compile against the new module, and what derives from the whole set follows
     * (a kind that now answers moves gets them).
     */
    @Test
    void aKindTooBigForLuaJcReloadsInterpretedAndTheOthersStillCompile() throws Exception {
        write("left.lua", "local words = require(\"words\")\n"
                + "kind = { name = \"Left\", visual = 5, hp = 10 }\n"
                + "function on_act(npc) gp.say(npc, words.greet(\"Left\")) end\n");
        write("right.lua", "local words = require(\"words\")\n"
                + "kind = { name = \"Right\", visual = 6, hp = 10 }\n");
        write("lib/words.lua", words("hello"));
        try (LogCapture log = new LogCapture();
             ServerFixture f = ServerFixture.start(ServerFixture.config("java").width(12).height(1).viewRange(20)
                     .maxUsers(MAX_USERS).npcs(NPCS).npcKinds("left,right").npcActMs(100).scripts(dir.toString()))) {
            TestClient c = f.login("visitor");
            findBothKinds(c);
            assertEquals("hello from Left", saidBy(c, 5));
            c.moveAndAwait(c.x() > 0 ? DIR_LEFT : DIR_RIGHT);
            c.expectNoPacket(SC_CHAT, p -> p.id() == ids[1], java.time.Duration.ofMillis(300)); // Right is silent

            StringBuilder huge = new StringBuilder("local words = require(\"words\")\n"
                    + "kind = { name = \"Left\", visual = 5, hp = 10 }\nlocal a = 0\n");
            huge.append("a = a + 1\n".repeat(10_000));
            write("left.lua", huge.toString());
            write("right.lua", "local words = require(\"words\")\n"
                    + "kind = { name = \"Right\", visual = 6, hp = 10 }\n"
                    + "function on_player_moves(npc, player) gp.say(npc, words.greet(\"Right\")) end\n");
            write("lib/words.lua", words("good day"));
            f.server.reloadScripts("test");
            log.awaitLine("reloaded left.lua (Left, interpreted)");
            log.awaitLine("reloaded right.lua (Right, compiled)");
            c.clearBacklog();
            c.moveAndAwait(c.x() > 0 ? DIR_LEFT : DIR_RIGHT);
            assertEquals("good day from Right", saidBy(c, 6));
            c.drain(java.time.Duration.ofMillis(300)); // what Left said before the reload, still on its way
            c.clearBacklog();
            c.expectNoPacket(SC_CHAT, p -> p.id() == ids[0], java.time.Duration.ofMillis(500)); // Left's new one is silent
            c.assertOpen();
        }
    }

    /**
     * --scripts-watch and lib/: a lib/ made after the start is watched from then on; one that is
     * deleted just stops being watched (the kinds' files still are), and one made again is
     * watched again. Stopping the server says nothing about the folder.
     */
    @Test
    void aLibMadeAfterTheStartIsWatchedAndADeletedOneStopsBeingWatched() throws Exception {
        write("user.lua", user("\"no words\""));
        try (LogCapture log = new LogCapture()) {
            try (ServerFixture f = ServerFixture.start(ServerFixture.config("java").width(12).height(1).viewRange(20)
                    .maxUsers(MAX_USERS).npcs(1).npcKinds("user").npcActMs(100).scripts(dir.toString())
                    .scriptsWatch(true))) {
                TestClient c = f.login("visitor");
                c.awaitPacket(SC_ADD_OBJECT, p -> p.id() == NPC);
                awaitSaid(c, "no words");

                write("lib/words.lua", words("hello")); // makes lib/
                write("user.lua", "local words = require(\"words\")\n" + user("words.greet(\"User\")"));
                awaitSaid(c, "hello from User");
                write("lib/words.lua", words("good day")); // only lib/ changes: it is watched
                awaitSaid(c, "good day from User");

                Files.delete(dir.resolve("lib/words.lua"));
                Files.delete(dir.resolve("lib"));
                log.awaitLine("keeping the previous user.lua"); // its module is gone
                assertEquals("good day from User", sayOnMove(c));
                write("user.lua", user("\"v3\"")); // the folder is still watched
                awaitSaid(c, "v3");

                write("lib/words.lua", words("again"));
                write("user.lua", "local words = require(\"words\")\n" + user("words.greet(\"User\")"));
                awaitSaid(c, "again from User");
                write("lib/words.lua", words("once more")); // the new lib/ is watched
                awaitSaid(c, "once more from User");
                c.assertOpen();
            }
            assertEquals(List.of(), log.lines().stream().filter(l -> l.contains("--scripts-watch")
                    && l.startsWith("WARNING")).toList());
        }
    }

    /** A kind whose NPC says {@code expression} when a player who sees it moves. */
    private static String user(String expression) {
        return "kind = { name = \"User\", visual = 5, hp = 10 }\n"
                + "function on_player_moves(npc, player) gp.say(npc, " + expression + ") end\n";
    }

    /** One step, and what the first NPC said about it. */
    private static String sayOnMove(TestClient c) {
        c.moveAndAwait(c.x() > 0 ? DIR_LEFT : DIR_RIGHT);
        return c.awaitPacket(SC_CHAT, p -> p.id() == NPC).textString();
    }

    /** Steps until the first NPC answers a step with {@code text} (a reload comes between two rounds). */
    private static void awaitSaid(TestClient c, String text) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        String said;
        while (!(said = sayOnMove(c)).equals(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the NPC still says '" + said + "', not '" + text + "'");
            }
            Thread.sleep(50);
        }
    }

    /** Finds an NPC of kind Left (visual 5) and one of kind Right (visual 6) among the spawns. */
    private void findBothKinds(TestClient c) {
        for (int i = 0; i < NPCS; i++) {
            int id = NPC + i;
            ids[c.awaitPacket(SC_ADD_OBJECT, p -> p.id() == id).visual() - 5] = id;
        }
        assertTrue(ids[0] > 0 && ids[1] > 0, "this seed spawns both kinds");
    }

    /** The next SC_CHAT from the NPC found of this visual. */
    private String saidBy(TestClient c, int visual) {
        int id = ids[visual - 5];
        return c.awaitPacket(SC_CHAT, p -> p.id() == id).textString();
    }

    @Test
    void aMissingBadlyNamedOrBrokenModuleStopsTheStartWithTheReason() throws Exception {
        write("user.lua", "local m = require(\"nowhere\")\nkind = { name = \"User\", visual = 5, hp = 10 }\n");
        ScriptException e = assertThrows(ScriptException.class, this::start);
        assertTrue(e.getMessage().startsWith("user.lua:1:") && e.getMessage().contains("there is no lib/nowhere.lua"),
                e.getMessage());

        write("user.lua", "local m = require(\"../user\")\nkind = { name = \"User\", visual = 5, hp = 10 }\n");
        e = assertThrows(ScriptException.class, this::start);
        assertTrue(e.getMessage().contains("'../user' is not a module name"), e.getMessage());

        write("lib/broken.lua", "local M = {}\nfunction M.f( return M\n");
        write("user.lua", "local m = require(\"broken\")\nkind = { name = \"User\", visual = 5, hp = 10 }\n");
        e = assertThrows(ScriptException.class, this::start);
        assertTrue(e.getMessage().contains("lib/broken.lua:2"), e.getMessage());

        write("lib/loop.lua", "return require(\"loop\")\n");
        write("user.lua", "local m = require(\"loop\")\nkind = { name = \"User\", visual = 5, hp = 10 }\n");
        e = assertThrows(ScriptException.class, this::start);
        assertTrue(e.getMessage().contains("lib/loop.lua requires itself"), e.getMessage());
    }

    private void start() throws Exception {
        GameServer.start(ServerFixture.config("java").scripts(dir.toString()).npcKinds("user").npcs(1)).close();
    }

}
