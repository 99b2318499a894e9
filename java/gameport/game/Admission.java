package gameport.game;

import static gameport.protocol.Protocol.*;

import gameport.ring.CloseReason;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The stage between the engines and the world: decides which of a session's packets reach the
 * world, and which connections may stay. Everything a stranger can do to the server passes here
 * first:
 * <ul>
 *   <li>per-address cap: past {@code --max-connections-per-address} connections from one address
 *       (loopback exempt unless {@code --cap-loopback}), a new one gets SC_LOGIN_FAIL and a close;</li>
 *   <li>before login only CS_LOGIN, counted as a teleport by the rate limits, with a deadline that
 *       traffic does not reset ({@code --login-timeout-ms});</li>
 *   <li>names: {@link NamePolicy} (NFC, no invisible or control characters), unique on a
 *       case-folded key ({@link Roster}); a valid CS_LOGIN goes on to {@link Logins}, and until
 *       its player is loaded the session is still "before login";</li>
 *   <li>rate limits: a packet over its token bucket is dropped and counted; sustained abuse
 *       closes the session ({@link SessionLimits});</li>
 *   <li>idle timeout for everyone.</li>
 * </ul>
 * Game thread only.
 */
final class Admission {
    /** How a session is told to go (the game loop owns the close requests). */
    interface Closer {
        void close(ClientSession s, CloseReason reason, String text);
    }

    private final World world;
    private final Outboxes outboxes;
    private final GameStats stats;
    private final Closer closer;
    private final RateLimits limits;
    private final int maxPerAddress;
    private final boolean capLoopback;
    private final long loginTimeoutNanos;
    private final long idleTimeoutNanos;
    private final PacketHook hook;
    private final Logins logins;
    private byte[] scratch = new byte[MAX_CLIENT_PACKET];

    Admission(World world, Outboxes outboxes, GameStats stats, Closer closer, RateLimits limits,
              int maxPerAddress, boolean capLoopback, long loginTimeoutMs, long idleTimeoutMs, PacketHook hook,
              Logins logins) {
        this.logins = logins;
        this.world = world;
        this.outboxes = outboxes;
        this.stats = stats;
        this.closer = closer;
        this.limits = limits;
        this.maxPerAddress = maxPerAddress;
        this.capLoopback = capLoopback;
        this.loginTimeoutNanos = loginTimeoutMs * 1_000_000L;
        this.idleTimeoutNanos = idleTimeoutMs * 1_000_000L;
        this.hook = hook;
    }

    SessionLimits limitsFor(long now) {
        return new SessionLimits(limits, now);
    }

    /** A new connection, already counted in {@code fromAddress}: refused if its address has too many. */
    void accepted(ClientSession s, int fromAddress) {
        if (maxPerAddress > 0 && fromAddress > maxPerAddress && (capLoopback || !s.loopback)) {
            Packets.loginFail(outboxes.touch(s));
            closer.close(s, CloseReason.TOO_MANY_CONNECTIONS,
                    fromAddress - 1 + " connections from " + s.address + " already (--max-connections-per-address "
                            + maxPerAddress + ")");
        }
    }

    /** Closes sessions past the login deadline or the idle timeout. */
    void checkDeadlines(Sessions sessions, long now) {
        long idleSince = now - idleTimeoutNanos;
        long acceptedBefore = now - loginTimeoutNanos;
        for (int i = 0; i < sessions.count(); i++) {
            ClientSession s = sessions.at(i);
            if (s.closing) {
                continue;
            }
            if (s.loggedInAs == null && s.acceptedAt < acceptedBefore) {
                closer.close(s, CloseReason.LOGIN_TIMEOUT,
                        "login timeout: no successful CS_LOGIN within " + loginTimeoutNanos / 1_000_000 + " ms");
            } else if (s.lastReceiveNanos < idleSince) {
                closer.close(s, CloseReason.IDLE_TIMEOUT,
                        "idle timeout: nothing received for " + idleTimeoutNanos / 1_000_000 + " ms");
            }
        }
    }

    /** One whole, header-checked packet of a session that is not closing. */
    void onPacket(ClientSession s, ByteBuffer b, int at, int length, long now) {
        int type = b.get(at + 2) & 0xFF;
        Player p = s.player;
        RateLimits.Kind kind = limitedAs(type, p == null);
        if (kind != null) {
            SessionLimits.Verdict v = s.limits.take(kind, now);
            if (v != SessionLimits.Verdict.PASS) {
                stats.dropped(kind);
                if (v == SessionLimits.Verdict.ABUSE) {
                    closer.close(s, CloseReason.RATE_LIMIT, "rate limit: " + kind.label() + " (over "
                            + RateLimits.ABUSE_FACTOR + "x its sustained rate for " + RateLimits.ABUSE_SECONDS + " s)");
                }
                return;
            }
        }
        if (p == null) {
            if (type != CS_LOGIN) {
                closer.close(s, CloseReason.PROTOCOL_ERROR, clientTypeName(type) + " before login");
                return;
            }
            login(s, b, at + HEADER_SIZE, now);
            return;
        }
        if (hook != null) {
            hook.before(p.name, type);
        }
        switch (type) {
            case CS_MOVE:
                world.move(p, b.get(at + 3) & 0xFF, b.get(at + 4) & 0xFF | (b.get(at + 5) & 0xFF) << 8
                        | (b.get(at + 6) & 0xFF) << 16 | (b.get(at + 7) & 0xFF) << 24);
                break;
            case CS_CHAT:
                b.get(at + HEADER_SIZE, scratch, 0, length - HEADER_SIZE);
                world.chat(p, scratch, 0, length - HEADER_SIZE);
                break;
            case CS_TELEPORT:
                world.teleport(p);
                break;
            case CS_ATTACK:
                world.attack(p);
                break;
            case CS_LOGOUT:
                closer.close(s, CloseReason.LOGOUT, "logout");
                break;
            case CS_LOGIN:
                closer.close(s, CloseReason.PROTOCOL_ERROR, "CS_LOGIN after login");
                break;
            default:
                // The engine's header check lets only known types through.
                closer.close(s, CloseReason.PROTOCOL_ERROR, "unexpected packet " + clientTypeName(type));
        }
    }

    private static RateLimits.Kind limitedAs(int type, boolean beforeLogin) {
        switch (type) {
            case CS_MOVE: return RateLimits.Kind.MOVE;
            case CS_CHAT: return RateLimits.Kind.CHAT;
            case CS_ATTACK: return RateLimits.Kind.ATTACK;
            case CS_TELEPORT: return RateLimits.Kind.TELEPORT;
            case CS_LOGIN: return beforeLogin ? RateLimits.Kind.TELEPORT : null;
            default: return null;
        }
    }

    private void login(ClientSession s, ByteBuffer b, int at, long now) {
        byte[] wire = new byte[NAME_SIZE];
        b.get(at, wire);
        int length = 0;
        while (length < NAME_SIZE && wire[length] != 0) {
            length++;
        }
        NamePolicy.Verdict verdict = NamePolicy.check(wire, length);
        if (!verdict.valid()) {
            refuse(s, "invalid name: " + verdict.reason(), now);
            return;
        }
        Arrays.fill(wire, length, NAME_SIZE, (byte) 0);
        logins.begin(s, verdict.name(), verdict.key(), wire, now);
    }

    private void refuse(ClientSession s, String why, long now) {
        logins.refuse(s, why, now);
    }
}
