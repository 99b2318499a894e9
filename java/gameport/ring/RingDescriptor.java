package gameport.ring;

/**
 * The binary layout of every ring between the I/O side and the game thread. The native
 * library ({@code native/ring.h}) implements the same layout over the same memory, so this
 * comment is the specification for both languages; change them together.
 *
 * <pre>
 *   Ring (a direct buffer; native byte order; capacity a power of two, at least 4 KiB):
 *     0                                                       capacity
 *     +---------------------------------------------------------+------------------+
 *     |                      records ...                        |     trailer      |
 *     +---------------------------------------------------------+------------------+
 *
 *   Trailer (each field on its own 128-byte line so producers and consumer never share one):
 *     +0    i64 tail          bytes ever claimed by producers (CAS by producers)
 *     +128  i64 headCache     producers' stale copy of head (plain; an optimisation only)
 *     +256  i64 head          bytes ever consumed (written by the one consumer only)
 *     +384  i32 consumerState 0 = running, 1 = about to sleep or asleep
 *     +512  end
 *
 *   Record (starts 8-byte aligned; records never wrap, a PADDING record fills the end):
 *     0               4               8                               16                              24
 *     +---------------+---------------+-------------------------------+-------------------------------+---------
 *     | i32 length    | i32 type      | i64 session                   | i64 timestamp                 | payload
 *     +---------------+---------------+-------------------------------+-------------------------------+---------
 *     length = 24 + payload bytes (not aligned); the record occupies align8(length) bytes.
 *     session = generation << 32 | slot index.
 *     timestamp = nanoseconds on the clock System.nanoTime() reads (CLOCK_MONOTONIC on Linux,
 *     QueryPerformanceCounter on Windows: native/clock.h) when the producer wrote the record, so
 *     the consumer can time the record's stay in the ring; a request's timestamp also starts its request -> send-completed timer.
 * </pre>
 *
 * <p>Publication: a producer claims space by CAS on {@code tail}, writes {@code -length} into the
 * length word (so the consumer waits), writes type, session and payload, then stores
 * {@code +length} with release semantics. The consumer reads the length word with acquire
 * semantics; a value {@code <= 0} means "not yet published" and ends the batch. After a batch the
 * consumer zeroes the bytes it read (so the next lap starts from length 0) and stores
 * {@code head} with release semantics, which hands the space back to producers.
 *
 * <p>Sleeping: before the consumer blocks it stores {@code consumerState = 1} (sequentially
 * consistent) and then looks at the ring again; a producer, after publishing, issues a full fence
 * and reads {@code consumerState}: if it is 1 and its CAS to 0 succeeds, that producer (and only
 * it) delivers the wake-up. Either the consumer sees the record or the producer sees the flag, so
 * a wake-up is never lost and costs nothing while the consumer is busy.
 */
public final class RingDescriptor {
    public static final int CACHE_LINE = 128;
    public static final int TAIL_OFFSET = 0;
    public static final int HEAD_CACHE_OFFSET = CACHE_LINE;
    public static final int HEAD_OFFSET = 2 * CACHE_LINE;
    public static final int CONSUMER_STATE_OFFSET = 3 * CACHE_LINE;
    public static final int TRAILER_LENGTH = 4 * CACHE_LINE;

    public static final int HEADER_LENGTH = 24;
    public static final int LENGTH_OFFSET = 0;
    public static final int TYPE_OFFSET = 4;
    public static final int SESSION_OFFSET = 8;
    public static final int TIMESTAMP_OFFSET = 16;
    public static final int ALIGNMENT = 8;

    public static final int CONSUMER_RUNNING = 0;
    public static final int CONSUMER_SLEEPING = 1;

    /** Fills the end of the buffer when a record would not fit before the wrap point. */
    public static final int TYPE_PADDING = -1;

    // Events: I/O side -> game thread.
    /** payload: peer address as UTF-8 text, e.g. "127.0.0.1:50123". */
    public static final int EVENT_ACCEPTED = 1;
    /** payload: one whole client packet, its 3-byte header included. */
    public static final int EVENT_PACKET = 2;
    /** payload: i32 {@link CloseReason} code, then the reason as UTF-8 text. Last event of a session. */
    public static final int EVENT_CLOSED = 3;
    /**
     * payload: whatever the poster wrote; published by {@link gameport.engine.Engine#post} from a
     * thread of the server's own (the database worker), not by the engine. Its session is the
     * poster's to choose: the engine never reads it, and it need not name a connection.
     */
    public static final int EVENT_POSTED = 4;

    // Requests: game thread -> I/O side.
    /** payload: bytes to append to the session's output, in order. */
    public static final int REQUEST_SEND = 16;
    /** payload: i32 {@link CloseReason} code, then the reason as UTF-8 text. */
    public static final int REQUEST_CLOSE = 17;

    private RingDescriptor() {
    }

    public static int align(int length) {
        return (length + ALIGNMENT - 1) & ~(ALIGNMENT - 1);
    }

    public static int slotOf(long session) {
        return (int) session;
    }

    public static int generationOf(long session) {
        return (int) (session >>> 32);
    }

    public static long session(int slot, int generation) {
        return ((long) generation << 32) | (slot & 0xFFFF_FFFFL);
    }

    static void checkCapacity(int capacity) {
        if (capacity < 4096 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("ring capacity must be a power of two >= 4096: " + capacity);
        }
    }
}
