package gameport.testing;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The harness itself: its per-packet checks must catch every broken rule (against a scripted fake server). */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TestClientSelfTest {

    static byte[] loginInfo(int id, int x, int y) {
        return ByteBuffer.allocate(SC_LOGIN_INFO_SIZE).order(ByteOrder.LITTLE_ENDIAN).putShort((short) SC_LOGIN_INFO_SIZE)
                .put((byte) SC_LOGIN_INFO).putInt(0).putInt(id).putInt(100).putInt(100).putInt(0).putInt(1)
                .putShort((short) x).putShort((short) y).array();
    }

    static byte[] add(int id, int x, int y, String name) {
        ByteBuffer b = ByteBuffer.allocate(SC_ADD_OBJECT_SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) SC_ADD_OBJECT_SIZE).put((byte) SC_ADD_OBJECT).putInt(id).putInt(0)
                .putShort((short) x).putShort((short) y);
        b.put(name.getBytes());
        return b.array();
    }

    static byte[] remove(int id) {
        return ByteBuffer.allocate(SC_REMOVE_OBJECT_SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) SC_REMOVE_OBJECT_SIZE).put((byte) SC_REMOVE_OBJECT).putInt(id).array();
    }

    static byte[] move(int id, int x, int y, long t) {
        return ByteBuffer.allocate(SC_MOVE_OBJECT_SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) SC_MOVE_OBJECT_SIZE).put((byte) SC_MOVE_OBJECT).putInt(id).putShort((short) x)
                .putShort((short) y).putInt((int) t).array();
    }

    static byte[] chat(int id, String text) {
        byte[] t = text.getBytes();
        return ByteBuffer.allocate(7 + t.length).order(ByteOrder.LITTLE_ENDIAN).putShort((short) (7 + t.length))
                .put((byte) SC_CHAT).putInt(id).put(t).array();
    }

    /** Runs the client side against a server that writes {@code script}; returns what the client threw. */
    static AssertionError run(byte[] script, Consumer<TestClient> client) throws Exception {
        try (ServerSocket ss = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             TestClient c = TestClient.connect(ss.getLocalPort(), "probe").mapBounds(10, 10);
             Socket s = ss.accept()) {
            OutputStream out = s.getOutputStream();
            out.write(script);
            out.flush();
            try {
                client.accept(c);
                c.drain(Duration.ofMillis(100));
                return null;
            } catch (AssertionError e) {
                return e;
            }
        }
    }

    static AssertionError afterLogin(byte[]... packets) throws Exception {
        return run(TestClient.concat(loginInfo(1, 5, 5), TestClient.concat(packets)), c -> {
            c.login("probe");
            c.awaitLoginAnswer();
        });
    }

    static void assertViolation(AssertionError e, String fragment) {
        assertNotNull(e, "the harness must reject this");
        assertTrue(e.getMessage().contains(fragment), "message: " + e.getMessage());
    }

    @Test
    void aConsistentStreamPasses() throws Exception {
        assertNull(afterLogin(add(2, 4, 4, "b"), move(2, 4, 5, 9), chat(2, "hi"), chat(1, "me"), remove(2),
                add(2, 6, 6, "b2"), remove(2)));
    }

    @Test
    void catchesEachBrokenRule() throws Exception {
        assertViolation(afterLogin(move(2, 4, 5, 0)), "not in view");
        assertViolation(afterLogin(chat(2, "x")), "not in view");
        assertViolation(afterLogin(add(2, 4, 4, "b"), remove(2), move(2, 4, 4, 0)), "after its SC_REMOVE_OBJECT");
        assertViolation(afterLogin(add(2, 4, 4, "b"), add(2, 4, 4, "b")), "already in view");
        assertViolation(afterLogin(remove(3)), "not in view");
        assertViolation(afterLogin(add(1, 5, 5, "me")), "about itself");
        assertViolation(afterLogin(add(2, 40, 4, "b")), "outside");
        assertViolation(afterLogin(add(2, 4, 4, "")), "empty name");
        assertViolation(afterLogin(move(1, 5, 5, 0)), "no CS_MOVE/CS_TELEPORT pending");
        byte[] badSize = remove(2);
        badSize[0] = 8;
        assertViolation(afterLogin(TestClient.concat(badSize, new byte[1])), "expected 7");
        assertViolation(afterLogin(TestClient.header(3, 99)), "unknown server packet type");
        assertViolation(run(add(2, 4, 4, "b"), c -> c.drain(Duration.ofMillis(100))), "before SC_LOGIN_INFO");
        assertViolation(run(TestClient.concat(add(2, 4, 4, "b"), loginInfo(1, 5, 5)), c -> {
            c.login("probe");
            c.awaitLoginAnswer();
        }), "before SC_LOGIN_INFO");
    }

    @Test
    void checksMoveEchoes() throws Exception {
        // Right from (5,5) must echo (6,5) with the same move_time.
        assertNull(run(TestClient.concat(loginInfo(1, 5, 5), move(1, 6, 5, 77)), c -> {
            c.loginOk("p");
            c.move(DIR_RIGHT, 77);
            c.awaitEcho(77);
        }));
        assertViolation(run(TestClient.concat(loginInfo(1, 5, 5), move(1, 6, 5, 78)), c -> {
            c.loginOk("p");
            c.move(DIR_RIGHT, 77);
            c.awaitEcho(77);
        }), "move_time");
        assertViolation(run(TestClient.concat(loginInfo(1, 5, 5), move(1, 5, 5, 77)), c -> {
            c.loginOk("p");
            c.move(DIR_RIGHT, 77);
            c.awaitEcho(77);
        }), "must end at (6,5)");
        assertViolation(run(TestClient.concat(loginInfo(1, 0, 5), move(1, -1, 5, 77)), c -> {
            c.loginOk("p");
            c.move(DIR_LEFT, 77);
            c.awaitEcho(77);
        }), "outside");
        assertViolation(run(TestClient.concat(loginInfo(1, 5, 5), move(1, 2, 2, 5)), c -> {
            c.loginOk("p");
            c.teleport();
            c.drain(Duration.ofMillis(100));
        }), "move_time 0");
    }
}
