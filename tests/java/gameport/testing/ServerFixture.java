package gameport.testing;

import gameport.server.GameServer;
import gameport.server.ServerConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * One in-process server for one test, closed with try-with-resources together with every client
 * it handed out.
 */
public final class ServerFixture implements AutoCloseable {
    public final ServerConfig config;
    public final GameServer server;
    public final int port;
    private final List<TestClient> clients = new ArrayList<>();

    private ServerFixture(ServerConfig config, GameServer server) {
        this.config = config;
        this.server = server;
        this.port = server.port();
    }

    /**
     * Test defaults: loopback, any port, no stats, a long idle timeout, an open map without NPCs
     * (the world tests add walls and NPCs); map and view as the test sets. Rate limits are off:
     * tests walk clients across the map and pipeline packets far faster than a player may; the
     * limits have tests of their own (RateLimitTest, AbuseSuiteTest), which turn them on. No
     * database: the persistence tests (gameport.store) choose theirs.
     */
    public static ServerConfig config(String engine) {
        boolean workers = engine.equals(Engines.NATIVE_WORKERS);
        return new ServerConfig().engine(workers ? "native" : engine).workers(workers ? 1 : 0)
                .host("127.0.0.1").port(0).statsIntervalS(0).npcs(0).wallDensity(0)
                .idleTimeoutMs(60_000).seed(12345).width(100).height(100).viewRange(7).maxUsers(10_000)
                .rateLimits("off").db("none").noHttp();
    }

    public static ServerFixture start(ServerConfig config) throws Exception {
        return new ServerFixture(config, GameServer.start(config));
    }

    /** A connected client that knows the map bounds (not logged in). */
    public TestClient connect(String label) {
        return connect(label, -1);
    }

    public TestClient connect(String label, int receiveBuffer) {
        TestClient c = TestClient.connect(port, label, receiveBuffer).mapBounds(config.width, config.height);
        synchronized (clients) {
            clients.add(c);
        }
        return c;
    }

    /** A client connected over WebSocket (the browser's transport; needs {@code config.httpPort(0)}), not logged in. */
    public TestClient connectWebSocket(String label) {
        return connectWebSocket(label, -1);
    }

    public TestClient connectWebSocket(String label, int receiveBuffer) {
        int http = server.httpPort();
        if (http < 0) {
            throw new IllegalStateException("this server has no HTTP port: start it with config.httpPort(0)");
        }
        TestClient c = TestClient.connectWebSocket(http, label, receiveBuffer).mapBounds(config.width, config.height);
        synchronized (clients) {
            clients.add(c);
        }
        return c;
    }

    /** A WebSocket client logged in as {@code name}. */
    public TestClient loginWebSocket(String name) {
        TestClient c = connectWebSocket(name);
        c.loginOk(name);
        return c;
    }

    /** A connected client logged in as {@code name} (SC_LOGIN_INFO received). */
    public TestClient login(String name) {
        TestClient c = connect(name);
        c.loginOk(name);
        return c;
    }

    @Override
    public void close() {
        synchronized (clients) {
            for (TestClient c : clients) {
                c.close();
            }
            clients.clear();
        }
        server.close();
    }
}
