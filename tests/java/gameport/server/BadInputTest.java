package gameport.server;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.Engines;
import gameport.testing.LogCapture;
import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of malformed packet closes that connection (judged from the 3-byte header alone when
 * the size cannot be right), and every other session goes on: a logged-in bystander keeps getting
 * its echoes and sees the offender removed.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BadInputTest {
    /** Much shorter than the idle timeout, so only the protocol check can explain the close. */
    private static final Duration CLOSE = Duration.ofSeconds(4);

    /** A bad packet: the bytes sent (a bare header means: no body is ever sent). */
    record Bad(String what, byte[] bytes) {
        @Override
        public String toString() {
            return what;
        }
    }

    static Bad headerOnly(String what, int size, int type) {
        return new Bad(what + " (header only)", TestClient.header(size, type));
    }

    static Bad full(String what, int size, int type) {
        byte[] b = Arrays.copyOf(TestClient.header(size, type), Math.max(size, HEADER_SIZE));
        return new Bad(what, b);
    }

    static final Bad[] CASES = {
        full("unknown type 6", 3, 6),
        full("unknown type 255", 3, 255),
        headerOnly("unknown type 9 size 10", 10, 9),
        headerOnly("unknown type 200 size 1000", 1000, 200),
        full("CS_MOVE size 7", 7, CS_MOVE),
        headerOnly("CS_MOVE size 9", 9, CS_MOVE),
        headerOnly("CS_MOVE size 3", 3, CS_MOVE),
        full("CS_LOGIN size 22", 22, CS_LOGIN),
        headerOnly("CS_LOGIN size 24", 24, CS_LOGIN),
        full("CS_ATTACK size 4", 4, CS_ATTACK),
        headerOnly("CS_TELEPORT size 4", 4, CS_TELEPORT),
        headerOnly("CS_LOGOUT size 5", 5, CS_LOGOUT),
        headerOnly("size 0", 0, CS_MOVE),
        headerOnly("size 1", 1, CS_CHAT),
        headerOnly("size 2", 2, CS_ATTACK),
        full("CS_CHAT size 3 (empty chat)", 3, CS_CHAT),
        headerOnly("CS_CHAT size 304", 304, CS_CHAT),
        full("CS_CHAT size 304", 304, CS_CHAT),
        headerOnly("CS_CHAT size 65535", 65535, CS_CHAT),
        headerOnly("CS_MOVE size 65535", 65535, CS_MOVE),
    };

    static Stream<Arguments> cases() {
        return Engines.all().flatMap(e -> Stream.of(true, false).flatMap(
                loggedIn -> Arrays.stream(CASES).map(c -> Arguments.of(e, loggedIn, c))));
    }

    @ParameterizedTest(name = "[{index}] {0} loggedIn={1} {2}")
    @MethodSource("cases")
    void badPacketClosesOnlyThatConnection(String engine, boolean loggedIn, Bad bad) throws Exception {
        assertNotNull(checkClientHeader(bad.bytes()[0] & 0xFF | (bad.bytes()[1] & 0xFF) << 8,
                bad.bytes()[2] & 0xFF), "test case must be a protocol error: " + bad);
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1));
             LogCapture log = new LogCapture()) {
            TestClient bystander = f.login("bystander");
            TestClient offender = f.connect("offender");
            if (loggedIn) {
                offender.loginOk("offender");
                bystander.awaitPacket(SC_ADD_OBJECT, p -> p.id() == offender.id());
                offender.sync();
            }
            offender.trySendRaw(bad.bytes());
            Duration took = offender.awaitClosed(CLOSE);
            // "The 3-byte header is enough to judge: ... closes the connection at once."
            assertTrue(took.toMillis() < LoginTest.PROMPT_MS, "closed only after " + took.toMillis() + " ms");
            if (loggedIn) {
                bystander.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == offender.id());
            }
            log.assertOneProtocolErrorLine(offender);
            for (int i = 0; i < 5; i++) {
                bystander.moveAndAwait(i % 4);
            }
            bystander.assertOpen();
            assertTrue(bystander.viewIds().isEmpty(), "offender gone from view: " + bystander.viewIds());
            // The server takes new sessions, and the offender's name is free again.
            TestClient next = f.login("offender");
            bystander.awaitPacket(SC_ADD_OBJECT, p -> p.id() == next.id());
            next.sync();
        }
    }

    /** A valid packet followed by a bad header in the same write: the connection closes all the same. */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void validPacketsBeforeTheBadOneAreStillServed(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1))) {
            TestClient bystander = f.login("bystander");
            TestClient offender = f.login("offender");
            long t = TestClient.nextMoveTime();
            offender.sendRaw(TestClient.concat(TestClient.movePacket(DIR_UP, t), TestClient.header(9, CS_MOVE)));
            offender.awaitClosed(CLOSE);
            bystander.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == offender.id());
            bystander.moveAndAwait(DIR_DOWN);
        }
    }
}
