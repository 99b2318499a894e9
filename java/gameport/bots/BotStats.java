package gameport.bots;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Counters and the delay and login histograms, shared by the swarm's I/O threads. Move delays are
 * recorded per transport ({@link #transports}); the swarm adds the two up once a second for the
 * overall figures.
 */
final class BotStats {
    static final long MAX_DELAY_MICROS = 3_600_000_000L;
    static final int TCP = 0;
    static final int WEBSOCKET = 1;

    /** One transport's bots: their move delays and counts. */
    static final class Transport {
        final String name;
        /** Move delays of this transport's bots, microseconds, up to an hour, 3 significant digits. */
        final Recorder delay = new Recorder(MAX_DELAY_MICROS, 3);
        /** Accumulates every interval taken from {@link #delay} since the measured phase began. */
        final Histogram measured = new Histogram(MAX_DELAY_MICROS, 3);
        /** Published by the workers once a round. */
        final AtomicLong movesSent = new AtomicLong();
        final AtomicLong echoes = new AtomicLong();
        /** SC_LOGIN_INFO answers. */
        final AtomicLong logins = new AtomicLong();
        /** Bots of this transport that failed (included in {@link BotStats#errors}). */
        final AtomicLong errors = new AtomicLong();

        Transport(String name) {
            this.name = name;
        }
    }

    /** Indexed by {@link #TCP} and {@link #WEBSOCKET}, as {@link Bot#transport}. */
    final Transport[] transports = {new Transport("tcp"), new Transport("websocket")};
    final AtomicLong connected = new AtomicLong();
    final AtomicLong loggedIn = new AtomicLong();
    final AtomicLong movesSent = new AtomicLong();
    final AtomicLong echoes = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    /** Moves of bots closed on purpose (ramp mode) that were still unanswered: not lost. */
    final AtomicLong shedMoves = new AtomicLong();
    /** Bots that left on purpose (churn) and were replaced. */
    final AtomicLong churned = new AtomicLong();
    final AtomicLongArray packetsByType = new AtomicLongArray(256);
    /**
     * Login latency, CS_LOGIN sent -> SC_LOGIN_INFO read, microseconds: every login of the run
     * (first connections, ramp additions, churn replacements), warm-up included, since most
     * logins happen there.
     */
    final Recorder login = new Recorder(MAX_DELAY_MICROS, 3);
    /** SC_LOGIN_FAIL answers: not in {@link #login}, each also counts as an error. */
    final AtomicLong loginFailures = new AtomicLong();
    /** Failure reasons printed so far (WebSocket upgrades and closes): a few, not one per bot. */
    final AtomicLong reasonsPrinted = new AtomicLong();

    /** Every interval of both transports' delays since the measured phase began. */
    final Histogram measured = new Histogram(MAX_DELAY_MICROS, 3);
    /** Accumulates every interval taken from {@link #login}: the whole run. */
    final Histogram logins = new Histogram(MAX_DELAY_MICROS, 3);
}
