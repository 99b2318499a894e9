package gameport.server;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A client that never reads is closed once more than max-pending-bytes wait for it, and nobody
 * else stalls meanwhile. (The kernel buffers a few MB first, so the tests push well past that.)
 */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SlowConsumerTest {
    private static final int MAX_PENDING = 64 * 1024;
    private static final Duration GIVE_UP = Duration.ofSeconds(30);
    /** An echo slower than this means the server stalled for the slow one. */
    private static final long MAX_ECHO_MS = 2000;

    /** Others chat in the slow client's view until it is removed. */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void slowViewerOfChatterIsClosedAndOthersGoOn(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1)
                .maxPendingBytes(MAX_PENDING))) {
            TestClient slow = f.connect("slow", 4096);
            slow.loginOk("slow");       // the only thing it ever reads
            TestClient chatter = f.login("chatter");
            chatter.awaitPacket(SC_ADD_OBJECT, p -> p.id() == slow.id());
            chatter.dontKeep(SC_CHAT);
            byte[] chat = TestClient.chatPacket("c".repeat(MAX_CHAT_BYTES));
            byte[][] batch = new byte[50][];
            java.util.Arrays.fill(batch, chat);
            byte[] burst = TestClient.concat(batch);
            long deadline = System.nanoTime() + GIVE_UP.toNanos();
            long maxEchoMs = 0;
            long sentBytes = 0;
            while (chatter.sees(slow.id())) {
                assertTrue(System.nanoTime() < deadline, "slow consumer not removed after " + sentBytes
                        + " bytes of chat toward it");
                chatter.sendRaw(burst);
                sentBytes += 50L * (HEADER_SIZE + 4 + MAX_CHAT_BYTES);
                long t0 = System.nanoTime();
                chatter.moveAndAwait(DIR_UP);  // every chat echo before it is read on the way
                maxEchoMs = Math.max(maxEchoMs, (System.nanoTime() - t0) / 1_000_000);
            }
            assertTrue(maxEchoMs < MAX_ECHO_MS, "chatter's echo took " + maxEchoMs + " ms while the slow one backed up");
            slow.awaitClosed(Duration.ofSeconds(10));
            for (int i = 0; i < 3; i++) {
                chatter.moveAndAwait(DIR_DOWN);
            }
            chatter.assertOpen();
        }
    }

    /** The slow client floods chats itself (its own echoes pile up) while a bystander keeps moving. */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void selfFloodingNonReaderIsClosedWhileBystanderMoves(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(2000).height(1).viewRange(0)
                .maxPendingBytes(MAX_PENDING))) {
            TestClient slow = f.connect("slow", 4096);
            slow.loginOk("slow");
            TestClient bystander = f.login("bystander");
            bystander.dontKeep(SC_CHAT);
            byte[] chat = TestClient.chatPacket("s".repeat(MAX_CHAT_BYTES));
            byte[][] batch = new byte[100][];
            java.util.Arrays.fill(batch, chat);
            byte[] burst = TestClient.concat(batch);
            AtomicReference<IOException> writeError = new AtomicReference<>();
            AtomicLong written = new AtomicLong();
            long limit = 64L << 20;
            Thread flooder = new Thread(() -> {
                try {
                    OutputStream out = slow.socket().getOutputStream();
                    while (written.get() < limit) {
                        out.write(burst);
                        written.addAndGet(burst.length);
                    }
                } catch (IOException e) {
                    writeError.set(e);
                }
            }, "flooder");
            flooder.setDaemon(true);
            flooder.start();
            long deadline = System.nanoTime() + GIVE_UP.toNanos();
            long maxEchoMs = 0;
            int dir = DIR_LEFT;
            try {
                while (flooder.isAlive()) {
                    assertTrue(System.nanoTime() < deadline, "flooding non-reader not closed after "
                            + written.get() + " bytes sent");
                    long t0 = System.nanoTime();
                    bystander.moveAndAwait(dir);
                    maxEchoMs = Math.max(maxEchoMs, (System.nanoTime() - t0) / 1_000_000);
                    dir = dir == DIR_LEFT ? DIR_RIGHT : DIR_LEFT;
                    TestClient.sleep(5);
                }
            } finally {
                slow.close();
                flooder.join(5000);
            }
            assertNotNull(writeError.get(), "the server should have closed the flooding non-reader after "
                    + written.get() + " bytes");
            assertTrue(maxEchoMs < MAX_ECHO_MS, "bystander's echo took " + maxEchoMs + " ms");
            bystander.moveAndAwait(DIR_RIGHT);
            bystander.assertOpen();
        }
    }
}
