package gameport.web;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web pages in a real browser (Debian's headless chromium through its chromedriver): the game
 * client at {@code /} plays next to a TCP test client (they see each other move and chat), and
 * the admin page at {@code /admin} draws its charts and heatmap from the live server.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BrowserTest {
    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final String SKIPPED = "Browser tests skipped: install Debian's chromium and chromium-driver"
            + " to run them (.ci/run installs them)";
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");

    /** 30 x 30, a few thin walls (every free tile stays reachable); y = 0 is the first row. */
    private static final String[] MAP = buildMap();

    @TempDir
    static Path dir;
    private static ChromeDriverService service;
    private static ChromeDriver driver;

    @BeforeAll
    static void startBrowser() throws Exception {
        if (!new File(CHROMIUM).canExecute() || !new File(CHROMEDRIVER).canExecute()) {
            if ("true".equals(System.getenv("CI"))) {
                fail(SKIPPED.replace("Browser tests skipped", "Browser tests cannot run under CI") + ": "
                        + CHROMIUM + " or " + CHROMEDRIVER + " is missing");
            }
            System.err.println(SKIPPED); // once; each test then counts as skipped
            return;
        }
        // Selenium Manager must neither download nor phone home: the driver and browser are given.
        System.setProperty("SE_AVOID_STATS", "true");
        service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort()
                .withSilent(true).build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1280,900", "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium-profile")));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
    }

    @AfterAll
    static void stopBrowser() {
        if (driver != null) {
            driver.quit();
        }
        if (service != null) {
            service.stop();
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void playAndAdminPagesAgainstALiveServer(String engine) throws Exception {
        Assumptions.assumeTrue(driver != null, SKIPPED);
        Path mapFile = dir.resolve("browser-" + engine + ".map");
        Files.writeString(mapFile, "; BrowserTest\ngameport-map 1 30 30\n" + String.join("\n", MAP) + "\n",
                StandardCharsets.US_ASCII);
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).mapFile(mapFile.toString())
                .npcs(5).npcKinds("1").httpPort(0))) {
            String base = "http://127.0.0.1:" + f.server.httpPort();
            TestClient tcp = playPage(f, base);
            adminPage(base);
            assertFalse(tcp.isClosed(), "the TCP client stays connected");
        }
    }

    // ------------------------------------------------------------------ the game client

    private TestClient playPage(ServerFixture f, String base) throws Exception {
        consoleLines(); // drop what the pages of an earlier server left in the console
        driver.get(base + "/");
        waitJs("window.gameport && gameport.map && gameport.config && gameport.connected", "page connected");
        assertEquals(30L, js("return gameport.map.width"));
        assertEquals(30L, js("return gameport.map.height"));
        assertEquals(7L, js("return gameport.config.viewRange"));
        @SuppressWarnings("unchecked")
        List<String> rows = (List<String>) js("const m = gameport.map, out = [];"
                + "for (let y = 0; y < m.height; y++) { let r = '';"
                + "  for (let x = 0; x < m.width; x++) r += m.isWall(x, y) ? '#' : '.';"
                + "  out.push(r); } return out;");
        assertEquals(List.of(MAP), rows, "/api/map as the page decodes it is the server's map");

        // A refused login (a space is not allowed) leaves the connection open for a retry.
        WebElement name = driver.findElement(By.id("name"));
        name.sendKeys("bad name");
        driver.findElement(By.id("login")).click();
        waitJs("document.getElementById('login-error').textContent.length > 0", "login error shown");
        assertEquals(Boolean.FALSE, js("return gameport.loggedIn"));
        assertEquals(Boolean.TRUE, js("return gameport.connected"), "SC_LOGIN_FAIL keeps the connection");
        name.clear();
        name.sendKeys("webplayer", Keys.ENTER);
        waitJs("gameport.loggedIn", "logged in");
        int webId = num(js("return gameport.me.id"));
        int[] web = mePos();
        assertTrue(isFree(web[0], web[1]), "spawned on a free tile");
        String status = driver.findElement(By.id("status")).getText();
        for (String part : new String[] {"HP 100/100", "Lv 1", "Exp 0"}) {
            assertTrue(status.contains(part), "#status shows '" + part + "': " + status);
        }

        // A TCP client logs in and walks next to the web player: it appears on the page, then moves.
        TestClient tcp = f.login("tcpbob");
        walk(tcp, web);
        waitObjectAt(tcp.id(), tcp.x(), tcp.y());
        assertEquals("tcpbob", js("return gameport.objects.get(arguments[0]).name", tcp.id()));
        assertEquals(0L, js("return gameport.objects.get(arguments[0]).visual", tcp.id()));
        int dir = stepKeepingNear(tcp.x(), tcp.y(), web);
        tcp.moveAndAwait(dir);
        waitObjectAt(tcp.id(), tcp.x(), tcp.y());
        assertArrayEquals(web, tcp.viewPos(webId), "the TCP client sees the web player where the page is");

        // Arrow keys move the web player; the TCP client sees it move there.
        WebElement body = driver.findElement(By.tagName("body"));
        for (int k = 0; k < 2; k++) {
            int d = freeDirection(web[0], web[1], k == 0 ? DIR_RIGHT : DIR_DOWN);
            int[] to = step(web, d);
            body.sendKeys(arrow(d));
            tcp.awaitPacket(SC_MOVE_OBJECT, p -> p.id() == webId && p.x() == to[0] && p.y() == to[1]);
            waitJs("gameport.me.x === " + to[0] + " && gameport.me.y === " + to[1], "page position " + to[0] + "," + to[1]);
            web = to;
        }
        body.sendKeys("a");
        waitJs("gameport.events.includes('you attack')", "attack event");

        // Chat both ways.
        String fromWeb = "hello from the browser \u2713";
        WebElement chat = driver.findElement(By.id("chat-input"));
        chat.sendKeys(fromWeb, Keys.ENTER);
        TestClient.Packet heard = tcp.awaitPacket(SC_CHAT, p -> p.id() == webId);
        assertEquals(fromWeb, heard.textString());
        waitJs("gameport.chat.some(c => c.id === " + webId + " && c.text === arguments[0])", "own chat echoed",
                fromWeb);
        assertEquals("", chat.getAttribute("value"), "the chat input is cleared after sending");
        // Keys typed into the chat input are not game keys.
        chat.sendKeys(Keys.ARROW_LEFT, "a");
        tcp.chat("hi from tcp");
        waitJs("document.getElementById('chat-log').innerText.includes('tcpbob: hi from tcp')", "TCP chat on the page");
        tcp.sync();
        tcp.expectNoPacket(SC_MOVE_OBJECT, p -> p.id() == webId, Duration.ofMillis(300));
        assertArrayEquals(web, mePos(), "an arrow key in the chat input does not move the player");
        chat.clear();
        driver.findElement(By.id("board")).click();

        screenshot("play.png");
        assertNoConsoleErrors();
        return tcp;
    }

    private int[] mePos() {
        return new int[] {num(js("return gameport.me.x")), num(js("return gameport.me.y"))};
    }

    private void waitObjectAt(int id, int x, int y) {
        waitJs("(o => o && o.x === " + x + " && o.y === " + y + ")(gameport.objects.get(" + id + "))",
                "object " + id + " at (" + x + "," + y + ") on the page");
    }

    // ------------------------------------------------------------------ the admin page

    private void adminPage(String base) throws Exception {
        driver.get(base + "/admin");
        waitJs("window.gameportAdmin && gameportAdmin.samples >= 3", "3 admin samples");
        assertNull(js("return gameportAdmin.error"), "no error banner");
        assertTrue(num(js("return gameportAdmin.lastState.players")) >= 2, "players in the state");
        assertTrue(num(js("return gameportAdmin.heatmapPlayers")) >= 2, "players in the heatmap");
        for (String id : new String[] {"chart-sessions", "chart-packets", "chart-busy", "chart-stages", "minimap"}) {
            int painted = num(js("const c = document.getElementById(arguments[0]);"
                    + "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                    + "const r = d[0], g = d[1], b = d[2]; let n = 0;"
                    + "for (let i = 0; i < d.length; i += 4) if (d[i] !== r || d[i + 1] !== g || d[i + 2] !== b) n++;"
                    + "return n;", id));
            assertTrue(painted > 200, "#" + id + " is drawn (" + painted + " non-background pixels)");
        }
        waitJs("document.querySelectorAll('#closes tbody tr').length > 0", "closes table filled");
        screenshot("admin.png");
        assertNoConsoleErrors();
        driver.get("about:blank"); // stop polling before the server goes away
    }

    // ------------------------------------------------------------------ browser helpers

    private static Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    private static void waitJs(String condition, String what, Object... args) {
        try {
            new WebDriverWait(driver, WAIT).pollingEvery(Duration.ofMillis(50))
                    .until(d -> Boolean.TRUE.equals(js("return !!(" + condition + ")", args)));
        } catch (TimeoutException e) {
            Object state = js("return JSON.stringify(window.gameport ? {connected: gameport.connected,"
                    + " loggedIn: gameport.loggedIn, me: gameport.me, objects: [...gameport.objects.values()],"
                    + " events: gameport.events, error: gameport.error} : window.gameportAdmin"
                    + " ? {samples: gameportAdmin.samples, error: gameportAdmin.error} : null)");
            throw new AssertionError("waited " + WAIT.toSeconds() + " s for " + what + "; page state: " + state
                    + "; console: " + consoleLines(), e);
        }
    }

    private static int num(Object o) {
        return ((Number) o).intValue();
    }

    private static void screenshot(String name) throws Exception {
        Files.createDirectories(SCREENSHOTS);
        byte[] png;
        try {
            // The whole page, not just the viewport.
            @SuppressWarnings("unchecked")
            Map<String, Object> metrics = (Map<String, Object>) driver.executeCdpCommand("Page.getLayoutMetrics", Map.of());
            @SuppressWarnings("unchecked")
            Map<String, Object> size = (Map<String, Object>) metrics.get("cssContentSize");
            Map<String, Object> clip = Map.of("x", 0, "y", 0, "width", size.get("width"), "height", size.get("height"),
                    "scale", 1);
            Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot",
                    Map.of("captureBeyondViewport", true, "clip", clip));
            png = Base64.getDecoder().decode((String) shot.get("data"));
        } catch (RuntimeException e) {
            png = driver.getScreenshotAs(OutputType.BYTES);
        }
        Files.write(SCREENSHOTS.resolve(name), png);
    }

    private static List<String> consoleLines() {
        List<String> out = new ArrayList<>();
        try {
            for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
                out.add(e.getLevel() + " " + e.getMessage());
            }
        } catch (RuntimeException e) {
            out.add("(console log unavailable: " + e.getMessage() + ")");
        }
        return out;
    }

    private static void assertNoConsoleErrors() {
        List<String> severe = consoleLines().stream().filter(l -> l.startsWith("SEVERE")).toList();
        assertEquals(List.of(), severe, "no errors in the browser console");
    }

    private static CharSequence arrow(int dir) {
        return switch (dir) {
            case DIR_UP -> Keys.ARROW_UP;
            case DIR_DOWN -> Keys.ARROW_DOWN;
            case DIR_LEFT -> Keys.ARROW_LEFT;
            default -> Keys.ARROW_RIGHT;
        };
    }

    // ------------------------------------------------------------------ the map and walking

    private static String[] buildMap() {
        char[][] m = new char[30][30];
        for (char[] row : m) {
            java.util.Arrays.fill(row, '.');
        }
        for (int x = 4; x <= 12; x++) {
            m[5][x] = '#';
        }
        for (int x = 19; x <= 27; x++) {
            m[3][x] = '#';
        }
        m[2][19] = '#';
        for (int y = 10; y <= 20; y++) {
            m[y][20] = '#';
        }
        for (int x = 3; x <= 8; x++) {
            m[14][x] = '#';
        }
        for (int y = 24; y <= 25; y++) {
            m[y][24] = '#';
            m[y][25] = '#';
        }
        String[] rows = new String[30];
        for (int y = 0; y < 30; y++) {
            rows[y] = new String(m[y]);
        }
        return rows;
    }

    private static boolean isFree(int x, int y) {
        return x >= 0 && y >= 0 && y < MAP.length && x < MAP[y].length() && MAP[y].charAt(x) == '.';
    }

    private static int[] step(int[] p, int dir) {
        return switch (dir) {
            case DIR_UP -> new int[] {p[0], p[1] - 1};
            case DIR_DOWN -> new int[] {p[0], p[1] + 1};
            case DIR_LEFT -> new int[] {p[0] - 1, p[1]};
            default -> new int[] {p[0] + 1, p[1]};
        };
    }

    /** {@code preferred} if that neighbour of (x, y) is free, else the first free direction. */
    private static int freeDirection(int x, int y, int preferred) {
        int[] order = {preferred, DIR_RIGHT, DIR_DOWN, DIR_LEFT, DIR_UP};
        for (int d : order) {
            int[] to = step(new int[] {x, y}, d);
            if (isFree(to[0], to[1])) {
                return d;
            }
        }
        throw new AssertionError("no free tile next to (" + x + "," + y + ")");
    }

    /** A direction from (x, y) onto a free tile within 2 tiles of {@code near} that is not {@code near} itself. */
    private static int stepKeepingNear(int x, int y, int[] near) {
        for (int d = 0; d < 4; d++) {
            int[] to = step(new int[] {x, y}, d);
            if (isFree(to[0], to[1]) && !(to[0] == near[0] && to[1] == near[1])
                    && Math.abs(to[0] - near[0]) <= 2 && Math.abs(to[1] - near[1]) <= 2) {
                return d;
            }
        }
        throw new AssertionError("no step from (" + x + "," + y + ") keeps near " + near[0] + "," + near[1]);
    }

    /** Walks the client (one awaited move at a time, around walls) onto a free tile next to {@code target}. */
    private static void walk(TestClient c, int[] target) {
        int w = MAP[0].length();
        int h = MAP.length;
        int[] prevDir = new int[w * h];
        int[] prev = new int[w * h];
        java.util.Arrays.fill(prev, -2);
        int start = c.y() * w + c.x();
        prev[start] = -1;
        ArrayDeque<Integer> queue = new ArrayDeque<>(List.of(start));
        int goal = -1;
        while (!queue.isEmpty()) {
            int at = queue.poll();
            int x = at % w;
            int y = at / w;
            if (Math.abs(x - target[0]) + Math.abs(y - target[1]) == 1) {
                goal = at;
                break;
            }
            for (int d = 0; d < 4; d++) {
                int[] to = step(new int[] {x, y}, d);
                if (isFree(to[0], to[1]) && prev[to[1] * w + to[0]] == -2) {
                    prev[to[1] * w + to[0]] = at;
                    prevDir[to[1] * w + to[0]] = d;
                    queue.add(to[1] * w + to[0]);
                }
            }
        }
        assertTrue(goal >= 0, "no path next to " + target[0] + "," + target[1]);
        ArrayDeque<Integer> dirs = new ArrayDeque<>();
        for (int at = goal; prev[at] != -1; at = prev[at]) {
            dirs.push(prevDir[at]);
        }
        for (int d : dirs) {
            c.moveAndAwait(d);
        }
        assertEquals(1, Math.abs(c.x() - target[0]) + Math.abs(c.y() - target[1]), "walked next to the target");
    }
}
