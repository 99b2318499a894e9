package gameport.server;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** In-process start and shutdown: port 0 binds a free port, close() ends every session, frees the port, twice is fine. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ServerLifecycleTest {

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void closeEndsSessionsFreesThePortAndIsIdempotent(String engine) throws Exception {
        int port;
        TestClient a;
        TestClient b;
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1))) {
            port = f.port;
            assertTrue(port > 0, "bound port " + port);
            a = f.login("a");
            b = f.connect("b");
            a.moveAndAwait(DIR_UP);
            f.server.close();
            a.awaitClosed(Duration.ofSeconds(5));
            b.awaitClosed(Duration.ofSeconds(5));
            f.server.close(); // idempotent (the fixture closes it a third time)
        }
        try (ServerSocket s = new ServerSocket(port, 50, InetAddress.getByName("127.0.0.1"))) {
            assertEquals(port, s.getLocalPort(), "port released by close()");
        }
    }

    /** PROTOCOL.md defaults: port 4000, a 2000 x 2000 map, R = 7, idle timeout 60 s. */
    @org.junit.jupiter.api.Test
    void defaultsMatchTheProtocol() {
        ServerConfig c = new ServerConfig();
        assertEquals(4000, c.port);
        assertEquals(2000, c.width);
        assertEquals(2000, c.height);
        assertEquals(7, c.viewRange);
        assertEquals(60_000, c.idleTimeoutMs);
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void twoServersRunSideBySide(String engine) throws Exception {
        try (ServerFixture f1 = ServerFixture.start(ServerFixture.config(engine).width(1).height(1));
             ServerFixture f2 = ServerFixture.start(ServerFixture.config(engine).width(1).height(1))) {
            assertNotEquals(f1.port, f2.port);
            TestClient a = f1.login("same");
            TestClient b = f2.login("same"); // separate worlds: the name is free in each
            a.moveAndAwait(DIR_UP);
            b.moveAndAwait(DIR_UP);
            assertTrue(a.viewIds().isEmpty());
            assertTrue(b.viewIds().isEmpty());
        }
    }
}
