package gameport.game;

import gameport.ring.CloseReason;
import java.util.logging.Logger;

/**
 * The counters behind the periodic stats line: traffic, game-thread busy time, packets dropped by
 * the rate limits, and closes by reason (an ordinary disconnect is logged at FINE only, so this
 * line is where an operator sees how many there were). Game thread only.
 */
final class GameStats {
    private static final Logger LOG = Logger.getLogger("gameport.game");

    long packetsIn;
    long busyNanos;
    private final long[] dropped = new long[RateLimits.KINDS];
    private final long[] closes = new long[CloseReason.values().length];
    private long internalErrors;

    private long lastWakeUps;
    private long lastNpcMoves;
    private long lastNpcActs;

    void dropped(RateLimits.Kind kind) {
        dropped[kind.ordinal()]++;
    }

    void closed(CloseReason reason) {
        closes[reason.ordinal()]++;
    }

    void internalError() {
        internalErrors++;
    }

    /** Writes the stats line for the period that started at {@code start}, then starts a new one. */
    /** @param database the database's state ("db{...}"), or null without one */
    void log(long start, long end, int sessions, World world, long packetsOut, int timers, String database) {
        double seconds = (end - start) / 1e9;
        StringBuilder line = new StringBuilder(String.format("stats: sessions=%d players=%d in=%.0f/s out=%.0f/s "
                        + "busy=%.1f%% npc wake-ups=%.0f/s npc acts=%.0f/s npc moves=%.0f/s timers=%d",
                sessions, world.online(), packetsIn / seconds, packetsOut / seconds, 100.0 * busyNanos / (end - start),
                (world.npcWakeUps - lastWakeUps) / seconds, (world.npcActs - lastNpcActs) / seconds,
                (world.npcMoves - lastNpcMoves) / seconds, timers));
        appendNonZero(line, " closed", closes, CloseReason.values());
        appendNonZero(line, " rate-limited", dropped, RateLimits.Kind.values());
        if (internalErrors > 0) {
            line.append(" internal-errors=").append(internalErrors);
        }
        if (database != null) {
            line.append(' ').append(database);
        }
        LOG.info(line.toString());
        lastWakeUps = world.npcWakeUps;
        lastNpcMoves = world.npcMoves;
        lastNpcActs = world.npcActs;
        packetsIn = 0;
        busyNanos = 0;
        java.util.Arrays.fill(dropped, 0);
        java.util.Arrays.fill(closes, 0);
        internalErrors = 0;
    }

    private static void appendNonZero(StringBuilder line, String title, long[] counts, Enum<?>[] names) {
        boolean any = false;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0) {
                continue;
            }
            line.append(any ? ", " : title + "{").append(label(names[i])).append('=').append(counts[i]);
            any = true;
        }
        if (any) {
            line.append('}');
        }
    }

    private static String label(Enum<?> e) {
        return e instanceof CloseReason r ? r.label : ((RateLimits.Kind) e).label();
    }
}
