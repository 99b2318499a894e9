package gameport.web;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.game.GameMap;
import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** /metrics, /admin's data and /api/map over real HTTP, and who may see the operator's pages. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HttpEndpointsTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static HttpResponse<byte[]> get(String host, int port, String path, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String body(HttpResponse<byte[]> r) {
        return new String(r.body(), java.nio.charset.StandardCharsets.UTF_8);
    }

    // ---- Prometheus text format (exposition format 0.0.4), checked strictly ----

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\.)*\",?)*)\\})? "
                    + "([-+]?(?:[0-9.]+(?:[eE][-+]?[0-9]+)?|NaN|\\+Inf|-Inf))( -?[0-9]+)?");

    /** Every sample by its name and labels as written, e.g. {@code gameport_session_closes_total{reason="logout"}}. */
    private static Map<String, Double> parseExposition(String text) {
        Map<String, Double> samples = new HashMap<>();
        Map<String, String> types = new HashMap<>();
        Set<String> helped = new HashSet<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ", 4);
                assertTrue(NAME.matcher(parts[2]).matches(), "metric name: " + line);
                if (parts[1].equals("TYPE")) {
                    assertTrue(Set.of("counter", "gauge", "summary", "histogram", "untyped").contains(parts[3]), line);
                    assertNull(types.put(parts[2], parts[3]), "one TYPE per metric: " + line);
                } else {
                    helped.add(parts[2]);
                }
                continue;
            }
            assertFalse(line.startsWith("#") && !line.startsWith("# "), line);
            if (line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertTrue(m.matches(), "not a Prometheus sample line: '" + line + "'");
            String family = m.group(1).replaceAll("(_total|_count|_sum|_created)$", "");
            assertTrue(types.containsKey(family) || types.containsKey(m.group(1)), "sample without a TYPE: " + line);
            assertNull(samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(
                    m.group(4).replace("+Inf", "Infinity").replace("-Inf", "-Infinity"))), "duplicate: " + line);
        }
        for (Map.Entry<String, String> t : types.entrySet()) {
            assertTrue(t.getKey().startsWith("gameport_"), "our metrics carry the gameport_ prefix: " + t.getKey());
            assertTrue(helped.contains(t.getKey()), "every metric has a HELP line: " + t.getKey());
            if (t.getValue().equals("counter")) {
                String total = t.getKey().endsWith("_total") ? t.getKey() : t.getKey() + "_total";
                assertTrue(samples.containsKey(total) || samples.keySet().stream().anyMatch(k -> k.startsWith(total + "{")),
                        "a counter's samples end in _total: " + t.getKey());
            }
        }
        return samples;
    }

    private static Map<String, Double> scrape(int port) throws Exception {
        HttpResponse<byte[]> r = get("127.0.0.1", port, "/metrics", null);
        assertEquals(200, r.statusCode(), body(r));
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                r.headers().toString());
        return parseExposition(body(r));
    }

    /** Scrapes until {@code key} reaches {@code atLeast} (the game publishes twice a second). */
    private static Map<String, Double> awaitMetric(int port, String key, double atLeast) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            Map<String, Double> m = scrape(port);
            if (m.getOrDefault(key, -1.0) >= atLeast) {
                return m;
            }
            assertTrue(System.nanoTime() < deadline, key + " stayed at " + m.get(key) + " < " + atLeast + "; " + m);
            Thread.sleep(100);
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void metricsParseAndMoveWithTraffic(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(8).height(8).httpPort(0))) {
            int http = f.server.httpPort();
            Map<String, Double> before = scrape(http);
            for (String name : new String[] {"gameport_sessions", "gameport_players_online", "gameport_npcs_awake",
                    "gameport_game_loop_busy_ratio", "gameport_game_loop_busy_seconds_total", "gameport_logins_total",
                    "gameport_packets_received_total", "gameport_packets_sent_total",
                    "gameport_received_bytes_total", "gameport_sent_bytes_total",
                    "gameport_ring_used_bytes{ring=\"events\"}", "gameport_ring_capacity_bytes{ring=\"requests\"}",
                    "gameport_session_closes_total{reason=\"logout\"}",
                    "gameport_stage_latency_seconds{stage=\"ring-dwell\",quantile=\"0.99\"}",
                    "gameport_stage_latency_seconds_count{stage=\"game-handling\"}"}) {
                assertTrue(before.containsKey(name), name + " missing from " + before.keySet());
            }
            double packetsBefore = before.get("gameport_packets_received_total");

            TestClient tcp = f.login("metered");
            TestClient web = f.loginWebSocket("webmetered");
            for (int i = 0; i < 10; i++) {
                tcp.moveAndAwait(i % 2 == 0 ? DIR_UP : DIR_DOWN);
                web.moveAndAwait(i % 2 == 0 ? DIR_LEFT : DIR_RIGHT);
            }
            Map<String, Double> after = awaitMetric(http, "gameport_packets_received_total", packetsBefore + 22);
            assertEquals(2.0, after.get("gameport_sessions"));
            assertEquals(2.0, after.get("gameport_players_online"));
            assertTrue(after.get("gameport_logins_total") >= 2);
            assertTrue(after.get("gameport_received_bytes_total") >= 2 * CS_LOGIN_SIZE + 20 * CS_MOVE_SIZE);
            assertTrue(after.get("gameport_packets_sent_total") >= 20);
            assertTrue(after.get("gameport_sent_bytes_total") >= 20 * SC_MOVE_OBJECT_SIZE);
            awaitMetric(http, "gameport_stage_latency_seconds_count{stage=\"game-handling\"}", 22);

            double logouts = after.get("gameport_session_closes_total{reason=\"logout\"}");
            web.logout();
            web.awaitEof(Duration.ofSeconds(5));
            awaitMetric(http, "gameport_session_closes_total{reason=\"logout\"}", logouts + 1);
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void adminStateAndHeatmapShowThePlayers(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(30).height(30).httpPort(0))) {
            int http = f.server.httpPort();
            TestClient a = f.login("alpha");
            f.loginWebSocket("beta");
            a.logout();
            long deadline = System.nanoTime() + 5_000_000_000L;
            String heat;
            while (true) {
                String state = body(get("127.0.0.1", http, "/admin/api/state", null));
                heat = body(get("127.0.0.1", http, "/admin/api/heatmap", null));
                if (state.contains("\"players\":1,") && state.contains("\"logout\":1") && heat.contains("\"cols\":30")) {
                    assertTrue(state.contains("player 'alpha'"), "the last closes name the player: " + state);
                    assertTrue(state.contains("\"name\":\"ring-dwell\""), state);
                    break;
                }
                assertTrue(System.nanoTime() < deadline, "state: " + state + "\nheatmap: " + heat);
                Thread.sleep(100);
            }
            Matcher players = Pattern.compile("\"players\":\\[([0-9,]*)\\]").matcher(heat);
            assertTrue(players.find(), heat);
            int sum = 0;
            for (String n : players.group(1).split(",")) {
                sum += Integer.parseInt(n);
            }
            assertEquals(1, sum, "one player online, in one cell: " + heat);
            assertEquals(200, get("127.0.0.1", http, "/admin", null).statusCode());
        }
    }

    @Test
    void mapBitsAreTheServersMap() throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config("java").width(37).height(21).wallDensity(0.2)
                .seed(77).httpPort(0))) {
            GameMap expected = GameMap.generate(37, 21, 0.2, 77);
            HttpResponse<byte[]> r = get("127.0.0.1", f.server.httpPort(), "/api/map", null);
            assertEquals(200, r.statusCode());
            ByteBuffer b = ByteBuffer.wrap(r.body()).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(37, b.getInt());
            assertEquals(21, b.getInt());
            int walls = 0;
            for (int y = 0; y < 21; y++) {
                for (int x = 0; x < 37; x++) {
                    int i = y * 37 + x;
                    boolean wall = (r.body()[8 + (i >>> 3)] >> (i & 7) & 1) == 1;
                    assertEquals(expected.isWall(x, y), wall, "tile " + x + "," + y);
                    walls += wall ? 1 : 0;
                }
            }
            assertTrue(walls > 0, "a map with walls was checked");
            assertTrue(body(get("127.0.0.1", f.server.httpPort(), "/api/config", null))
                    .matches("\\{\"viewRange\":7,\"width\":37,\"height\":21}"));
        }
    }

    /** An address of this machine that is not loopback: requests to it come from it, as another machine's would. */
    private static String nonLoopbackAddress() throws Exception {
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!ni.isUp() || ni.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                    return a.getHostAddress();
                }
            }
        }
        return null;
    }

    @Test
    void operatorPagesAnswerOnlyLoopbackUnlessGivenTheToken() throws Exception {
        String outside = nonLoopbackAddress();
        Assumptions.assumeTrue(outside != null, "no non-loopback IPv4 address on this machine to test remote access from");
        try (ServerFixture f = ServerFixture.start(ServerFixture.config("java").host("0.0.0.0").httpPort(0))) {
            int http = f.server.httpPort();
            for (String path : new String[] {"/admin", "/admin/api/state", "/admin/api/heatmap", "/metrics"}) {
                assertEquals(200, get("127.0.0.1", http, path, null).statusCode(), path);
                HttpResponse<byte[]> refused = get(outside, http, path, null);
                assertEquals(403, refused.statusCode(), path + " from " + outside);
                assertTrue(body(refused).contains("--admin-token"), body(refused));
            }
            assertEquals(200, get(outside, http, "/api/config", null).statusCode(), "the game's own pages are public");
        }
        try (ServerFixture f = ServerFixture.start(ServerFixture.config("java").host("0.0.0.0").httpPort(0)
                .adminToken("s3cret-token"))) {
            int http = f.server.httpPort();
            assertEquals(200, get(outside, http, "/metrics", "s3cret-token").statusCode());
            assertEquals(200, get(outside, http, "/admin/api/state?token=s3cret-token", null).statusCode());
            assertEquals(403, get(outside, http, "/metrics", "s3cret-tokeN").statusCode());
            assertEquals(403, get(outside, http, "/admin?token=wrong", null).statusCode());
            assertEquals(200, get("127.0.0.1", http, "/admin/api/state", null).statusCode());
        }
    }
}
