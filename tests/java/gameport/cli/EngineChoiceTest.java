package gameport.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine choice as a user meets it: a real `gameport server` process, its stdout, stderr and exit code. */
class EngineChoiceTest {
    @TempDir
    Path dir;

    private Process server(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Points the loader at a file that does not exist: the native library is "unavailable".
        cmd.add("-Dgameport.native.lib=" + dir.resolve("missing-libgameport.so"));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("gameport.cli.Main");
        cmd.add("server");
        cmd.addAll(List.of(args));
        // In the temp dir: the default --db creates ./data there, not in the project.
        return new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectError(dir.resolve("stderr.txt").toFile())
                .start();
    }

    private String stderr() throws IOException {
        return Files.readString(dir.resolve("stderr.txt"));
    }

    @Test
    void autoFallsBackToJavaAndSaysWhy() throws Exception {
        Process p = server("--engine", "auto", "--port", "0", "--http-port", "0", "--host", "127.0.0.1",
                "--stats-interval-s", "0");
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String ready = out.readLine();
            assertNotNull(ready, "no READY line; stderr: " + stderr());
            assertTrue(ready.matches("READY port=\\d+ engine=java http=\\d+"), ready);
            // The browser client is served from the jar's classpath on the port the READY line names.
            int http = Integer.parseInt(ready.replaceAll(".* http=(\\d+)", "$1"));
            java.net.http.HttpResponse<String> page = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + http + "/")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
            String log = stderr();
            assertTrue(log.contains("native engine unavailable (") && log.contains("missing-libgameport.so")
                    && log.contains("using the java engine"), log);
        } finally {
            p.destroy(); // SIGTERM: a clean stop exits 0
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        }
        assertEquals(0, p.exitValue(), stderr());
    }

    @Test
    void nativeThatCannotStartFailsWithExitCode2AndTheReason() throws Exception {
        Process p = server("--engine", "native", "--port", "0");
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue());
        String log = stderr();
        assertTrue(log.contains("the native engine cannot start") && log.contains("missing-libgameport.so"), log);
        assertEquals(-1, p.getInputStream().read(), "no READY line expected");
    }

    @Test
    void badFlagValueIsRejectedWithExitCode2() throws Exception {
        Process p = server("--engine", "fast");
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue());
        assertTrue(stderr().contains("--engine must be auto, native or java"), stderr());
    }
}
