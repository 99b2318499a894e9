package gameport.game;

import java.util.Locale;

/**
 * The per-session packet limits of the wire contract ("Limits" in docs/PROTOCOL.md): for each
 * limited packet a token bucket (a burst, then a sustained rate), and the abuse rule that closes a
 * session which keeps going far over.
 *
 * <p>Parsed from {@code --rate-limits}: {@code on} (the defaults), {@code off}, or overrides such
 * as {@code chat=20/4,move=200/40} (burst/sustained per second) on top of the defaults.
 */
public final class RateLimits {
    /** The limited packets, in the order of {@link SessionLimits}' arrays. */
    public enum Kind {
        MOVE("move", 100, 20),
        CHAT("chat", 10, 2),
        /** CS_TELEPORT, and CS_LOGIN attempts before login. */
        TELEPORT("teleport", 10, 1),
        ATTACK("attack", 10, 5);

        final String flagName;
        final int defaultBurst;
        final int defaultPerSecond;

        Kind(String flagName, int defaultBurst, int defaultPerSecond) {
            this.flagName = flagName;
            this.defaultBurst = defaultBurst;
            this.defaultPerSecond = defaultPerSecond;
        }

        /** How a close names it: "rate limit: chat". */
        public String label() {
            return flagName;
        }
    }

    static final int KINDS = Kind.values().length;
    /** A session is abusive past this many times a limit's sustained rate ... */
    static final int ABUSE_FACTOR = 5;
    /** ... in this many consecutive one-second windows. */
    static final int ABUSE_SECONDS = 5;

    public static final RateLimits DEFAULTS = parse("on");
    public static final RateLimits OFF = parse("off");

    final boolean enabled;
    final int[] burst = new int[KINDS];
    final int[] perSecond = new int[KINDS];

    private RateLimits(boolean enabled) {
        this.enabled = enabled;
        for (Kind k : Kind.values()) {
            burst[k.ordinal()] = k.defaultBurst;
            perSecond[k.ordinal()] = k.defaultPerSecond;
        }
    }

    /** Parses a --rate-limits value; throws IllegalArgumentException naming the flag. */
    public static RateLimits parse(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("off")) {
            return new RateLimits(false);
        }
        RateLimits limits = new RateLimits(true);
        if (s.equals("on") || s.isEmpty()) {
            return limits;
        }
        for (String part : s.split(",")) {
            String[] kv = part.trim().split("=");
            Kind kind = kv.length == 2 ? kindNamed(kv[0].trim()) : null;
            String[] rate = kv.length == 2 ? kv[1].trim().split("/") : new String[0];
            if (kind == null || rate.length != 2) {
                throw bad(spec);
            }
            try {
                int b = Integer.parseInt(rate[0].trim());
                int r = Integer.parseInt(rate[1].trim());
                if (b < 1 || r < 1 || b > 1_000_000 || r > 1_000_000) {
                    throw bad(spec);
                }
                limits.burst[kind.ordinal()] = b;
                limits.perSecond[kind.ordinal()] = r;
            } catch (NumberFormatException e) {
                throw bad(spec);
            }
        }
        return limits;
    }

    private static Kind kindNamed(String name) {
        for (Kind k : Kind.values()) {
            if (k.flagName.equals(name)) {
                return k;
            }
        }
        return null;
    }

    private static IllegalArgumentException bad(String spec) {
        return new IllegalArgumentException("--rate-limits must be on, off, or a list like move=100/20,chat=10/2 "
                + "(burst/per second for move, chat, teleport, attack); got '" + spec + "'");
    }

    @Override
    public String toString() {
        if (!enabled) {
            return "off";
        }
        StringBuilder b = new StringBuilder();
        for (Kind k : Kind.values()) {
            b.append(b.length() == 0 ? "" : ",").append(k.flagName).append('=')
                    .append(burst[k.ordinal()]).append('/').append(perSecond[k.ordinal()]);
        }
        return b.toString();
    }
}
