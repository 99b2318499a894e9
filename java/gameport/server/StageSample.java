package gameport.server;

/**
 * One stage's latencies ({@link StageHistograms}), in the stage's {@code unit} ("us" or "ns"):
 * percentiles of the last second (zero when nothing passed), and count, sum (in seconds) and
 * percentiles since start.
 */
public record StageSample(String name, String unit, long p50, long p99, long max, long count, long totalCount,
                          double totalSeconds, long totalP50, long totalP99) {
    /** Values per second of this stage's unit. */
    public double perSecond() {
        return unit.equals("ns") ? 1e9 : 1e6;
    }
}
