package gameport.server;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.Engines;
import gameport.testing.LogCapture;
import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import gameport.testing.TestClient.Packet;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Session rules: name validation, uniqueness, server full, login-state protocol errors. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LoginTest {
    private static final Duration CLOSE = Duration.ofSeconds(5);
    static final long PROMPT_MS = 500;

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void loginInfoFieldsAreSane(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(10).height(7))) {
            TestClient a = f.login("alice");
            Packet info = a.loginInfo();
            assertEquals(SC_LOGIN_INFO_SIZE, info.size());
            assertEquals(VISUAL_PLAYER, info.visual(), "visual");
            assertTrue(info.hp() > 0, "hp > 0: " + info);
            assertTrue(info.maxHp() >= info.hp(), "max_hp >= hp: " + info);
            assertTrue(info.level() >= 1, "level >= 1: " + info);
            assertTrue(info.exp() >= 0, "exp >= 0: " + info);
            assertTrue(info.x() >= 0 && info.x() < 10 && info.y() >= 0 && info.y() < 7, "inside map: " + info);
            Set<Integer> ids = new HashSet<>();
            ids.add(info.id());
            for (int i = 0; i < 5; i++) {
                assertTrue(ids.add(f.login("p" + i).id()), "player ids must be unique: " + ids);
            }
            // The session works after login.
            a.sync();
            a.assertOpen();
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void spawnsAreRandomAndFollowTheSeed(String engine) throws Exception {
        java.util.List<java.util.List<Integer>> runs = new java.util.ArrayList<>();
        for (long seed : new long[] {5, 5, 6}) {
            java.util.List<Integer> spawns = new java.util.ArrayList<>();
            try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(2000).height(2000).seed(seed))) {
                for (int i = 0; i < 6; i++) {
                    Packet info = f.login("s" + i).loginInfo();
                    spawns.add(info.x());
                    spawns.add(info.y());
                }
            }
            runs.add(spawns);
        }
        assertEquals(runs.get(0), runs.get(1), "same seed, same logins: same spawns");
        assertNotEquals(runs.get(0), runs.get(2), "another seed: other spawns");
        assertTrue(new HashSet<>(runs.get(0)).size() >= 6, "spawns spread over the map: " + runs.get(0));
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void nameOfExactly20BytesIsAccepted(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1))) {
            String ascii20 = "abcdefghijklmnopqrst";
            String utf20 = "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"; // 10 x 2 bytes
            assertEquals(20, ascii20.getBytes(StandardCharsets.UTF_8).length);
            assertEquals(20, utf20.getBytes(StandardCharsets.UTF_8).length);
            TestClient a = f.login(ascii20);
            TestClient b = f.login(utf20);
            // Everyone is on the one tile: each sees the other's full 20-byte name, unpadded.
            Packet addB = a.awaitPacket(SC_ADD_OBJECT, p -> p.id() == b.id());
            assertArrayEquals(utf20.getBytes(StandardCharsets.UTF_8), addB.name());
            Packet addA = b.awaitPacket(SC_ADD_OBJECT, p -> p.id() == a.id());
            assertArrayEquals(ascii20.getBytes(StandardCharsets.UTF_8), addA.name());
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void namePaddingIsNotPartOfTheName(String engine) throws Exception {
        try (LogCapture log = new LogCapture();
             ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1))) {
            TestClient bob = f.login("bob");
            TestClient viewer = f.login("viewer");
            Packet add = viewer.awaitPacket(SC_ADD_OBJECT, p -> p.id() == bob.id());
            byte[] expected = Arrays.copyOf("bob".getBytes(StandardCharsets.UTF_8), NAME_SIZE);
            assertArrayEquals(expected, add.name(), "SC_ADD_OBJECT name is the name, NUL-padded");
            assertEquals(VISUAL_PLAYER, add.visual());
            assertEquals(0, add.x());
            assertEquals(0, add.y());
            // "bob" padded with NULs is the same name again.
            TestClient bob2 = f.connect("bob2");
            bob2.loginFails(Arrays.copyOf("bob".getBytes(), NAME_SIZE));
            log.awaitLineAbout(bob2, "login refused: 'bob': name in use");
        }
    }

    static Stream<Arguments> invalidNames() {
        byte[][] names = {
            new byte[0],                                         // empty (all NUL)
            bytes("a\u0001b"), bytes("\tab"), bytes("ab\n"),     // C0 controls
            bytes("x\u001fy"), bytes("del\u007f"),               // unit separator, DEL
            bytes("c1\u0085"),                                   // C1 control (NEL)
            {0, 'a', 'b', 'c'},                                  // NUL first: empty, or a control char
            {(byte) 0xFF, 'a', 'b'},                             // never valid in UTF-8
            {'a', (byte) 0x80, 'b'},                             // lone continuation byte
            {'a', 'b', (byte) 0xC3},                             // truncated 2-byte sequence, then NUL
            {(byte) 0xC0, (byte) 0xAF, 'x'},                     // overlong '/'
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80},             // UTF-16 surrogate
            {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
            {'1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9',
             (byte) 0xE2},                                       // 20 bytes ending inside a 3-byte sequence
        };
        return Engines.all().flatMap(e -> Arrays.stream(names).map(n -> Arguments.of(e, n)));
    }

    @ParameterizedTest(name = "[{index}] {0} {1}")
    @MethodSource("invalidNames")
    void invalidNameFailsAndConnectionStaysOpen(String engine, byte[] name) throws Exception {
        try (LogCapture log = new LogCapture(); ServerFixture f = ServerFixture.start(ServerFixture.config(engine))) {
            TestClient c = f.connect("c");
            c.loginFails(name);
            log.awaitLineAbout(c, "login refused: invalid name");
            // The connection stays open for a retry.
            Packet info = c.loginOk("valid");
            assertTrue(info.hp() > 0);
            c.sync();
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void nameInUseFailsAndRetryWorks(String engine) throws Exception {
        try (LogCapture log = new LogCapture();
             ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1))) {
            TestClient alice = f.login("alice");
            TestClient other = f.connect("other");
            other.loginFails("alice");
            other.loginFails("alice"); // second try, same answer
            assertEquals(2, log.linesAbout(other).stream().filter(l -> l.contains("'alice': name in use")).count(),
                    "" + log.linesAbout(other));
            // A failed login is invisible to others.
            alice.sync();
            assertTrue(alice.viewIds().isEmpty(), "failed login must not appear: " + alice.viewIds());
            other.loginOk("alice2");
            alice.awaitPacket(SC_ADD_OBJECT, p -> p.id() == other.id() && p.nameString().equals("alice2"));
            alice.sync();
            other.sync();
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void nameIsFreeAgainAfterLogoutOrDisconnect(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine))) {
            TestClient a = f.login("alice");
            a.logout();
            a.awaitClosed(CLOSE);
            TestClient b = f.login("alice");
            b.close();
            // The server learns of the close asynchronously: retry until the name is free.
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (true) {
                TestClient c = f.connect("c");
                c.login("alice");
                Packet p = c.awaitLoginAnswer();
                if (p.type() == SC_LOGIN_INFO) {
                    break;
                }
                assertEquals(SC_LOGIN_FAIL, p.type());
                assertTrue(System.nanoTime() < deadline, "name not freed 5 s after disconnect");
                c.close();
                TestClient.sleep(20);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void serverFullGetsLoginFailThenAGracefulClose(String engine) throws Exception {
        try (LogCapture log = new LogCapture();
             ServerFixture f = ServerFixture.start(ServerFixture.config(engine).maxUsers(2))) {
            TestClient a = f.login("a");
            f.login("b");
            TestClient c = f.connect("c");
            c.login("c");
            c.move(DIR_UP, 1); // sent after the login: must not turn the close into a reset
            Packet p = c.awaitLoginAnswer();
            assertEquals(SC_LOGIN_FAIL, p.type(), "third login with max-users 2: " + p);
            assertEquals(3, p.size(), "SC_LOGIN_FAIL is exactly 3 bytes, as in the course's protocol.h");
            c.awaitEof(CLOSE); // server full ends with FIN, not a reset
            log.awaitLineAbout(c, "server full");
            a.sync();
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void serverFullClientMayReconnectWhenASlotFrees(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).maxUsers(2))) {
            TestClient a = f.login("a");
            f.login("b");
            TestClient c = f.connect("c");
            c.loginFails("c");
            c.awaitClosed(CLOSE);
            a.logout();
            a.awaitClosed(CLOSE);
            // The slot frees when the server hears of the logout: retry until it has.
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (true) {
                TestClient again = f.connect("again");
                again.login("c");
                Packet p = again.awaitLoginAnswer();
                if (p.type() == SC_LOGIN_INFO) {
                    again.sync();
                    break;
                }
                assertTrue(System.nanoTime() < deadline, "slot not freed 5 s after logout");
                again.close();
                TestClient.sleep(20);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void loginAfterLoginIsAProtocolError(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1));
             LogCapture log = new LogCapture()) {
            TestClient watcher = f.login("watcher");
            TestClient a = f.login("alice");
            watcher.awaitPacket(SC_ADD_OBJECT, p -> p.id() == a.id());
            a.login("alice-again");
            a.awaitClosed(CLOSE);
            log.assertOneProtocolErrorLine(a);
            assertFalse(a.backlog().stream().anyMatch(p -> p.type() == SC_LOGIN_FAIL || p.type() == SC_LOGIN_INFO),
                    "no login answer to a second CS_LOGIN: " + a.backlog());
            watcher.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == a.id());
            watcher.moveAndAwait(DIR_UP);
            watcher.assertOpen();
        }
    }

    static Stream<Arguments> nonLoginPackets() {
        Object[][] cases = {
            {"CS_MOVE", TestClient.movePacket(DIR_UP, 7)},
            {"CS_CHAT", TestClient.chatPacket("hi")},
            {"CS_ATTACK", TestClient.emptyPacket(CS_ATTACK)},
            {"CS_TELEPORT", TestClient.emptyPacket(CS_TELEPORT)},
            {"CS_LOGOUT", TestClient.emptyPacket(CS_LOGOUT)},
        };
        return Engines.all().flatMap(e -> Arrays.stream(cases).map(c -> Arguments.of(e, c[0], c[1])));
    }

    @ParameterizedTest(name = "[{index}] {0} {1}")
    @MethodSource("nonLoginPackets")
    void nonLoginPacketBeforeLoginIsAProtocolError(String engine, String what, byte[] packet) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1));
             LogCapture log = new LogCapture()) {
            TestClient watcher = f.login("watcher");
            TestClient c = f.connect("c");
            c.sendRaw(packet);
            c.awaitClosed(CLOSE); // the model fails on any packet before login
            log.assertOneProtocolErrorLine(c);
            watcher.moveAndAwait(DIR_LEFT);
            watcher.sync();
            assertTrue(watcher.viewIds().isEmpty(), "never logged in, never seen: " + watcher.viewIds());
        }
    }

    /**
     * "The server closes that connection": promptly, also when nothing else is sent in the same
     * moment (a lone session, no viewers to notify). 500 ms is far above a normal close (~1 ms).
     */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void gameJudgedProtocolErrorsCloseAtOnce(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine))) {
            for (int i = 0; i < 4; i++) {
                TestClient early = f.connect("early" + i);
                early.move(DIR_UP, 1);
                Duration d = early.awaitClosed(CLOSE);
                assertTrue(d.toMillis() < PROMPT_MS, "CS_MOVE before login closed after " + d.toMillis() + " ms");
                TestClient twice = f.login("twice" + i);
                twice.login("again" + i);
                d = twice.awaitClosed(CLOSE);
                assertTrue(d.toMillis() < PROMPT_MS, "CS_LOGIN after login closed after " + d.toMillis() + " ms");
                TestClient.sleep(50);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void nonLoginPacketAfterFailedLoginIsAProtocolError(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine))) {
            TestClient c = f.connect("c");
            c.loginFails(new byte[0]);
            c.move(DIR_UP, 1);
            c.awaitClosed(CLOSE);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
