package gameport.game;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Log lines about one session (a close, a refused login), at most {@link #PER_SECOND} a second at
 * INFO: a connect storm or a swarm of broken clients must not turn the log into the bottleneck,
 * nor bury the lines an operator needs. Lines over the budget are counted and the count is said
 * once the next second begins. FINE lines are not budgeted (whoever asks for FINE asked for all).
 * Game thread only.
 */
final class SessionLog {
    static final int PER_SECOND = 50;
    private static final long SECOND = 1_000_000_000L;

    private final Logger log;
    private long windowStart = Long.MIN_VALUE;
    private int written;
    private long suppressed;

    SessionLog(Logger log) {
        this.log = log;
    }

    void info(long now, String line) {
        if (windowStart == Long.MIN_VALUE || now - windowStart >= SECOND) {
            if (suppressed > 0) {
                log.info(suppressed + " more lines about sessions were left out in the last second "
                        + "(at most " + PER_SECOND + " a second; the stats line counts every close)");
            }
            windowStart = now;
            written = 0;
            suppressed = 0;
        }
        if (written < PER_SECOND) {
            written++;
            log.info(line);
        } else {
            suppressed++;
        }
    }

    void fine(String line) {
        if (log.isLoggable(Level.FINE)) {
            log.fine(line);
        }
    }

    boolean fineEnabled() {
        return log.isLoggable(Level.FINE);
    }
}
