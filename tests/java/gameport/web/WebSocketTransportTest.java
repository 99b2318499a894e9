package gameport.web;

import static gameport.protocol.Protocol.*;
import static gameport.testing.WebSocketStreams.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.LogCapture;
import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import gameport.testing.TestClient.Packet;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Browsers' sessions (the game protocol in WebSocket binary frames on /ws) on every engine: they
 * meet TCP players in one world, their frames are a byte stream like TCP's (packets split across
 * frames and fragments, many in one frame), and bad frames get the outcomes bad TCP input gets.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class WebSocketTransportTest {

    private static ServerFixture start(String engine) throws Exception {
        return ServerFixture.start(ServerFixture.config(engine).width(8).height(8).httpPort(0));
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void webAndTcpPlayersMeetMoveAndChat(String engine) throws Exception {
        try (ServerFixture f = start(engine)) {
            TestClient web = f.loginWebSocket("webby");
            TestClient tcp = f.login("tcpy");
            web.awaitPacket(SC_ADD_OBJECT, p -> p.id() == tcp.id());
            tcp.awaitPacket(SC_ADD_OBJECT, p -> p.id() == web.id());

            int dir = web.y() > 0 ? DIR_UP : DIR_DOWN;
            Packet echo = web.moveAndAwait(dir);
            tcp.awaitPacket(SC_MOVE_OBJECT, p -> p.id() == web.id() && p.x() == echo.x() && p.y() == echo.y());
            int tdir = tcp.x() > 0 ? DIR_LEFT : DIR_RIGHT;
            Packet tEcho = tcp.moveAndAwait(tdir);
            web.awaitPacket(SC_MOVE_OBJECT, p -> p.id() == tcp.id() && p.x() == tEcho.x());

            web.chat("hello from the browser \u00e9");
            assertEquals("hello from the browser \u00e9",
                    tcp.awaitPacket(SC_CHAT, p -> p.id() == web.id()).textString());
            tcp.chat("hello back");
            assertEquals("hello back", web.awaitPacket(SC_CHAT, p -> p.id() == tcp.id()).textString());

            web.logout();
            web.awaitEof(Duration.ofSeconds(5));
            assertEquals(1000, web.webSocketCloseCode(), "a logout ends with a normal WebSocket close");
            tcp.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == web.id());
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void packetsSplitAcrossFramesAtEveryByte(String engine) throws Exception {
        try (ServerFixture f = start(engine)) {
            byte[] stream = TestClient.concat(TestClient.loginPacket("splitter"),
                    TestClient.movePacket(DIR_RIGHT, 11), TestClient.chatPacket("one byte per frame"),
                    TestClient.movePacket(DIR_DOWN, 12));
            TestClient c = f.connectWebSocket("splitter");
            c.sendSplit(stream, 1, 0); // one frame per byte
            assertEquals(SC_LOGIN_INFO, c.awaitLoginAnswer().type());
            assertEquals(11, c.awaitPacket(SC_MOVE_OBJECT, p -> p.id() == c.id()).moveTime());
            assertEquals("one byte per frame", c.awaitPacket(SC_CHAT, p -> p.id() == c.id()).textString());
            assertEquals(12, c.awaitPacket(SC_MOVE_OBJECT, p -> p.id() == c.id()).moveTime());
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void fiftyPacketsInOneFrameAndAPacketAcrossFragments(String engine) throws Exception {
        try (ServerFixture f = start(engine)) {
            TestClient c = f.loginWebSocket("burst");
            byte[][] moves = new byte[50][];
            for (int i = 0; i < moves.length; i++) {
                moves[i] = TestClient.movePacket(i % 4, 1000 + i);
            }
            c.sendRaw(TestClient.concat(moves)); // one frame
            for (int i = 0; i < moves.length; i++) {
                assertEquals(1000 + i, c.awaitPacket(SC_MOVE_OBJECT, p -> p.id() == c.id()).moveTime());
            }
            // One message in three fragments (binary, continuation, continuation), cutting a chat
            // inside its header and its body, sent in one TCP write.
            byte[] chat = TestClient.chatPacket("fragmented chat");
            c.webSocket().frames(encode(OP_BINARY, false, Arrays.copyOfRange(chat, 0, 2)),
                    encode(OP_CONTINUATION, false, Arrays.copyOfRange(chat, 2, 9)),
                    encode(OP_CONTINUATION, true, Arrays.copyOfRange(chat, 9, chat.length)));
            assertEquals("fragmented chat", c.awaitPacket(SC_CHAT, p -> p.id() == c.id()).textString());
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void aTextFrameIsAProtocolError(String engine) throws Exception {
        try (LogCapture log = new LogCapture(); ServerFixture f = start(engine)) {
            TestClient bystander = f.login("bystander");
            TestClient c = f.loginWebSocket("texter");
            c.webSocket().frame(OP_TEXT, true, "{\"move\":\"up\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            c.awaitClosed(Duration.ofSeconds(5));
            assertTrue(log.awaitLineAbout(c, "protocol error").contains("text frame"), log.linesAbout(c).toString());
            bystander.moveAndAwait(DIR_UP);
            bystander.assertOpen();
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void anOversizedFrameIsAProtocolError(String engine) throws Exception {
        try (LogCapture log = new LogCapture(); ServerFixture f = start(engine)) {
            TestClient bystander = f.loginWebSocket("bystander");
            TestClient c = f.loginWebSocket("huge");
            byte[] moves = new byte[HttpFront.MAX_FRAME_BYTES + CS_MOVE_SIZE];
            for (int at = 0; at + CS_MOVE_SIZE <= moves.length; at += CS_MOVE_SIZE) {
                System.arraycopy(TestClient.movePacket(DIR_UP, 1), 0, moves, at, CS_MOVE_SIZE);
            }
            c.webSocket().frame(OP_BINARY, true, moves);
            c.awaitClosed(Duration.ofSeconds(5));
            assertTrue(log.awaitLineAbout(c, "protocol error").contains("too large"), log.linesAbout(c).toString());
            bystander.moveAndAwait(DIR_DOWN);
            bystander.assertOpen();
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void aBadHeaderInAFrameClosesOnlyThatSession(String engine) throws Exception {
        try (LogCapture log = new LogCapture(); ServerFixture f = start(engine)) {
            TestClient bystander = f.loginWebSocket("bystander");
            TestClient c = f.loginWebSocket("liar");
            c.sendRaw(TestClient.concat(TestClient.movePacket(DIR_UP, 5), TestClient.header(2000, CS_CHAT)));
            c.awaitClosed(Duration.ofSeconds(5));
            log.assertOneProtocolErrorLine(c);
            assertTrue(log.awaitLineAbout(c, "protocol error").contains("CS_CHAT size 2000"));
            bystander.moveAndAwait(DIR_UP);
            bystander.assertOpen();
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void aBrowserThatStopsReadingIsClosedAsASlowConsumer(String engine) throws Exception {
        int maxPending = 64 * 1024;
        try (LogCapture log = new LogCapture();
             ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1).httpPort(0)
                     .maxPendingBytes(maxPending))) {
            TestClient slow = f.connectWebSocket("slow", 4096);
            slow.loginOk("slow"); // the last thing it reads
            TestClient chatter = f.login("chatter");
            chatter.awaitPacket(SC_ADD_OBJECT, p -> p.id() == slow.id());
            chatter.dontKeep(SC_CHAT);
            byte[][] batch = new byte[50][];
            Arrays.fill(batch, TestClient.chatPacket("c".repeat(MAX_CHAT_BYTES)));
            byte[] burst = TestClient.concat(batch);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            long maxEchoMs = 0;
            while (chatter.sees(slow.id())) {
                assertTrue(System.nanoTime() < deadline, "the browser that does not read was never closed");
                chatter.sendRaw(burst);
                long t0 = System.nanoTime();
                chatter.moveAndAwait(DIR_UP);
                maxEchoMs = Math.max(maxEchoMs, (System.nanoTime() - t0) / 1_000_000);
            }
            assertTrue(maxEchoMs < 2000, "chatter's echo took " + maxEchoMs + " ms while the browser backed up");
            assertTrue(log.awaitLineAbout(slow, "slow consumer").contains("closed (slow consumer)"),
                    log.linesAbout(slow).toString());
            chatter.moveAndAwait(DIR_DOWN);
            chatter.assertOpen();
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void theAdmissionRulesApply(String engine) throws Exception {
        try (LogCapture log = new LogCapture();
             ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(8).height(8).httpPort(0)
                     .maxUsers(1))) {
            f.login("first");
            TestClient web = f.connectWebSocket("second");
            assertEquals(SC_LOGIN_FAIL, web.login("second").awaitLoginAnswer().type());
            web.awaitEof(Duration.ofSeconds(5));
            log.awaitLineAbout(web, "server full");
        }
    }
}
