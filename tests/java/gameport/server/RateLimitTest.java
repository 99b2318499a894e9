package gameport.server;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.LogCapture;
import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import java.io.DataInputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The default limits (docs/PROTOCOL.md, Limits) through real sockets: over-limit packets have no effect. */
class RateLimitTest {
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void movesPastTheBurstAreDroppedWithoutAnEchoAndTheSessionStays(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).rateLimits("on"));
             Socket raw = new Socket("127.0.0.1", f.port)) {
            // Raw, not a TestClient: its model expects an echo for every move, and these are meant to lose some.
            raw.getOutputStream().write(TestClient.loginPacket("eager"));
            int self = ByteBuffer.wrap(readPackets(raw, Duration.ofSeconds(5), 1).get(0)).order(ByteOrder.LITTLE_ENDIAN)
                    .getInt(3);
            byte[] burst = new byte[0];
            for (int i = 0; i < 150; i++) {
                burst = TestClient.concat(burst, TestClient.movePacket(i % 2 == 0 ? DIR_LEFT : DIR_RIGHT, 10_000 + i));
            }
            raw.getOutputStream().write(burst);
            long echoes = readPackets(raw, Duration.ofMillis(700), Integer.MAX_VALUE).stream()
                    .filter(p -> p[2] == SC_MOVE_OBJECT
                            && ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN).getInt(3) == self)
                    .count();
            // The burst of 100, plus what 20 a second refilled while the write was handled.
            assertTrue(echoes >= 100 && echoes <= 105, "echoes of 150 moves sent at once: " + echoes);
            TestClient.sleep(100); // two tokens back
            raw.getOutputStream().write(TestClient.movePacket(DIR_UP, 99));
            assertEquals(1, readPackets(raw, Duration.ofMillis(700), Integer.MAX_VALUE).stream()
                    .filter(p -> p[2] == SC_MOVE_OBJECT).count(), "the session is still served");
        }
    }

    /** Whole server packets read within {@code d}, at most {@code max}; ends early at EOF. */
    private static List<byte[]> readPackets(Socket s, Duration d, int max) throws Exception {
        List<byte[]> out = new ArrayList<>();
        DataInputStream in = new DataInputStream(s.getInputStream());
        long deadline = System.nanoTime() + d.toNanos();
        try {
            while (out.size() < max && System.nanoTime() < deadline) {
                s.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                int size = in.readUnsignedByte() | in.readUnsignedByte() << 8;
                byte[] p = new byte[size];
                p[0] = (byte) size;
                p[1] = (byte) (size >> 8);
                in.readFully(p, 2, size - 2);
                out.add(p);
            }
        } catch (SocketTimeoutException | java.io.EOFException e) {
            // the time is up, or the server closed
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void chatPastItsLimitReachesNobody(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).rateLimits("chat=3/1").width(1).height(1))) {
            TestClient talker = f.login("talker");
            TestClient listener = f.login("listener");
            for (int i = 0; i < 10; i++) {
                talker.chat("line " + i);
            }
            for (int i = 0; i < 3; i++) {
                String expected = "line " + i;
                listener.awaitPacket(SC_CHAT, p -> p.id() == talker.id() && p.textString().equals(expected));
            }
            listener.expectNoPacket(SC_CHAT, Duration.ofMillis(300));
            talker.assertOpen();
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void aCapPerAddressRefusesWithLoginFailThenCloses(String engine) throws Exception {
        try (LogCapture log = new LogCapture();
             ServerFixture f = ServerFixture.start(ServerFixture.config(engine).maxConnectionsPerAddress(3).capLoopback(true))) {
            TestClient a = f.login("a");
            f.connect("b");
            f.connect("c");
            try (Socket d = new Socket("127.0.0.1", f.port)) {
                List<byte[]> got = readPackets(d, Duration.ofSeconds(5), Integer.MAX_VALUE);
                assertEquals(1, got.size(), "the fourth connection from 127.0.0.1 gets one packet, then EOF");
                assertArrayEquals(new byte[] {3, 0, SC_LOGIN_FAIL}, got.get(0));
                assertEquals(-1, d.getInputStream().read(), "EOF");
                String peer = "127.0.0.1:" + d.getLocalPort();
                d.close(); // the server's linger ends at our EOF, and the close is logged then
                long deadline = System.nanoTime() + 3_000_000_000L;
                while (log.lines().stream().noneMatch(l -> l.contains(peer) && l.contains("too many connections"))) {
                    assertTrue(System.nanoTime() < deadline, "no close line about " + peer + ": " + log.lines());
                    TestClient.sleep(10);
                }
            }
            a.moveAndAwait(DIR_UP);
        }
    }
}
