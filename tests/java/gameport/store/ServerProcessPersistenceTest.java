package gameport.store;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.Databases;
import gameport.testing.TestClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a crash and a SIGTERM keep: a real {@code gameport server} process, killed with SIGKILL
 * or stopped with SIGTERM, then its database read back by a restarted server or directly.
 */
class ServerProcessPersistenceTest {
    private static final int SIZE = 100;

    @TempDir
    Path dir;
    private int runs;

    /** A server process on --db url; returns it once it printed READY, with its port in {@code port[0]}. */
    private Process server(String engine, String url, int[] port, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", System.getProperty("java.class.path"), "gameport.cli.Main", "server",
                "--engine", engine, "--port", "0", "--no-http", "--host", "127.0.0.1", "--db", url, "--stats-interval-s", "0",
                "--npcs", "0", "--width", String.valueOf(SIZE), "--height", String.valueOf(SIZE),
                "--wall-density", "0", "--rate-limits", "off"));
        cmd.addAll(List.of(extra));
        Path err = dir.resolve("stderr-" + (++runs) + ".txt");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectError(err.toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String ready = out.readLine();
        if (ready == null || !ready.startsWith("READY port=")) {
            p.destroyForcibly();
            fail("no READY line (" + ready + "); stderr: " + Files.readString(err));
        }
        port[0] = Integer.parseInt(ready.replaceAll("READY port=(\\d+).*", "$1"));
        return p;
    }

    private String lastStderr() throws IOException {
        return Files.readString(dir.resolve("stderr-" + runs + ".txt"));
    }

    private static TestClient login(int port, String name) {
        TestClient c = TestClient.connect(port, name).mapBounds(SIZE, SIZE);
        c.loginOk(name);
        return c;
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Databases#enginesAndDatabases")
    void killMinus9LosesAtMostTheSaveInterval(String engine, String db) throws Exception {
        String url = Databases.freshUrl(db, dir);
        int[] port = new int[1];
        Process p = server(engine, url, port, "--save-interval-s", "1");
        List<List<Integer>> sinceCheckpoint = new ArrayList<>();
        try {
            TestClient c = login(port[0], "crasher");
            for (int i = 0; i < 10; i++) {
                c.moveAndAwait(c.x() > SIZE / 2 ? DIR_LEFT : DIR_RIGHT);
            }
            Thread.sleep(2500); // two checkpoints at least since the last move
            sinceCheckpoint.add(List.of(c.x(), c.y()));
            for (int i = 0; i < 10; i++) {
                c.moveAndAwait(c.y() > SIZE / 2 ? DIR_UP : DIR_DOWN);
                sinceCheckpoint.add(List.of(c.x(), c.y()));
            }
        } finally {
            p.destroyForcibly(); // SIGKILL: no shutdown hook, no final save
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        }
        Process again = server(engine, url, port, "--save-interval-s", "1");
        try {
            TestClient back = login(port[0], "crasher");
            List<Integer> at = List.of(back.x(), back.y());
            assertTrue(sinceCheckpoint.contains(at), "after kill -9 the player is at its last checkpoint "
                    + sinceCheckpoint.get(0) + " or later on its way " + sinceCheckpoint + ", not at " + at);
        } finally {
            again.destroy();
            assertTrue(again.waitFor(20, TimeUnit.SECONDS));
        }
        assertEquals(0, again.exitValue(), lastStderr());
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Databases#enginesAndDatabases")
    void sigtermSavesEveryoneOf500Players(String engine, String db) throws Exception {
        String url = Databases.freshUrl(db, dir);
        int[] port = new int[1];
        // No checkpoint comes in this test's time: what is stored is what SIGTERM saved.
        Process p = server(engine, url, port, "--save-interval-s", "3600", "--max-users", "1000",
                "--idle-timeout-ms", "600000");
        List<TestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 500; i++) {
                clients.add(login(port[0], "p" + i));
            }
            for (int step = 0; step < 3; step++) {
                for (TestClient c : clients) {
                    c.moveAndAwait(c.x() > SIZE / 2 ? DIR_LEFT : DIR_RIGHT);
                }
            }
        } finally {
            p.destroy(); // SIGTERM
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "SIGTERM ends the server");
        String stderr = lastStderr();
        assertEquals(0, p.exitValue(), stderr);
        assertTrue(stderr.contains("all players saved"), stderr);
        Map<String, List<Object>> rows = Databases.rows(url);
        assertEquals(500, rows.size(), "every player has a row");
        for (TestClient c : clients) {
            List<Object> row = rows.get(c.label());
            assertEquals(List.of(c.x(), c.y()), row.subList(1, 3), c.label() + " saved at its last position");
        }
    }
}
