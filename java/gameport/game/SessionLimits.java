package gameport.game;

/**
 * One session's token buckets, one per limited packet kind ({@link RateLimits}), and its abuse
 * record. Game thread only.
 *
 * <p>A bucket holds up to {@code burst} tokens and gains {@code perSecond} a second; a packet
 * takes one or is dropped. Independently, every packet attempt (dropped or not) counts in a
 * one-second window; a session whose count passes ABUSE_FACTOR x the sustained rate in
 * ABUSE_SECONDS consecutive windows is abusive, and the caller closes it. A window with no
 * attempt at all breaks the run, so only sustained abuse closes a session, never a burst.
 */
final class SessionLimits {
    private static final long SECOND = 1_000_000_000L;

    private final RateLimits limits;
    private final double[] tokens = new double[RateLimits.KINDS];
    private final long[] refilledAt = new long[RateLimits.KINDS];
    private final long[] windowStart = new long[RateLimits.KINDS];
    private final int[] windowCount = new int[RateLimits.KINDS];
    private final int[] overWindows = new int[RateLimits.KINDS];

    SessionLimits(RateLimits limits, long now) {
        this.limits = limits;
        for (int k = 0; k < RateLimits.KINDS; k++) {
            tokens[k] = limits.burst[k];
            refilledAt[k] = now;
            windowStart[k] = now;
        }
    }

    enum Verdict { PASS, DROP, ABUSE }

    Verdict take(RateLimits.Kind kind, long now) {
        if (!limits.enabled) {
            return Verdict.PASS;
        }
        int k = kind.ordinal();
        if (countAttempt(k, now)) {
            return Verdict.ABUSE;
        }
        double t = Math.min(limits.burst[k], tokens[k] + (now - refilledAt[k]) * (double) limits.perSecond[k] / SECOND);
        refilledAt[k] = now;
        if (t < 1) {
            tokens[k] = t;
            return Verdict.DROP;
        }
        tokens[k] = t - 1;
        return Verdict.PASS;
    }

    /** Counts one attempt; true once the run of over-limit windows reaches ABUSE_SECONDS. */
    private boolean countAttempt(int k, long now) {
        long elapsed = now - windowStart[k];
        if (elapsed >= SECOND) {
            boolean over = windowCount[k] > RateLimits.ABUSE_FACTOR * limits.perSecond[k];
            // A gap of a whole window or more had no attempts: the run is broken.
            overWindows[k] = over && elapsed < 2 * SECOND ? overWindows[k] + 1 : 0;
            windowStart[k] = elapsed < 2 * SECOND ? windowStart[k] + SECOND : now;
            windowCount[k] = 0;
        }
        windowCount[k]++;
        // The current window counts as soon as it is over the line: no need to wait for its end.
        return overWindows[k] + (windowCount[k] > RateLimits.ABUSE_FACTOR * limits.perSecond[k] ? 1 : 0)
                >= RateLimits.ABUSE_SECONDS;
    }
}
