package gameport.server;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import gameport.testing.TestClient.Packet;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Packets split at any byte or many in one write are reassembled and all answered. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FramingTest {

    /** What a stream of client packets should produce at its sender: self echoes and own chats, in order. */
    private static final class Script {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<Long> echoes = new ArrayList<>();   // move_time, 0 for a teleport
        final List<String> chats = new ArrayList<>();

        Script login(String name) {
            bytes.writeBytes(TestClient.loginPacket(name));
            return this;
        }

        Script move(int dir) {
            long t = TestClient.nextMoveTime();
            bytes.writeBytes(TestClient.movePacket(dir, t));
            echoes.add(t);
            return this;
        }

        Script teleport() {
            bytes.writeBytes(TestClient.emptyPacket(CS_TELEPORT));
            echoes.add(0L);
            return this;
        }

        Script chat(String text) {
            bytes.writeBytes(TestClient.chatPacket(text));
            chats.add(text);
            return this;
        }

        Script attack() {
            bytes.writeBytes(TestClient.emptyPacket(CS_ATTACK));
            return this;
        }

        void verify(TestClient c) {
            int self = c.id();
            for (long t : echoes) {
                Packet p = c.awaitPacket(SC_MOVE_OBJECT, q -> q.id() == self);
                assertEquals(t, p.moveTime(), "echoes in order");
            }
            for (String text : chats) {
                assertEquals(text, c.awaitPacket(SC_CHAT, q -> q.id() == self).textString(), "chats in order");
            }
            assertEquals(0, c.pendingEchoes());
        }
    }

    private static Script mixed(Script s, int n, long seed) {
        Random rnd = new Random(seed);
        for (int i = 0; i < n; i++) {
            switch (rnd.nextInt(6)) {
                case 0 -> s.chat("chat " + i + " " + "z".repeat(rnd.nextInt(40)));
                case 1 -> s.attack();
                case 2 -> s.teleport();
                default -> s.move(rnd.nextInt(4));
            }
        }
        return s;
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void oneBytePerWrite(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(8).height(8))) {
            Script s = new Script().login("slowpoke").move(DIR_UP).move(DIR_RIGHT).chat("split \u00fc chat")
                    .teleport().move(DIR_DOWN).attack().move(DIR_LEFT).chat("x").move(DIR_UP);
            TestClient c = f.connect("slowpoke");
            c.sendSplit(s.bytes.toByteArray(), 1, 1);
            Packet info = c.awaitLoginAnswer();
            assertEquals(SC_LOGIN_INFO, info.type(), "login split into single bytes: " + info);
            s.verify(c);
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void fiftyPacketsInOneWriteIncludingTheLogin(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(8).height(8))) {
            Script s = mixed(new Script().login("burst"), 49, 1);
            TestClient c = f.connect("burst");
            c.sendRaw(s.bytes.toByteArray());
            assertEquals(SC_LOGIN_INFO, c.awaitLoginAnswer().type());
            s.verify(c);
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void fiftyMovesInOneWriteAfterLogin(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(8).height(8))) {
            TestClient c = f.login("burst");
            Script s = new Script();
            for (int i = 0; i < 50; i++) {
                s.move(i % 4);
            }
            c.sendRaw(s.bytes.toByteArray());
            s.verify(c);
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void fiveThousandMovesInOneWrite(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(8).height(8))) {
            TestClient c = f.login("flood");
            Script s = new Script();
            for (int i = 0; i < 5000; i++) {
                s.move((i / 3) % 4);
            }
            c.sendRaw(s.bytes.toByteArray());
            s.verify(c);
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void randomChunksAcrossPacketBoundaries(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(8).height(8))) {
            Script s = mixed(new Script().login("chunky"), 300, 2);
            byte[] all = s.bytes.toByteArray();
            TestClient c = f.connect("chunky");
            Random rnd = new Random(3);
            int at = 0;
            int writes = 0;
            while (at < all.length) {
                int n = Math.min(all.length - at, 1 + rnd.nextInt(9));
                c.sendRaw(java.util.Arrays.copyOfRange(all, at, at + n));
                at += n;
                if (++writes % 16 == 0) {
                    TestClient.sleep(1);
                }
            }
            assertEquals(SC_LOGIN_INFO, c.awaitLoginAnswer().type());
            s.verify(c);
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void headerHeldBackThenCompleted(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(8).height(8))) {
            TestClient c = f.login("patient");
            long t = TestClient.nextMoveTime();
            byte[] move = TestClient.movePacket(DIR_DOWN, t);
            c.sendRaw(java.util.Arrays.copyOfRange(move, 0, 1));
            TestClient.sleep(150);
            c.sendRaw(java.util.Arrays.copyOfRange(move, 1, 3));
            TestClient.sleep(150);
            c.sendRaw(java.util.Arrays.copyOfRange(move, 3, 8));
            assertEquals(t, c.awaitEcho(t).moveTime());
            // A 300-byte chat body trickling in.
            byte[] chat = TestClient.chatPacket("q".repeat(MAX_CHAT_BYTES));
            c.sendSplit(chat, 50, 20);
            assertEquals(MAX_CHAT_BYTES, c.awaitPacket(SC_CHAT, p -> p.id() == c.id()).text().length);
        }
    }
}
