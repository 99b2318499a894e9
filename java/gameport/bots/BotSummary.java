package gameport.bots;

import gameport.protocol.Protocol;
import java.io.PrintStream;
import org.HdrHistogram.Histogram;

/** The result of one swarm run: counts and the measured-phase delay distribution (microseconds). */
public final class BotSummary {
    public final BotConfig config;
    public final long movesSent;
    public final long echoes;
    public final long movesMeasured;
    public final long errors;
    public final Histogram delay;
    public final long[] packetsByType;

    BotSummary(BotConfig config, long movesSent, long echoes, long movesMeasured, long errors,
               Histogram delay, long[] packetsByType) {
        this.config = config;
        this.movesSent = movesSent;
        this.echoes = echoes;
        this.movesMeasured = movesMeasured;
        this.errors = errors;
        this.delay = delay;
        this.packetsByType = packetsByType;
    }

    public long lost() {
        return movesSent - echoes;
    }

    public void print(PrintStream out) {
        out.printf("summary: moves sent=%d echoes=%d lost=%d errors=%d%n", movesSent, echoes, lost(), errors);
        out.printf("delay (measured phase, %d samples): p50=%.3fms p90=%.3fms p99=%.3fms p99.9=%.3fms max=%.3fms%n",
                delay.getTotalCount(), ms(50), ms(90), ms(99), ms(99.9), delay.getMaxValue() / 1000.0);
        StringBuilder sb = new StringBuilder("packets received:");
        for (int t = 0; t < packetsByType.length; t++) {
            if (packetsByType[t] > 0) {
                sb.append(' ').append(Protocol.serverTypeName(t)).append('=').append(packetsByType[t]);
            }
        }
        out.println(sb);
    }

    private double ms(double percentile) {
        return delay.getValueAtPercentile(percentile) / 1000.0;
    }
}
