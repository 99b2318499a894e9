package gameport.server;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.LogCapture;
import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java engine does its I/O on the game thread, in rounds, with no I/O thread of its own: output
 * still leaves in time and in order, and the slow-consumer limit still holds.
 */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GameThreadIoTest {
    private static final int CLIENTS = 200;
    private static final int MOVES = 20;

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void noIoThreadAndEveryEchoArrivesInOrder(String engine) throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine))) {
            List<TestClient> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(f.connect("c" + i).dontKeep(SC_ADD_OBJECT, SC_REMOVE_OBJECT, SC_MOVE_OBJECT));
            }
            for (TestClient c : clients) {
                c.login(c.label());
            }
            for (TestClient c : clients) {
                TestClient.Packet p = c.awaitLoginAnswer();
                if (p.type() != SC_LOGIN_INFO) {
                    throw c.failure("login failed: " + p);
                }
            }
            assertNoIoThread(engine, before);
            for (int round = 0; round < MOVES; round++) {
                long[] sent = new long[CLIENTS];
                for (int i = 0; i < CLIENTS; i++) {
                    sent[i] = clients.get(i).move((round + i) % 4);
                }
                // The model in TestClient fails on an echo out of order or with a changed move_time.
                for (int i = 0; i < CLIENTS; i++) {
                    TestClient c = clients.get(i);
                    c.awaitEcho(sent[i]);
                    assertEquals(0, c.pendingEchoes(), c.label() + ": echoes missing");
                }
            }
            assertNoIoThread(engine, before);
            for (TestClient c : clients) {
                c.assertOpen();
            }
        }
    }

    /** Nobody reads for the slow one: its output passes --max-pending-bytes and it is closed as a slow consumer. */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void outputPastMaxPendingBytesClosesAsSlowConsumer(String engine) throws Exception {
        int maxPending = 64 * 1024;
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1)
                .maxPendingBytes(maxPending));
             LogCapture log = new LogCapture()) {
            TestClient slow = f.connect("slow", 4096);
            slow.loginOk("slow"); // the only thing it ever reads
            TestClient chatter = f.login("chatter");
            chatter.awaitPacket(SC_ADD_OBJECT, p -> p.id() == slow.id());
            chatter.dontKeep(SC_CHAT);
            byte[][] batch = new byte[50][];
            Arrays.fill(batch, TestClient.chatPacket("c".repeat(MAX_CHAT_BYTES)));
            byte[] burst = TestClient.concat(batch);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (chatter.sees(slow.id())) {
                assertTrue(System.nanoTime() < deadline, "slow consumer not removed");
                chatter.sendRaw(burst);
                chatter.moveAndAwait(DIR_UP); // paces the bursts: every chat echo before it is read
            }
            slow.awaitClosed(Duration.ofSeconds(10));
            long logDeadline = System.nanoTime() + 3_000_000_000L;
            while (log.linesAbout(slow).stream().noneMatch(l -> l.contains("closed (slow consumer)"))) {
                assertTrue(System.nanoTime() < logDeadline, "no slow-consumer line about the slow client; "
                        + "lines about it: " + log.linesAbout(slow));
                TestClient.sleep(10);
            }
            chatter.moveAndAwait(DIR_DOWN);
            chatter.assertOpen();
        }
    }

    /**
     * No thread named like the old reactor, and for the Java engine no server thread at all but the
     * game thread and the stage sampler (the native engine's workers are native threads).
     */
    private static void assertNoIoThread(String engine, Set<Thread> before) {
        Set<String> started = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            assertNotEquals("gameport-nio-reactor", t.getName(), "a reactor thread runs");
            if (!before.contains(t) && t.getName().startsWith("gameport")) {
                started.add(t.getName());
            }
        }
        if (engine.equals("java")) {
            // The stage sampler takes each stage's percentiles once a second (for /metrics): no I/O.
            assertEquals(Set.of("gameport-game", "gameport-histograms"), started, "server threads of the java engine");
        }
    }
}
