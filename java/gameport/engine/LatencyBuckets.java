package gameport.engine;

/**
 * The fixed log-linear buckets, in microseconds, in which the native engine counts request ->
 * send-completed latencies ({@code native/latency.h} implements the same scheme and
 * {@code gp_engine_send_latency_counts} hands the counts over by bucket index: change the two
 * together).
 *
 * <pre>
 *   index 0..63     exactly 0..63 us
 *   index 64..895   a value v in [2^e, 2^(e+1)), e = 6..31, falls in one of 32 equal sub-buckets:
 *                   index = 64 + (e - 6) * 32 + ((v >> (e - 5)) & 31)
 *   values >= 2^32 us (~71.6 minutes) count in the last bucket, negative ones in bucket 0.
 * </pre>
 *
 * <p>A bucket stands for its midpoint ({@link #valueOf}), within 1/64 (1.6%) of any value in it: a
 * 3-digit HdrHistogram filled from these counts is only as precise as that.
 */
public final class LatencyBuckets {
    /** Number of buckets; {@code GP_SEND_LATENCY_BUCKETS} in native/engine.h. */
    public static final int COUNT = 896;

    private static final int EXACT = 64;
    private static final int SUB_BUCKET_BITS = 5;
    private static final int SUB_BUCKETS = 1 << SUB_BUCKET_BITS;
    private static final int FIRST_EXPONENT = 6;
    private static final int LAST_EXPONENT = 31;

    static {
        if (EXACT + (LAST_EXPONENT - FIRST_EXPONENT + 1) * SUB_BUCKETS != COUNT) {
            throw new AssertionError("bucket scheme and COUNT disagree");
        }
    }

    private LatencyBuckets() {
    }

    /** The bucket that counts {@code micros}. */
    public static int indexOf(long micros) {
        if (micros < EXACT) {
            return micros < 0 ? 0 : (int) micros;
        }
        if ((micros >>> (LAST_EXPONENT + 1)) != 0) {
            return COUNT - 1;
        }
        int e = 63 - Long.numberOfLeadingZeros(micros);
        int sub = (int) (micros >>> (e - SUB_BUCKET_BITS)) & (SUB_BUCKETS - 1);
        return EXACT + (e - FIRST_EXPONENT) * SUB_BUCKETS + sub;
    }

    /** Smallest value, in microseconds, that bucket {@code index} counts. */
    public static long lowestOf(int index) {
        if (index < EXACT) {
            return index;
        }
        int e = FIRST_EXPONENT + (index - EXACT) / SUB_BUCKETS;
        int sub = (index - EXACT) % SUB_BUCKETS;
        return (long) (SUB_BUCKETS + sub) << (e - SUB_BUCKET_BITS);
    }

    /** The value, in microseconds, that stands for bucket {@code index}: its midpoint. */
    public static long valueOf(int index) {
        if (index < EXACT) {
            return index;
        }
        int e = FIRST_EXPONENT + (index - EXACT) / SUB_BUCKETS;
        return lowestOf(index) + (1L << (e - SUB_BUCKET_BITS)) / 2;
    }
}
