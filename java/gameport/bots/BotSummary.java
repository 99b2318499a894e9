package gameport.bots;

import gameport.protocol.Protocol;
import java.io.PrintStream;
import org.HdrHistogram.Histogram;

/**
 * The result of one swarm run: counts, the measured-phase delay distribution and the whole run's
 * login latencies (microseconds).
 */
public final class BotSummary {
    public final BotConfig config;
    public final long movesSent;
    public final long echoes;
    /** Unanswered moves of bots that ramp mode closed on purpose: not counted as lost. */
    public final long shedMoves;
    public final long movesMeasured;
    public final long errors;
    /** Bots that left on purpose (--churn-pct) and were replaced. */
    public final long churned;
    public final Histogram delay;
    /** CS_LOGIN -> SC_LOGIN_INFO of every login of the run, warm-up included. */
    public final Histogram login;
    /** SC_LOGIN_FAIL answers (each also counted in {@link #errors}). */
    public final long loginFailures;
    public final long[] packetsByType;
    /** Ramp mode: the largest number of bots that held p99 under the limit; -1 otherwise. */
    public final int sustained;

    BotSummary(BotConfig config, long movesSent, long echoes, long shedMoves, long movesMeasured, long errors,
               long churned, Histogram delay, Histogram login, long loginFailures, long[] packetsByType,
               int sustained) {
        this.config = config;
        this.movesSent = movesSent;
        this.echoes = echoes;
        this.shedMoves = shedMoves;
        this.sustained = sustained;
        this.movesMeasured = movesMeasured;
        this.errors = errors;
        this.churned = churned;
        this.delay = delay;
        this.login = login;
        this.loginFailures = loginFailures;
        this.packetsByType = packetsByType;
    }

    public long lost() {
        return movesSent - echoes - shedMoves;
    }

    public void print(PrintStream out) {
        out.printf("summary: moves sent=%d echoes=%d lost=%d errors=%d%s%s%n", movesSent, echoes, lost(), errors,
                churned > 0 ? " churned=" + churned : "",
                shedMoves > 0 ? " (unanswered moves of bots shed on purpose: " + shedMoves + ")" : "");
        out.printf("delay (measured phase, %d samples): p50=%.3fms p90=%.3fms p99=%.3fms p99.9=%.3fms max=%.3fms%n",
                delay.getTotalCount(), ms(50), ms(90), ms(99), ms(99.9), delay.getMaxValue() / 1000.0);
        out.printf("logins (whole run, CS_LOGIN -> SC_LOGIN_INFO): count=%d failures=%d p50=%.3fms p90=%.3fms "
                        + "p99=%.3fms max=%.3fms%n", login.getTotalCount(), loginFailures, loginMs(50), loginMs(90),
                loginMs(99), login.getMaxValue() / 1000.0);
        StringBuilder sb = new StringBuilder("packets received:");
        for (int t = 0; t < packetsByType.length; t++) {
            if (packetsByType[t] > 0) {
                sb.append(' ').append(Protocol.serverTypeName(t)).append('=').append(packetsByType[t]);
            }
        }
        out.println(sb);
        if (sustained >= 0) {
            out.printf("ramp: largest number sustained with p99 < %d ms: %d clients%n", config.rampUntilMs, sustained);
        }
    }

    /** The summary as one JSON object (delays in milliseconds). */
    public String toJson() {
        StringBuilder sb = new StringBuilder(512).append('{');
        sb.append("\"clients\":").append(config.clients)
          .append(",\"moveIntervalMs\":").append(config.moveIntervalMs)
          .append(",\"movesSent\":").append(movesSent)
          .append(",\"echoes\":").append(echoes)
          .append(",\"lost\":").append(lost())
          .append(",\"errors\":").append(errors)
          .append(",\"churned\":").append(churned)
          .append(",\"movesMeasured\":").append(movesMeasured)
          .append(",\"delayMs\":{\"samples\":").append(delay.getTotalCount())
          .append(",\"p50\":").append(ms(50)).append(",\"p90\":").append(ms(90))
          .append(",\"p99\":").append(ms(99)).append(",\"p999\":").append(ms(99.9))
          .append(",\"max\":").append(delay.getMaxValue() / 1000.0).append('}')
          .append(",\"loginMs\":{\"samples\":").append(login.getTotalCount())
          .append(",\"p50\":").append(loginMs(50)).append(",\"p90\":").append(loginMs(90))
          .append(",\"p99\":").append(loginMs(99)).append(",\"max\":").append(login.getMaxValue() / 1000.0).append('}')
          .append(",\"loginFailures\":").append(loginFailures)
          .append(",\"packetsReceived\":{");
        boolean first = true;
        for (int t = 0; t < packetsByType.length; t++) {
            if (packetsByType[t] > 0) {
                sb.append(first ? "" : ",").append('"').append(Protocol.serverTypeName(t)).append("\":").append(packetsByType[t]);
                first = false;
            }
        }
        sb.append('}');
        if (sustained >= 0) {
            sb.append(",\"ramp\":{\"untilMs\":").append(config.rampUntilMs).append(",\"sustained\":").append(sustained).append('}');
        }
        return sb.append('}').toString();
    }

    private double ms(double percentile) {
        return delay.getValueAtPercentile(percentile) / 1000.0;
    }

    private double loginMs(double percentile) {
        return login.getValueAtPercentile(percentile) / 1000.0;
    }
}
