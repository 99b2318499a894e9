package gameport.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import gameport.game.GameLoop;
import gameport.game.GameMap;
import gameport.game.GameTimings;
import gameport.testing.ServerFixture;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A native I/O worker that cannot go on (here: a failure injected through the library's test
 * hook) fails the engine instead of the process: the game thread gets an EngineFailedException
 * with the reason, the game loop reports it as fatal (the server then exits with code 1), the
 * connections are dropped, and close() still works.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NativeEngineFailureTest {

    private static NativeEngine engine(int workers) {
        assumeTrue(NativeLibrary.isAvailable(), "native engine unavailable: " + NativeLibrary.unavailableReason());
        return new NativeEngine(workers, 0, 1 << 20, 16, 1 << 16, 1 << 16);
    }

    /** Inline I/O: std::bad_alloc in the state machine comes out of endRound as EngineFailedException. */
    @Test
    void inlineWorkerThrowingBadAllocFailsTheEngine() throws Exception {
        NativeEngine e = engine(0);
        try {
            int port = e.start("127.0.0.1", 0);
            try (Socket client = new Socket()) {
                client.connect(new InetSocketAddress("127.0.0.1", port));
                client.setSoTimeout(5000);
                e.endRound(10_000_000); // accepts the client
                e.injectFailureForTest(0, 1);
                EngineFailedException x = assertThrows(EngineFailedException.class, () -> e.endRound(0));
                assertTrue(x.getMessage().contains("I/O worker 0 failed") && x.getMessage().contains("bad_alloc"),
                        x.getMessage());
                // Failed for good, with the same reason.
                assertEquals(x.getMessage(), assertThrows(EngineFailedException.class, () -> e.endRound(0)).getMessage());
                assertThrows(EngineFailedException.class, e::requestsFull);
                assertTrue(closedByServer(client), "the failed worker dropped its connections");
            }
        } finally {
            e.close();
        }
    }

    /** A worker thread whose OS wait fails hard: the game thread, asleep, is woken and told. */
    @Test
    void workerThreadWithAHardOsErrorFailsTheEngine() {
        NativeEngine e = engine(1);
        try {
            e.start("127.0.0.1", 0);
            e.endRound(0);
            e.injectFailureForTest(0, 2);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            EngineFailedException x = null;
            while (x == null && System.nanoTime() < deadline) {
                try {
                    e.endRound(1_000_000_000L); // sleeps until the failing worker wakes it
                } catch (EngineFailedException thrown) {
                    x = thrown;
                }
            }
            assertTrue(x != null, "no EngineFailedException within 10 s");
            assertTrue(x.getMessage().contains("injected by a test"), x.getMessage());
            assertThrows(EngineFailedException.class, e::requestsFull);
        } catch (IOException io) {
            throw new AssertionError(io);
        } finally {
            e.close();
        }
    }

    /** GameLoop.run: the exception is fatal (onFatal, which makes the server exit 1), and the loop closes the engine. */
    @Test
    void gameLoopReportsTheFailureAsFatal() throws Exception {
        NativeEngine e = engine(0);
        e.start("127.0.0.1", 0);
        CompletableFuture<Throwable> fatal = new CompletableFuture<>();
        GameLoop loop = new GameLoop(e, null, ServerFixture.config("native").npcs(0), GameMap.generate(20, 20, 0, 1),
                gameport.game.NpcSetup.builtIn(new int[] {1}), new GameTimings(), null, new gameport.game.LiveStats(), fatal::complete);
        Thread game = new Thread(loop, "failure-test-game");
        game.start();
        e.injectFailureForTest(0, 1);
        Throwable t = fatal.get(10, TimeUnit.SECONDS);
        assertInstanceOf(EngineFailedException.class, t);
        game.join(10_000);
        assertFalse(game.isAlive(), "the game thread ended");
        assertEquals("closed", e.describe(), "the loop closed its engine on the way out");
    }

    /** EOF or reset within the socket's timeout. */
    private static boolean closedByServer(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        try {
            return in.read() < 0;
        } catch (SocketException reset) {
            return true;
        }
    }
}
