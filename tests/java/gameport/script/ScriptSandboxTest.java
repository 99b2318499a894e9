package gameport.script;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

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
import org.junit.jupiter.params.provider.ValueSource;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;

/**
 * What the sandbox gives a script, through real servers: library calls that cannot run for
 * minutes in one call (no Lua patterns, a plain find, capped string.rep and table.unpack), and
 * library tables and {@code gp} that are each script's own, so one kind cannot break another.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ScriptSandboxTest {
    static final int MAX_USERS = 100;
    static final int NPC = MAX_USERS; // the first NPC's id
    static final int NPCS = 6;

    @TempDir
    Path dir;

    private void write(String file, String text) throws IOException {
        Files.writeString(dir.resolve(file), text);
    }

    private ServerFixture strip(String kinds, int npcs, boolean watch) throws Exception {
        return ServerFixture.start(ServerFixture.config("java").width(12).height(1).viewRange(20).maxUsers(MAX_USERS)
                .npcs(npcs).npcKinds(kinds).npcActMs(100).scripts(dir.toString()).scriptsWatch(watch));
    }

    /**
     * The string library a script gets, method syntax included: the classic catastrophic pattern
     * is a plain find (it answers at once, nil), no pattern function is there, rep and unpack are
     * capped with a Lua error, rep of 0 or fewer is "", and the strings' metatable is locked.
     * Compiled (no loop) and interpreted (a loop somewhere) scripts alike.
     */
    @ParameterizedTest
    @ValueSource(strings = {"", "function spin() for i = 1, 2 do end end\n"})
    void libraryCallsThatCouldRunForMinutesAreNotThere(String loop) throws Exception {
        write("probe.lua", "kind = { name = \"Probe\", visual = 5, hp = 10 }\n" + loop
                + "local function log(what, a, b) gp.log(what .. \": \" .. tostring(a) .. \" \" .. tostring(b)) end\n"
                + "function on_player_enters(npc, player)\n"
                + "  log(\"patterns\", string.match, string.gmatch)\n"
                + "  log(\"gsub dump\", string.gsub, string.dump)\n"
                + "  log(\"backtracker\", (\"a\"):rep(3000):find(\".-.-.-.-.-.-b\"))\n"
                + "  log(\"plain\", (\"a.b\"):find(\".\", 1, false))\n"
                + "  log(\"big rep\", pcall(string.rep, \"x\", 1048577))\n"
                + "  log(\"rep at cap\", #(\"ab\"):rep(524288), #(\"ab\"):rep(3, \", \"))\n"
                + "  log(\"rep none\", \"[\" .. (\"x\"):rep(0) .. (\"x\"):rep(-5) .. \"]\", #(\"\"):rep(2000000000))\n"
                + "  log(\"big unpack\", pcall(table.unpack, {}, 1, 5000))\n"
                + "  log(\"unpack\", select(\"#\", table.unpack({}, 1, 4096)), unpack)\n"
                + "  log(\"byte\", pcall(string.byte, (\"x\"):rep(5000), 1, -1))\n"
                + "  log(\"concat\", pcall(table.concat, setmetatable({}, {__index = function() return \"x\" end}), \"\", 1,"
                + " 2147483647))\n"
                + "  log(\"metatable\", getmetatable(\"\"), (\"abc\"):upper())\n"
                + "end\n");
        try (LogCapture log = new LogCapture(); ServerFixture f = strip("probe", 1, false)) {
            TestClient c = f.login("prober");
            long t0 = System.nanoTime();
            String last = log.awaitLine("script: metatable: ");
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "the probe ran in moments");
            assertTrue(last.endsWith("script: metatable: locked ABC"), last);
            assertLog(log, "script: patterns: nil nil");
            assertLog(log, "script: gsub dump: nil nil");
            assertLog(log, "script: backtracker: nil nil");
            assertLog(log, "script: plain: 2 2");
            assertTrue(line(log, "script: big rep: false ").contains("string.rep: the result would be over 1 MiB"));
            assertLog(log, "script: rep at cap: 1048576 10");
            assertLog(log, "script: rep none: [] 0");
            assertTrue(line(log, "script: big unpack: false ").contains("table.unpack: 5000 results; a script may take"
                    + " at most 4096"));
            assertLog(log, "script: unpack: 4096 nil");
            assertTrue(line(log, "script: byte: false ").contains("string.byte: 5000 results"));
            assertTrue(line(log, "script: concat: false ").contains("invalid value (at index 1) in table for 'concat'"),
                    "concat reads the table raw, as Lua 5.2 does");
            assertEquals(0, log.lines().stream().filter(l -> l.contains("script error")).count(), log.lines().toString());
            c.moveAndAwait(c.x() > 0 ? DIR_LEFT : DIR_RIGHT);
            c.assertOpen();
        }
    }

    /** find is LuaJ's plain find, answered in linear time: the same answers on assorted inputs. */
    @Test
    void thePlainFindAnswersAsLuaJsPlainFind() {
        LuaValue luaj = LuaKinds.runtime(new InstructionBudget()).get("string").get("find");
        ScriptLibs.PlainFind ours = new ScriptLibs.PlainFind();
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        for (int round = 0; round < 20_000; round++) {
            String s = randomText(random, random.nextInt(12));
            String text = random.nextInt(4) == 0 ? s.substring(random.nextInt(s.length() + 1))
                    : randomText(random, random.nextInt(4));
            Varargs args = random.nextBoolean()
                    ? LuaValue.varargsOf(LuaValue.valueOf(s), LuaValue.valueOf(text))
                    : LuaValue.varargsOf(new LuaValue[] {LuaValue.valueOf(s), LuaValue.valueOf(text),
                            LuaValue.valueOf(random.nextInt(-15, 16)), LuaValue.FALSE}); // plain whatever it says
            Varargs want = luaj.invoke(LuaValue.varargsOf(new LuaValue[] {args.arg(1), args.arg(2), args.arg(3).isnil()
                    ? LuaValue.ONE : args.arg(3), LuaValue.TRUE}));
            Varargs got = ours.invoke(args);
            assertEquals(want.tojstring(), got.tojstring(), "find(\"" + s + "\", \"" + text + "\", " + args.arg(3) + ")");
            assertEquals(want.arg(2).tojstring(), got.arg(2).tojstring());
        }
        // The input that makes a naive find compare ~n^2/4 bytes: linear here.
        LuaString hay = LuaString.valueOf("a".repeat(1 << 20));
        LuaString needle = LuaString.valueOf("a".repeat(1 << 19) + "b");
        long t0 = System.nanoTime();
        assertTrue(ours.invoke(LuaValue.varargsOf(hay, needle)).arg1().isnil());
        assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "a 1 MiB plain find takes milliseconds");
    }

    private static String randomText(java.util.SplittableRandom random, int length) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            s.append("ab.%".charAt(random.nextInt(4)));
        }
        return s.toString();
    }

    /**
     * One kind empties its gp, math, string, table and bit32 at its top level; another kind's run
     * on, and the vandal's own changes stay its own (also past the start, when the server fills
     * the API). A reload of the vandal's file gives it whole libraries again.
     */
    @Test
    void eachScriptHasItsOwnLibrariesAndGp() throws Exception {
        write("vandal.lua", "kind = { name = \"Vandal\", visual = 5, hp = 10 }\n"
                + "gp.attack = nil; math.abs = nil; string.len = nil; table.concat = nil; bit32.band = nil\n"
                + "gp.extra = 1\n"
                + "function on_player_moves(npc, player)\n"
                + "  gp.say(npc, \"vandal: \" .. tostring(gp.attack == nil and math.abs == nil and string.len == nil\n"
                + "    and (\"abc\"):len() == 3 and gp.extra == 1))\n"
                + "end\n");
        write("keeper.lua", "kind = { name = \"Keeper\", visual = 6, hp = 10 }\n"
                + "function on_player_moves(npc, player)\n"
                + "  gp.say(npc, \"keeper: \" .. math.abs(-2) .. string.len(\"abc\") .. (\"abcd\"):len()\n"
                + "    .. table.concat({\"t\", \"c\"}) .. bit32.band(6, 3) .. tostring(gp.attack ~= nil and gp.extra == nil))\n"
                + "end\n");
        try (LogCapture log = new LogCapture(); ServerFixture f = strip("vandal,keeper", NPCS, true)) {
            TestClient c = f.login("witness");
            int[] ids = bothKinds(c);
            c.moveAndAwait(c.x() > 0 ? DIR_LEFT : DIR_RIGHT);
            assertEquals("vandal: true", said(c, ids[0]));
            assertEquals("keeper: 234tc2true", said(c, ids[1]));

            write("vandal.lua", "kind = { name = \"Vandal\", visual = 5, hp = 10 }\n"
                    + "function on_player_moves(npc, player)\n"
                    + "  gp.say(npc, \"vandal 2: \" .. tostring(gp.attack ~= nil and math.abs(-1) == 1 and gp.extra == nil))\n"
                    + "end\n");
            log.awaitLine("reloaded vandal.lua");
            c.moveAndAwait(c.x() > 0 ? DIR_LEFT : DIR_RIGHT);
            assertEquals("vandal 2: true", said(c, ids[0]));
            assertEquals("keeper: 234tc2true", said(c, ids[1]));
            assertEquals(0, log.lines().stream().filter(l -> l.contains("script error")).count(), log.lines().toString());
        }
    }

    /** An NPC id of visual 5 and one of visual 6 (the strip's spawns mix the two kinds). */
    private static int[] bothKinds(TestClient c) {
        int[] ids = new int[2];
        for (int i = 0; i < NPCS; i++) {
            int id = NPC + i;
            ids[c.awaitPacket(SC_ADD_OBJECT, p -> p.id() == id).visual() - 5] = id;
        }
        assertTrue(ids[0] > 0 && ids[1] > 0, "this seed spawns both kinds");
        return ids;
    }

    private static String said(TestClient c, int id) {
        return c.awaitPacket(SC_CHAT, p -> p.id() == id).textString();
    }

    private static void assertLog(LogCapture log, String text) {
        assertTrue(log.lines().stream().anyMatch(l -> l.endsWith(text)), "no log line ending in '" + text + "' in "
                + log.lines());
    }

    private static String line(LogCapture log, String text) {
        List<String> lines = log.lines().stream().filter(l -> l.contains(text)).toList();
        assertEquals(1, lines.size(), "one log line containing '" + text + "' in " + log.lines());
        return lines.get(0);
    }

}
