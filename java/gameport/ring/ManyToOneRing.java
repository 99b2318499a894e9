package gameport.ring;

import static gameport.ring.RingDescriptor.*;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A ring of records with any number of producers and exactly one consumer, over the layout in
 * {@link RingDescriptor}. The memory may be shared with native code, which follows the same
 * protocol on the same bytes.
 */
public final class ManyToOneRing {
    private static final VarHandle LONGS =
            MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final VarHandle INTS =
            MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    /**
     * Called for each record; the payload is {@code buffer[offset, offset+length)}, valid only
     * during the call; {@code timestamp} is when the producer wrote it (System.nanoTime()).
     */
    @FunctionalInterface
    public interface RecordHandler {
        void onRecord(int type, long session, long timestamp, ByteBuffer buffer, int offset, int length);
    }

    private final ByteBuffer buffer;
    private final int capacity;
    private final int mask;
    private final int tailAt;
    private final int headCacheAt;
    private final int headAt;
    private final int consumerStateAt;
    private final int maxRecordLength;

    /** Wraps {@code buffer} (direct, zeroed, capacity + {@link RingDescriptor#TRAILER_LENGTH} bytes). */
    public ManyToOneRing(ByteBuffer buffer) {
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("ring memory must be a direct buffer");
        }
        this.buffer = buffer.duplicate().order(ByteOrder.nativeOrder());
        this.capacity = buffer.capacity() - TRAILER_LENGTH;
        checkCapacity(capacity);
        this.mask = capacity - 1;
        this.tailAt = capacity + TAIL_OFFSET;
        this.headCacheAt = capacity + HEAD_CACHE_OFFSET;
        this.headAt = capacity + HEAD_OFFSET;
        this.consumerStateAt = capacity + CONSUMER_STATE_OFFSET;
        this.maxRecordLength = capacity / 8;
    }

    public static ManyToOneRing allocate(int capacity) {
        checkCapacity(capacity);
        return new ManyToOneRing(ByteBuffer.allocateDirect(capacity + TRAILER_LENGTH));
    }

    public ByteBuffer memory() {
        return buffer;
    }

    public int capacity() {
        return capacity;
    }

    /** Largest payload one record may carry; callers split longer data into several records. */
    public int maxPayload() {
        return maxRecordLength - HEADER_LENGTH;
    }

    /**
     * Writes one record. Returns false when the ring has no room now (the caller decides whether
     * to retry, which is backpressure, or to drop, which it must then log).
     */
    public boolean write(int type, long session, byte[] src, int offset, int length) {
        // Checked before the claim: a claimed record that is never published would stop the consumer for good.
        java.util.Objects.checkFromIndexSize(offset, length, src.length);
        int at = claim(type, session, length);
        if (at < 0) {
            return false;
        }
        buffer.put(at + HEADER_LENGTH, src, offset, length);
        publish(at, length);
        return true;
    }

    /** Writes one record whose payload is an i32 followed by {@code text} bytes. */
    public boolean writeWithCode(int type, long session, int code, byte[] text) {
        int at = claim(type, session, 4 + text.length);
        if (at < 0) {
            return false;
        }
        buffer.putInt(at + HEADER_LENGTH, code);
        buffer.put(at + HEADER_LENGTH + 4, text, 0, text.length);
        publish(at, 4 + text.length);
        return true;
    }

    /** Writes one record whose payload is {@code src[offset, offset+length)}; src is not modified. */
    public boolean write(int type, long session, ByteBuffer src, int offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, src.capacity());
        int at = claim(type, session, length);
        if (at < 0) {
            return false;
        }
        buffer.put(at + HEADER_LENGTH, src, offset, length);
        publish(at, length);
        return true;
    }

    /** Claims space and writes the header with a negative length; returns the record index or -1. */
    private int claim(int type, long session, int payloadLength) {
        int recordLength = HEADER_LENGTH + payloadLength;
        if (payloadLength < 0 || recordLength > maxRecordLength) {
            throw new IllegalArgumentException("record payload " + payloadLength + " > max " + maxPayload());
        }
        int required = align(recordLength);
        long head = (long) LONGS.getAcquire(buffer, headCacheAt);
        long tail;
        int padding;
        int tailIndex;
        do {
            tail = (long) LONGS.getVolatile(buffer, tailAt);
            if (required > capacity - (int) (tail - head)) {
                head = (long) LONGS.getAcquire(buffer, headAt);
                if (required > capacity - (int) (tail - head)) {
                    return -1;
                }
                advanceHeadCache(head);
            }
            padding = 0;
            tailIndex = (int) tail & mask;
            int toEnd = capacity - tailIndex;
            if (required > toEnd) {
                // A padding record fills the end and the record goes to index 0: both must fit.
                head = (long) LONGS.getAcquire(buffer, headAt);
                if (required + toEnd > capacity - (int) (tail - head)) {
                    return -1;
                }
                advanceHeadCache(head);
                padding = toEnd;
            }
        } while (!LONGS.compareAndSet(buffer, tailAt, tail, tail + required + padding));

        if (padding != 0) {
            INTS.set(buffer, tailIndex + TYPE_OFFSET, TYPE_PADDING);
            INTS.setRelease(buffer, tailIndex + LENGTH_OFFSET, padding);
            tailIndex = 0;
        }
        INTS.setRelease(buffer, tailIndex + LENGTH_OFFSET, -recordLength);
        INTS.set(buffer, tailIndex + TYPE_OFFSET, type);
        LONGS.set(buffer, tailIndex + SESSION_OFFSET, session);
        LONGS.set(buffer, tailIndex + TIMESTAMP_OFFSET, System.nanoTime());
        return tailIndex;
    }

    /**
     * The cache only moves forward: a producer descheduled between reading head and storing it
     * must not put back a value so old that {@code tail - head} no longer fits an int.
     */
    private void advanceHeadCache(long head) {
        long cached = (long) LONGS.getAcquire(buffer, headCacheAt);
        while (head > cached && !LONGS.weakCompareAndSetRelease(buffer, headCacheAt, cached, head)) {
            cached = (long) LONGS.getAcquire(buffer, headCacheAt);
        }
    }

    private void publish(int at, int payloadLength) {
        INTS.setRelease(buffer, at + LENGTH_OFFSET, HEADER_LENGTH + payloadLength);
    }

    /**
     * Consumer only: hands up to {@code limit} records to {@code handler} in order and returns how
     * many it handled. Reads stop at the wrap point; the next call goes on from index 0.
     */
    public int read(RecordHandler handler, int limit) {
        long head = (long) LONGS.get(buffer, headAt);
        int headIndex = (int) head & mask;
        int contiguous = capacity - headIndex;
        int bytesRead = 0;
        int records = 0;
        try {
            while (bytesRead < contiguous && records < limit) {
                int at = headIndex + bytesRead;
                int length = (int) INTS.getAcquire(buffer, at + LENGTH_OFFSET);
                if (length <= 0) {
                    break;
                }
                bytesRead += align(length);
                int type = buffer.getInt(at + TYPE_OFFSET);
                if (type == TYPE_PADDING) {
                    continue;
                }
                records++;
                handler.onRecord(type, buffer.getLong(at + SESSION_OFFSET), buffer.getLong(at + TIMESTAMP_OFFSET),
                        buffer, at + HEADER_LENGTH, length - HEADER_LENGTH);
            }
        } finally {
            if (bytesRead > 0) {
                zero(headIndex, bytesRead);
                LONGS.setRelease(buffer, headAt, head + bytesRead);
            }
        }
        return records;
    }

    private void zero(int from, int length) {
        // Length words must read 0 on the next lap; zero 8 bytes at a time (records are 8-aligned).
        for (int i = from, end = from + length; i < end; i += 8) {
            buffer.putLong(i, 0L);
        }
    }

    /** True when a published or in-progress record waits at head (consumer only). */
    public boolean hasRecords() {
        long head = (long) LONGS.getVolatile(buffer, headAt);
        return (long) LONGS.getVolatile(buffer, tailAt) != head;
    }

    /** Bytes claimed but not yet consumed. */
    public long size() {
        return (long) LONGS.getVolatile(buffer, tailAt) - (long) LONGS.getVolatile(buffer, headAt);
    }

    /**
     * Consumer only, before blocking: announces the sleep, then returns true if the caller may
     * block (nothing arrived meanwhile). On false the state is back to running.
     */
    public boolean prepareToSleep() {
        INTS.setVolatile(buffer, consumerStateAt, CONSUMER_SLEEPING);
        if (hasRecords()) {
            INTS.setVolatile(buffer, consumerStateAt, CONSUMER_RUNNING);
            return false;
        }
        return true;
    }

    /** Consumer only, after waking. */
    public void awake() {
        INTS.setVolatile(buffer, consumerStateAt, CONSUMER_RUNNING);
    }

    /**
     * Producer, after publishing a batch: true if the consumer announced a sleep and this caller
     * won the right to wake it (exactly one producer gets true per sleep).
     */
    public boolean consumerNeedsWake() {
        VarHandle.fullFence();
        return (int) INTS.getVolatile(buffer, consumerStateAt) == CONSUMER_SLEEPING
                && INTS.compareAndSet(buffer, consumerStateAt, CONSUMER_SLEEPING, CONSUMER_RUNNING);
    }
}
