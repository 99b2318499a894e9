package gameport.ring;

import static gameport.ring.RingDescriptor.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ManyToOneRingTest {

    private static byte[] payload(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed + i);
        }
        return b;
    }

    private record Rec(int type, long session, byte[] bytes) {
    }

    private static List<Rec> drain(ManyToOneRing ring) {
        List<Rec> out = new ArrayList<>();
        while (ring.read((type, session, timestamp, buffer, offset, length) -> {
            byte[] b = new byte[length];
            buffer.get(offset, b);
            out.add(new Rec(type, session, b));
        }, 1000) > 0) {
            // keep reading across the wrap point
        }
        return out;
    }

    @Test
    void recordsComeOutInOrderWithTheirFields() {
        ManyToOneRing ring = ManyToOneRing.allocate(4096);
        assertTrue(ring.write(EVENT_PACKET, session(3, 7), payload(5, 1), 0, 5));
        assertTrue(ring.writeWithCode(EVENT_CLOSED, session(3, 7), 2, "slow".getBytes()));
        List<Rec> recs = drain(ring);
        assertEquals(2, recs.size());
        assertEquals(EVENT_PACKET, recs.get(0).type);
        assertEquals(3, slotOf(recs.get(0).session));
        assertEquals(7, generationOf(recs.get(0).session));
        assertArrayEquals(payload(5, 1), recs.get(0).bytes);
        ByteBuffer closed = ByteBuffer.wrap(recs.get(1).bytes).order(java.nio.ByteOrder.nativeOrder());
        assertEquals(2, closed.getInt());
        assertEquals(0, ring.size());
    }

    @Test
    void wrapsWithPaddingAndKeepsEveryByte() {
        ManyToOneRing ring = ManyToOneRing.allocate(4096);
        int expected = 0;
        int next = 0;
        // Odd sizes walk the tail across the wrap point many times.
        for (int round = 0; round < 2000; round++) {
            int length = 1 + (round * 37) % 300;
            assertTrue(ring.write(EVENT_PACKET, round, payload(length, round), 0, length), "round " + round);
            if (round % 3 == 2) {
                for (Rec r : drain(ring)) {
                    assertEquals(next, (int) r.session);
                    int len = 1 + (next * 37) % 300;
                    assertArrayEquals(payload(len, next), r.bytes);
                    next++;
                }
            }
            expected = round + 1;
        }
        for (Rec r : drain(ring)) {
            assertArrayEquals(payload(1 + (next * 37) % 300, next), r.bytes);
            next++;
        }
        assertEquals(expected, next);
    }

    @Test
    void fullRingRefusesUntilTheConsumerFreesSpace() {
        ManyToOneRing ring = ManyToOneRing.allocate(4096);
        int written = 0;
        while (ring.write(EVENT_PACKET, written, payload(100, 0), 0, 100)) {
            written++;
        }
        assertEquals(4096 / align(HEADER_LENGTH + 100), written);
        assertEquals(written, drain(ring).size());
        assertTrue(ring.write(EVENT_PACKET, 0, payload(100, 0), 0, 100));
    }

    @Test
    void oversizedRecordIsRejected() {
        ManyToOneRing ring = ManyToOneRing.allocate(4096);
        assertThrows(IllegalArgumentException.class,
                () -> ring.write(REQUEST_SEND, 0, new byte[ring.maxPayload() + 1], 0, ring.maxPayload() + 1));
    }

    @Test
    void manyProducersOneConsumerLoseNothingAndKeepPerProducerOrder() throws Exception {
        ManyToOneRing ring = ManyToOneRing.allocate(1 << 16);
        int producers = 4;
        int perProducer = 200_000;
        Thread[] threads = new Thread[producers];
        for (int p = 0; p < producers; p++) {
            int id = p;
            threads[p] = new Thread(() -> {
                byte[] b = new byte[12];
                for (int i = 0; i < perProducer; i++) {
                    ByteBuffer.wrap(b).putInt(i);
                    while (!ring.write(EVENT_PACKET, session(id, i), b, 0, 4 + i % 9)) {
                        Thread.onSpinWait();
                    }
                }
            });
            threads[p].start();
        }
        int[] nextSeq = new int[producers];
        long[] total = {0};
        AtomicBoolean error = new AtomicBoolean();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (total[0] < (long) producers * perProducer && System.nanoTime() < deadline) {
            ring.read((type, session, timestamp, buffer, offset, length) -> {
                int producer = slotOf(session);
                int seq = generationOf(session);
                int written = buffer.duplicate().order(java.nio.ByteOrder.BIG_ENDIAN).getInt(offset);
                if (seq != nextSeq[producer] || written != seq || length != 4 + seq % 9) {
                    error.set(true);
                }
                nextSeq[producer]++;
                total[0]++;
            }, 1000);
        }
        for (Thread t : threads) {
            t.join();
        }
        assertFalse(error.get(), "a record came out of order or damaged");
        assertEquals((long) producers * perProducer, total[0]);
    }

    @Test
    void sleepWakeProtocolHandsTheWakeToExactlyOneProducer() {
        ManyToOneRing ring = ManyToOneRing.allocate(4096);
        assertFalse(ring.consumerNeedsWake(), "a running consumer needs no wake");
        assertTrue(ring.prepareToSleep());
        assertTrue(ring.write(EVENT_PACKET, 1, new byte[1], 0, 1));
        assertTrue(ring.consumerNeedsWake());
        assertFalse(ring.consumerNeedsWake(), "only one producer delivers the wake");
        assertFalse(ring.prepareToSleep(), "records are waiting: the consumer must not sleep");
        assertEquals(1, drain(ring).size());
    }
}
