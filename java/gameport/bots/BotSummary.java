package gameport.bots;

import gameport.protocol.Protocol;
import java.io.PrintStream;
import org.HdrHistogram.Histogram;

/**
 * The result of one swarm run: counts, the measured-phase delay distribution and the whole run's
 * login latencies (microseconds); with --websocket, the same counts and delays per transport.
 */
public final class BotSummary {
    /** One transport's bots (tcp or websocket): counts over the run, delays of the measured phase. */
    public static final class ByTransport {
        public final String name;
        /** Bots of this transport in the configuration. */
        public final int clients;
        public final long movesSent;
        public final long echoes;
        /** SC_LOGIN_INFO answers (replacements included). */
        public final long logins;
        /** Failed bots (a refused WebSocket upgrade included); part of {@link BotSummary#errors}. */
        public final long errors;
        public final Histogram delay;

        ByTransport(String name, int clients, long movesSent, long echoes, long logins, long errors, Histogram delay) {
            this.name = name;
            this.clients = clients;
            this.movesSent = movesSent;
            this.echoes = echoes;
            this.logins = logins;
            this.errors = errors;
            this.delay = delay;
        }
    }

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
    /** With --websocket: tcp, then websocket; empty otherwise. */
    public final ByTransport[] byTransport;

    BotSummary(BotConfig config, long movesSent, long echoes, long shedMoves, long movesMeasured, long errors,
               long churned, Histogram delay, Histogram login, long loginFailures, long[] packetsByType,
               int sustained, ByTransport[] byTransport) {
        this.byTransport = byTransport;
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
        for (ByTransport t : byTransport) {
            // "tcp: ..." and "websocket: ...": moves, echoes and logins over the run, delays of the measured phase.
            Histogram h = t.delay;
            out.printf("%s: clients=%d logins=%d moves=%d echoes=%d errors=%d samples=%d p50=%.3fms p90=%.3fms "
                            + "p99=%.3fms p99.9=%.3fms max=%.3fms%n", t.name, t.clients, t.logins, t.movesSent,
                    t.echoes, t.errors, h.getTotalCount(), ms(h, 50), ms(h, 90), ms(h, 99), ms(h, 99.9),
                    h.getMaxValue() / 1000.0);
        }
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
          .append(",\"delayMs\":");
        delayJson(sb, delay);
        sb.append(",\"loginMs\":{\"samples\":").append(login.getTotalCount())
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
        if (byTransport.length > 0) {
            sb.append(",\"byTransport\":{");
            for (int i = 0; i < byTransport.length; i++) {
                ByTransport t = byTransport[i];
                sb.append(i > 0 ? "," : "").append('"').append(t.name).append("\":{\"clients\":").append(t.clients)
                  .append(",\"logins\":").append(t.logins)
                  .append(",\"movesSent\":").append(t.movesSent)
                  .append(",\"echoes\":").append(t.echoes)
                  .append(",\"errors\":").append(t.errors)
                  .append(",\"delayMs\":");
                delayJson(sb, t.delay);
                sb.append('}');
            }
            sb.append('}');
        }
        if (sustained >= 0) {
            sb.append(",\"ramp\":{\"untilMs\":").append(config.rampUntilMs).append(",\"sustained\":").append(sustained).append('}');
        }
        return sb.append('}').toString();
    }

    /** {"samples":N,"p50":..,"p90":..,"p99":..,"p999":..,"max":..}, in milliseconds. */
    private static void delayJson(StringBuilder sb, Histogram h) {
        sb.append("{\"samples\":").append(h.getTotalCount())
          .append(",\"p50\":").append(ms(h, 50)).append(",\"p90\":").append(ms(h, 90))
          .append(",\"p99\":").append(ms(h, 99)).append(",\"p999\":").append(ms(h, 99.9))
          .append(",\"max\":").append(h.getMaxValue() / 1000.0).append('}');
    }

    private double ms(double percentile) {
        return ms(delay, percentile);
    }

    private static double ms(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1000.0;
    }

    private double loginMs(double percentile) {
        return login.getValueAtPercentile(percentile) / 1000.0;
    }
}
