package gameport.engine;

import static gameport.ring.RingDescriptor.EVENT_POSTED;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.*;

import gameport.ring.RingDescriptor;
import gameport.testing.Engines;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Engine.post, the way the database worker will use it, on every engine: a thread that is not the
 * game thread publishes EVENT_POSTED records, and the game thread (this test's own, calling
 * endRound with a long sleep and reading the events ring) is woken for them. Real engines, real
 * rings: the java engine, the native one with its I/O on the game thread, and with one worker.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EnginePostTest {
    /** endRound's sleep: a post that failed to wake the game thread shows as a round this long. */
    private static final long LONG_SLEEP_NANOS = 2_000_000_000L;
    private static final long SESSION = RingDescriptor.session(42, 7);

    private static Engine create(String name, int eventRingBytes) {
        return switch (name) {
            case "java" -> new NioEngine(16, 1 << 20, 0, eventRingBytes, 1 << 16, t -> { });
            case "native" -> new NativeEngine(0, 0, 1 << 20, 16, eventRingBytes, 1 << 16);
            case Engines.NATIVE_WORKERS -> new NativeEngine(1, 0, 1 << 20, 16, eventRingBytes, 1 << 16);
            default -> throw new IllegalArgumentException(name);
        };
    }

    private record Rec(int type, long session, byte[] payload) {
    }

    private static List<Rec> drain(Engine e) {
        List<Rec> out = new ArrayList<>();
        while (e.events().read((type, session, timestamp, buffer, offset, length) -> {
            byte[] b = new byte[length];
            buffer.get(offset, b);
            out.add(new Rec(type, session, b));
        }, 4096) > 0) {
            // on across the wrap point
        }
        return out;
    }

    private static void sleepMs(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void aPostEndsTheGameThreadsWaitAndArrivesIntact(String name) throws Exception {
        try (Engine e = create(name, 1 << 16)) {
            e.start("127.0.0.1", 0);
            e.endRound(0);
            assertEquals(List.of(), drain(e));
            byte[] result = "player 7: 1200 gold".getBytes(UTF_8);
            byte[] buffer = new byte[result.length + 8];
            Arrays.fill(buffer, (byte) '#'); // around the range: must not be published
            System.arraycopy(result, 0, buffer, 4, result.length);
            AtomicLong postedAt = new AtomicLong();
            AtomicBoolean accepted = new AtomicBoolean();
            Thread db = new Thread(() -> {
                sleepMs(300); // the game thread is asleep in endRound by now
                postedAt.set(System.nanoTime());
                accepted.set(e.post(SESSION, buffer, 4, result.length));
            }, "post-test-db-worker");
            long start = System.nanoTime();
            db.start();
            List<Rec> got = new ArrayList<>();
            while (got.isEmpty() && System.nanoTime() - start < 10_000_000_000L) {
                e.endRound(LONG_SLEEP_NANOS);
                got.addAll(drain(e));
            }
            long returnedAt = System.nanoTime();
            db.join();
            assertTrue(accepted.get(), "post returned false with an empty ring");
            assertEquals(1, got.size(), "records: " + got);
            assertEquals(EVENT_POSTED, got.get(0).type());
            assertEquals(SESSION, got.get(0).session());
            assertArrayEquals(result, got.get(0).payload());
            long afterPostMs = (returnedAt - postedAt.get()) / 1_000_000;
            long totalMs = (returnedAt - start) / 1_000_000;
            assertTrue(afterPostMs < 500, "endRound returned " + afterPostMs + " ms after the post");
            assertTrue(totalMs >= 250, "the wait ended after " + totalMs + " ms, before the post");
        }
    }

    /**
     * Two posting threads, 100,000 records through a ring of 512 such records, so the posters also
     * meet a full ring (false, retried). Every record arrives exactly once and in its thread's
     * order, and no round sleeps out its whole 2 s while records are on their way.
     */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void postsFromTwoThreadsArriveExactlyOnceInEachThreadsOrder(String name) throws Exception {
        int perThread = 50_000;
        try (Engine e = create(name, 1 << 14)) {
            e.start("127.0.0.1", 0);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicLong fullRetries = new AtomicLong();
            Thread[] posters = new Thread[2];
            for (int t = 0; t < posters.length; t++) {
                int id = t;
                posters[t] = new Thread(() -> {
                    try {
                        byte[] payload = new byte[8];
                        ByteBuffer b = ByteBuffer.wrap(payload);
                        for (int seq = 0; seq < perThread; seq++) {
                            b.putInt(0, id).putInt(4, seq);
                            while (!e.post(id, payload, 0, payload.length)) {
                                fullRetries.incrementAndGet();
                                Thread.yield();
                            }
                        }
                    } catch (Throwable x) {
                        failure.set(x);
                    }
                }, "post-test-poster-" + t);
            }
            for (Thread p : posters) {
                p.start();
            }
            int[] next = new int[posters.length];
            int total = 0;
            long longestRoundNanos = 0;
            long start = System.nanoTime();
            while (total < perThread * posters.length) {
                assertTrue(System.nanoTime() - start < 60_000_000_000L, "received " + Arrays.toString(next));
                assertNull(failure.get());
                long roundStart = System.nanoTime();
                e.endRound(LONG_SLEEP_NANOS);
                longestRoundNanos = Math.max(longestRoundNanos, System.nanoTime() - roundStart);
                for (Rec r : drain(e)) {
                    assertEquals(EVENT_POSTED, r.type());
                    ByteBuffer b = ByteBuffer.wrap(r.payload());
                    int id = b.getInt(0);
                    assertEquals(id, r.session());
                    assertEquals(next[id], b.getInt(4), "poster " + id + "'s records out of order or twice");
                    next[id]++;
                    total++;
                }
            }
            for (Thread p : posters) {
                p.join();
            }
            assertNull(failure.get());
            assertEquals(List.of(), drain(e), "nothing after the last record");
            System.out.printf("%s: %,d posts from 2 threads in %d ms, %,d retries on a full ring, longest round %d ms%n",
                    name, total, (System.nanoTime() - start) / 1_000_000, fullRetries.get(),
                    longestRoundNanos / 1_000_000);
            assertTrue(longestRoundNanos < LONG_SLEEP_NANOS * 19 / 20,
                    "a round slept out its " + LONG_SLEEP_NANOS / 1_000_000 + " ms with posts on their way");
        }
    }

    /**
     * A post before start waits in the ring for the first round. A post after close returns false,
     * also while close() runs under a thread that keeps posting (native: no call reaches a
     * destroyed engine), and on an engine closed without ever starting.
     */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void postBeforeStartIsKeptAndPostAfterCloseIsRefused(String name) throws Exception {
        byte[] p = {1, 2, 3};
        Engine e = create(name, 1 << 16);
        assertTrue(e.post(SESSION, p, 0, p.length));
        e.start("127.0.0.1", 0);
        e.endRound(0);
        List<Rec> first = drain(e);
        assertEquals(1, first.size());
        assertArrayEquals(p, first.get(0).payload());

        AtomicBoolean closeReturned = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong acceptedAfterClose = new AtomicLong();
        AtomicLong accepted = new AtomicLong();
        Thread hammer = new Thread(() -> {
            while (!stop.get()) {
                boolean after = closeReturned.get();
                if (e.post(SESSION, p, 0, p.length)) {
                    accepted.incrementAndGet();
                    if (after) {
                        acceptedAfterClose.incrementAndGet();
                    }
                }
            }
        }, "post-test-hammer");
        hammer.start();
        long until = System.nanoTime() + 300_000_000L;
        while (System.nanoTime() < until) {
            e.endRound(5_000_000); // announced waits: the hammer's posts wake them
            drain(e);
        }
        e.close(); // on the game thread, as the game loop does
        closeReturned.set(true);
        sleepMs(100);
        stop.set(true);
        hammer.join();
        assertTrue(accepted.get() > 0, "the hammer never got a record in");
        assertEquals(0, acceptedAfterClose.get(), "posts accepted after close() returned");
        assertFalse(e.post(SESSION, p, 0, p.length));
        e.close(); // idempotent

        Engine never = create(name, 1 << 16);
        never.close();
        assertFalse(never.post(SESSION, p, 0, p.length));
    }
}
