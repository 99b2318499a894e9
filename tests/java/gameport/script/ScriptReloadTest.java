package gameport.script;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.server.GameServer;
import gameport.testing.Engines;
import gameport.testing.LogCapture;
import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Script reload as a designer meets it: edit a kind's Lua file while the server runs, and its
 * NPCs act on the new version (--scripts-watch, or SIGHUP to a real server process); an edit that
 * does not load leaves the previous version running and the log says why. Real servers, real
 * clients; every engine.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ScriptReloadTest {
    static final int MAX_USERS = 100;
    static final int NPC = MAX_USERS; // the first NPC's id
    static final int WIDTH = 12;

    @TempDir
    Path dir;

    /** A kind whose NPC says {@code text} whenever a player who sees it moves. */
    private static String talker(String text) {
        return "kind = { name = \"Talker\", visual = 5, hp = 10 }\n"
                + "function on_player_moves(npc, player)\n"
                + "  gp.say(npc, \"" + text + "\")\n"
                + "end\n";
    }

    private void write(String file, String text) throws IOException {
        Files.writeString(dir.resolve(file), text);
    }

    /** A 12x1 strip where every player sees every NPC; the scripts of the temp dir, watched. */
    private ServerFixture strip(String engine, String kinds, int npcs) throws Exception {
        return ServerFixture.start(ServerFixture.config(engine).width(WIDTH).height(1).viewRange(20)
                .maxUsers(MAX_USERS).npcs(npcs).npcKinds(kinds).npcActMs(100).scripts(dir.toString())
                .scriptsWatch(true));
    }

    /** One real step (not into the strip's end), and what the first NPC said about it. */
    private static String sayOnMove(TestClient c) {
        c.moveAndAwait(c.x() > 0 ? DIR_LEFT : DIR_RIGHT);
        return c.awaitPacket(SC_CHAT, p -> p.id() == NPC).textString();
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void anEditedScriptIsPickedUpWhileTheServerRuns(String engine) throws Exception {
        write("talker.lua", talker("v1"));
        try (LogCapture log = new LogCapture(); ServerFixture f = strip(engine, "talker", 1)) {
            TestClient c = f.login("designer");
            c.awaitPacket(SC_ADD_OBJECT, p -> p.id() == NPC);
            assertEquals("v1", sayOnMove(c));
            write("talker.lua", talker("v2"));
            String line = LogCapture.awaitLine(log::lines, "reloaded talker.lua");
            assertTrue(line.startsWith("INFO") && line.endsWith("reloaded talker.lua (Talker, compiled)"), line);
            assertEquals("v2", sayOnMove(c));
            assertEquals("v2", sayOnMove(c));
            c.assertOpen();
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void anEditThatDoesNotLoadKeepsThePreviousVersionUntilAFix(String engine) throws Exception {
        write("talker.lua", talker("v1"));
        try (LogCapture log = new LogCapture(); ServerFixture f = strip(engine, "talker", 1)) {
            TestClient c = f.login("designer");
            c.awaitPacket(SC_ADD_OBJECT, p -> p.id() == NPC);
            assertEquals("v1", sayOnMove(c));

            write("talker.lua", talker("v2").replace("gp.say(npc, ", "gp.say(npc,, ")); // line 3
            String line = LogCapture.awaitLine(log::lines, "reload: talker.lua:3");
            assertTrue(line.startsWith("WARNING") && line.endsWith("; keeping the previous talker.lua"), line);
            assertEquals("v1", sayOnMove(c), "the previous version runs on");

            write("talker.lua", talker("v2").replace("hp = 10", "hp = -1")); // compiles, bad kind table
            line = LogCapture.awaitLine(log::lines, "kind.hp must be");
            assertTrue(line.startsWith("WARNING") && line.contains("reload: talker.lua: kind.hp must be 1..")
                    && line.endsWith("; keeping the previous talker.lua"), line);
            assertEquals("v1", sayOnMove(c));

            write("talker.lua", talker("v3"));
            LogCapture.awaitLine(log::lines, "reloaded talker.lua (Talker, ");
            assertEquals("v3", sayOnMove(c));
            assertEquals(0, log.lines().stream().filter(l -> l.contains("script error")).count(), log.lines().toString());
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void aFaultyKindActsAgainAfterAFixIsReloaded(String engine) throws Exception {
        // Five NPCs: the first three run away (the third makes the kind faulty); the other two
        // stay awake and would answer every move, were the kind not faulty.
        write("spinner.lua", "kind = { name = \"Spinner\", visual = 6, hp = 10 }\n"
                + "function on_player_enters(npc, player)\n"
                + "  while true do end\n"
                + "end\n"
                + "function on_player_moves(npc, player) gp.say(npc, \"still running\") end\n");
        try (LogCapture log = new LogCapture(); ServerFixture f = strip(engine, "spinner", 5)) {
            TestClient c = f.login("bystander");
            LogCapture.awaitLine(log::lines, "is faulty after " + LuaBrain.MAX_RUNAWAYS);
            c.moveAndAwait(c.x() > 0 ? DIR_LEFT : DIR_RIGHT);
            c.moveAndAwait(c.x() > 0 ? DIR_LEFT : DIR_RIGHT);
            c.expectNoPacket(SC_CHAT, p -> p.id() >= NPC, java.time.Duration.ofMillis(300));

            // The fix answers an event the faulty version did not: moves now reach the kind too.
            write("spinner.lua", "kind = { name = \"Spinner\", visual = 6, hp = 10 }\n"
                    + "function on_player_enters(npc, player) end\n"
                    + "function on_player_moves(npc, player) gp.say(npc, \"fixed\") end\n");
            LogCapture.awaitLine(log::lines, "reloaded spinner.lua (Spinner, ");
            c.moveAndAwait(c.x() > 0 ? DIR_LEFT : DIR_RIGHT);
            // The runaways put their own NPCs to sleep (they wake as sleeping NPCs do); the others
            // stood still while the kind was faulty, and act again now.
            TestClient.Packet said = c.awaitPacket(SC_CHAT, p -> p.id() >= NPC);
            assertEquals("fixed", said.textString());
            assertEquals(1, log.lines().stream().filter(l -> l.contains("is faulty")).count());
        }
    }

    @Test
    void statsOfAReloadedKindApplyAndWhatTakesARestartIsSaid() throws Exception {
        write("talker.lua", talker("v1"));
        try (LogCapture log = new LogCapture(); ServerFixture f = strip("java", "talker", 1)) {
            TestClient c = f.login("designer");
            TestClient.Packet before = c.awaitPacket(SC_ADD_OBJECT, p -> p.id() == NPC);
            assertEquals("Talker " + NPC, before.nameString());

            write("talker.lua", talker("v2").replace("name = \"Talker\"", "name = \"Chatter\"")
                    .replace("hp = 10", "hp = 10, exp = 7, weight = 2"));
            String line = LogCapture.awaitLine(log::lines, "reloaded talker.lua");
            assertTrue(line.endsWith("reloaded talker.lua (Chatter, compiled): name Talker -> Chatter, exp 0 -> 7, weight 1 -> 2 "
                    + "(the spawns were mixed at the start: it shows after a restart)"), line);
            assertEquals("v2", sayOnMove(c));
            // A player who comes to see it now is sent its new name.
            TestClient other = f.login("newcomer");
            assertEquals("Chatter " + NPC, other.awaitPacket(SC_ADD_OBJECT, p -> p.id() == NPC).nameString());

            write("talker.lua", talker("v3").replace("visual = 5", "visual = 6"));
            line = LogCapture.awaitLine(log::lines, "kind.visual 5 -> 6");
            assertTrue(line.startsWith("WARNING") && line.contains("takes a restart")
                    && line.endsWith("keeping the previous talker.lua"), line);
            write("dragon.lua", "kind = { name = \"Dragon\", visual = 7, hp = 500 }\n");
            line = LogCapture.awaitLine(log::lines, "dragon.lua is new");
            assertTrue(line.startsWith("WARNING") && line.contains("takes a restart"), line);
            assertEquals("v2", sayOnMove(c), "the version before the visual change runs on");
        }
    }

    @Test
    void sighupWithTheJarsScriptsSaysThereIsNothingToReload() throws Exception {
        try (LogCapture log = new LogCapture();
             GameServer server = GameServer.start(ServerFixture.config("java").npcs(1))) {
            server.reloadScripts("SIGHUP");
            String line = LogCapture.awaitLine(log::lines, "SIGHUP: nothing to reload");
            assertTrue(line.contains("--scripts builtin"), line);
        }
    }

    // ---- a real server process: SIGHUP, and --scripts-watch without a folder -----------------

    private Process serverProcess(Path stderr, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "gameport.cli.Main", "server"));
        cmd.addAll(List.of(args));
        // In the temp dir: nothing of it lands in the project.
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectError(stderr.toFile()).start();
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void sighupReloadsTheChangedScriptsOfARunningServerProcess(String engine) throws Exception {
        write("talker.lua", talker("v1"));
        Path stderr = dir.resolve("stderr.txt");
        boolean workers = engine.equals(Engines.NATIVE_WORKERS);
        Process p = serverProcess(stderr, "--engine", workers ? "native" : engine, "--workers", workers ? "1" : "0",
                "--port", "0", "--no-http", "--host", "127.0.0.1", "--db", "none", "--stats-interval-s", "0",
                "--width", String.valueOf(WIDTH), "--height", "1", "--wall-density", "0", "--view-range", "20",
                "--npcs", "1", "--npc-kinds", "talker", "--npc-act-ms", "100", "--rate-limits", "off",
                "--max-users", String.valueOf(MAX_USERS), "--scripts", dir.toString());
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String ready = out.readLine();
            assertNotNull(ready, "no READY line; stderr: " + Files.readString(stderr));
            int port = Integer.parseInt(ready.replaceAll("READY port=(\\d+).*", "$1"));
            TestClient c = TestClient.connect(port, "designer").mapBounds(WIDTH, 1);
            try {
                c.loginOk("designer");
                c.awaitPacket(SC_ADD_OBJECT, pk -> pk.id() == NPC);
                assertEquals("v1", sayOnMove(c));
                write("talker.lua", talker("v2"));
                hangUp(p);
                String line = LogCapture.awaitLine(() -> linesOf(stderr), "reloaded talker.lua");
                assertTrue(line.endsWith("reloaded talker.lua (Talker, compiled)"), line);
                assertEquals("v2", sayOnMove(c));
                hangUp(p); // nothing changed since: it says so, and goes on
                LogCapture.awaitLine(() -> linesOf(stderr), "reload: no script changed in " + dir);
                assertEquals("v2", sayOnMove(c));
                c.assertOpen();
            } finally {
                c.close();
            }
        } finally {
            p.destroy(); // SIGTERM: a clean stop exits 0
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        }
        assertEquals(0, p.exitValue(), Files.readString(stderr));
    }

    @Test
    void scriptsWatchWithoutAScriptsFolderIsAUsageError() throws Exception {
        for (String scripts : List.of("builtin", "off")) {
            Path stderr = dir.resolve("stderr-" + scripts + ".txt");
            Process p = serverProcess(stderr, "--scripts", scripts, "--scripts-watch", "--port", "0", "--no-http");
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            String err = Files.readString(stderr);
            assertEquals(2, p.exitValue(), err);
            assertTrue(err.contains("--scripts-watch watches a --scripts DIR folder; with --scripts " + scripts
                    + " there is nothing to watch"), err);
            assertEquals(-1, p.getInputStream().read(), "no READY line expected");
        }
    }

    private static void hangUp(Process p) throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", String.valueOf(p.pid())).redirectErrorStream(true).start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, kill.exitValue(), new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static List<String> linesOf(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

}
