package gameport.server;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import gameport.testing.TestClient.Packet;
import gameport.testing.Views;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** CS_CHAT reaches the sender and every player that has the sender in view, nobody else, byte for byte. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ChatTest {
    private static final Duration QUIET = Duration.ofMillis(200);

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void chatGoesToViewersAndSenderOnly(String engine) throws Exception {
        int r = 2;
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(20).height(1).viewRange(r))) {
            TestClient a = f.login("alice");
            a.walkToX(0);
            TestClient b = f.login("bob");
            b.walkToX(2);     // sees a (distance 2 = R) and c
            TestClient c = f.login("carol");
            c.walkToX(3);     // sees b, not a (distance 3)
            TestClient d = f.login("dave");
            d.walkToX(19);    // sees nobody
            Views.assertConsistent(r, a, b, c, d);

            byte[] text = "h\u00e9llo w\u00f6rld \ud83d\ude00!".getBytes(StandardCharsets.UTF_8);
            a.chat(text);
            assertChat(a.awaitPacket(SC_CHAT, p -> p.id() == a.id()), a, text);
            assertChat(b.awaitPacket(SC_CHAT, p -> p.id() == a.id()), a, text);
            c.sync();
            d.sync();
            c.expectNoPacket(SC_CHAT, p -> p.id() == a.id(), QUIET);
            d.expectNoPacket(SC_CHAT, p -> p.id() == a.id(), Duration.ZERO);

            byte[] fromB = "from bob".getBytes(StandardCharsets.UTF_8);
            b.chat(fromB);
            for (TestClient viewer : new TestClient[] {a, b, c}) {
                assertChat(viewer.awaitPacket(SC_CHAT, p -> p.id() == b.id()), b, fromB);
            }
            d.sync();
            d.expectNoPacket(SC_CHAT, p -> p.id() == b.id(), Duration.ZERO);

            byte[] fromC = "from carol".getBytes(StandardCharsets.UTF_8);
            c.chat(fromC);
            assertChat(c.awaitPacket(SC_CHAT, p -> p.id() == c.id()), c, fromC);
            assertChat(b.awaitPacket(SC_CHAT, p -> p.id() == c.id()), c, fromC);
            a.sync();
            a.expectNoPacket(SC_CHAT, p -> p.id() == c.id(), QUIET);

            // Alone: the sender still gets its own chat.
            byte[] alone = "anyone?".getBytes(StandardCharsets.UTF_8);
            d.chat(alone);
            assertChat(d.awaitPacket(SC_CHAT, p -> p.id() == d.id()), d, alone);
            for (TestClient other : new TestClient[] {a, b, c}) {
                other.sync();
                other.expectNoPacket(SC_CHAT, p -> p.id() == d.id(), Duration.ZERO);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void chatCarriesExactBytesFromOneTo300(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1))) {
            TestClient a = f.login("alice");
            TestClient b = f.login("bob");
            a.awaitPacket(SC_ADD_OBJECT, p -> p.id() == b.id());
            byte[][] texts = {
                "x".getBytes(StandardCharsets.UTF_8),
                "\ud55c".repeat(100).getBytes(StandardCharsets.UTF_8),               // 300 bytes, 3-byte chars
                "a".repeat(MAX_CHAT_BYTES).getBytes(StandardCharsets.UTF_8),
                "  spaces  and\ttabs, \"quotes\" %s %n \\0".getBytes(StandardCharsets.UTF_8),
                "\u00ff\u0100\u07ff\u0800\uffef\ud800\udc00".getBytes(StandardCharsets.UTF_8),
            };
            assertEquals(300, texts[1].length);
            for (byte[] text : texts) {
                a.chat(text);
                Packet own = a.awaitPacket(SC_CHAT, p -> p.id() == a.id());
                assertChat(own, a, text);
                assertEquals(HEADER_SIZE + 4 + text.length, own.size());
                assertChat(b.awaitPacket(SC_CHAT, p -> p.id() == a.id()), a, text);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void manyChatsArriveInOrder(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1))) {
            TestClient a = f.login("alice");
            TestClient b = f.login("bob");
            b.sync();
            byte[][] batch = new byte[60][];
            for (int i = 0; i < batch.length; i++) {
                batch[i] = TestClient.chatPacket("message " + i);
            }
            a.sendRaw(TestClient.concat(batch));
            for (int i = 0; i < batch.length; i++) {
                assertEquals("message " + i, b.awaitPacket(SC_CHAT, p -> p.id() == a.id()).textString());
                assertEquals("message " + i, a.awaitPacket(SC_CHAT, p -> p.id() == a.id()).textString());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void chatFollowsTheView(String engine) throws Exception {
        int r = 1;
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(10).height(1).viewRange(r))) {
            TestClient a = f.login("alice");
            a.walkToX(0);
            TestClient b = f.login("bob");
            b.walkToX(5);
            a.chat("not for bob");
            a.awaitPacket(SC_CHAT, p -> p.id() == a.id());
            b.sync();
            b.expectNoPacket(SC_CHAT, p -> p.id() == a.id(), Duration.ZERO);
            b.walkToX(1);
            a.chat("now bob hears");
            a.awaitPacket(SC_CHAT, p -> p.id() == a.id());
            assertEquals("now bob hears", b.awaitPacket(SC_CHAT, p -> p.id() == a.id()).textString());
            b.walkToX(2);
            a.chat("gone again");
            a.awaitPacket(SC_CHAT, p -> p.id() == a.id());
            b.sync();
            b.expectNoPacket(SC_CHAT, p -> p.id() == a.id(), Duration.ZERO);
        }
    }

    private static void assertChat(Packet p, TestClient sender, byte[] text) {
        assertEquals(sender.id(), p.id(), "SC_CHAT carries the sender id");
        assertArrayEquals(text, p.text(), "SC_CHAT carries the exact bytes");
    }
}
