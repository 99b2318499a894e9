package gameport.server;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import java.time.Duration;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A client that sends nothing for the idle timeout is closed; one that keeps sending is not. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class IdleTimeoutTest {
    private static final long IDLE_MS = 300;
    /** Lower bound for the close: a coarse timer may round a little, but never fire at half the timeout. */
    private static final long EARLIEST_MS = IDLE_MS * 6 / 10;
    /** Upper bound: idle timeout plus generous slack for timer granularity and a busy machine. */
    private static final long LATEST_MS = IDLE_MS + 400;
    /** How long to wait before calling it "never closed". */
    private static final Duration LATEST = Duration.ofMillis(IDLE_MS + 4000);

    private static ServerFixture server(String engine, int width) throws Exception {
        return ServerFixture.start(ServerFixture.config(engine).width(width).height(1).viewRange(7)
                .idleTimeoutMs(IDLE_MS));
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void silentClientIsClosedBeforeLogin(String engine) throws Exception {
        try (ServerFixture f = server(engine, 1)) {
            long start = System.nanoTime();
            TestClient c = f.connect("silent");
            c.awaitClosed(LATEST);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= EARLIEST_MS, "closed after " + ms + " ms, idle timeout is " + IDLE_MS + " ms");
            assertTrue(ms <= LATEST_MS, "closed only after " + ms + " ms, idle timeout is " + IDLE_MS + " ms");
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void partialPacketThenSilenceIsClosed(String engine) throws Exception {
        try (ServerFixture f = server(engine, 1)) {
            TestClient c = f.connect("partial");
            c.sendRaw(new byte[] {CS_LOGIN_SIZE, 0, CS_LOGIN, 'a', 'b'});
            long start = System.nanoTime();
            c.awaitClosed(LATEST);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= EARLIEST_MS, "closed after " + ms + " ms, idle timeout is " + IDLE_MS + " ms");
            assertTrue(ms <= LATEST_MS, "closed only after " + ms + " ms, idle timeout is " + IDLE_MS + " ms");
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void silentClientIsClosedAfterLoginAndRemoved(String engine) throws Exception {
        try (ServerFixture f = server(engine, 2)) {
            TestClient active = f.login("active");
            TestClient silent = f.login("silent");
            long loggedInAt = System.nanoTime();
            active.awaitPacket(SC_ADD_OBJECT, p -> p.id() == silent.id());
            // The active one keeps moving (so the silent one receives traffic but sends nothing).
            long deadline = System.nanoTime() + LATEST.toNanos();
            int dir = DIR_LEFT;
            while (!silent.isClosed()) {
                assertTrue(System.nanoTime() < deadline, "silent client not closed within " + LATEST.toMillis() + " ms");
                active.moveAndAwait(dir);
                dir = dir == DIR_LEFT ? DIR_RIGHT : DIR_LEFT;
                silent.drain(Duration.ofMillis(50));
            }
            long ms = (System.nanoTime() - loggedInAt) / 1_000_000;
            assertTrue(ms >= EARLIEST_MS, "closed after " + ms + " ms, idle timeout is " + IDLE_MS + " ms");
            assertTrue(ms <= LATEST_MS + 100, "closed only after " + ms + " ms, idle timeout is " + IDLE_MS + " ms");
            active.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == silent.id());
            active.moveAndAwait(DIR_LEFT);
            active.assertOpen();
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void clientThatKeepsSendingIsNotClosed(String engine) throws Exception {
        try (ServerFixture f = server(engine, 1)) {
            TestClient mover = f.login("mover");
            TestClient chatter = f.login("chatter");
            long end = System.nanoTime() + Duration.ofMillis(IDLE_MS * 4).toNanos();
            int i = 0;
            while (System.nanoTime() < end) {
                mover.moveAndAwait(DIR_UP);
                chatter.chat("still here " + i++);
                chatter.awaitPacket(SC_CHAT, p -> p.id() == chatter.id());
                TestClient.sleep(IDLE_MS / 6);
            }
            mover.assertOpen();
            chatter.assertOpen();
            mover.moveAndAwait(DIR_DOWN);
            assertTrue(mover.sees(chatter.id()));
        }
    }
}
