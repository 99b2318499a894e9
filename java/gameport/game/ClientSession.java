package gameport.game;

import java.util.Arrays;

/**
 * The game thread's side of one connection: who it is, whether it logged in, and the packets
 * produced for it and not sent yet (see Outboxes for when they go).
 */
final class ClientSession {
    final long number;
    final long handle;
    final String peer;
    /** The peer's address without its port: what the per-address cap counts. */
    final String address;
    /** The peer is this machine (127.0.0.0/8 or ::1): exempt from the per-address cap by default. */
    final boolean loopback;
    final long acceptedAt;
    final SessionLimits limits;
    Player player;
    /** Who logged in on this session, kept after the player left so the close is logged by name. */
    Player loggedInAs;
    /** Its CS_LOGIN waits for the database (Logins); null otherwise. */
    Logins.Pending pendingLogin;
    /** A CLOSE was requested: packets still in the ring for it are ignored. */
    boolean closing;
    long lastReceiveNanos;
    /** Index in the game loop's list of live sessions (swap-remove). */
    int liveIndex;

    byte[] out = new byte[256];
    int outLength;
    boolean touched;
    /** It got a reply to its own action this round: sent at the round's end (Outboxes). */
    boolean urgent;
    /** heldSince when nothing is held (System.nanoTime() may be negative, so not -1). */
    static final long NOT_HELD = Long.MIN_VALUE;
    /** When its held bytes started waiting, or NOT_HELD (Outboxes). */
    long heldSince = NOT_HELD;

    ClientSession(long number, long handle, String peer, long now, SessionLimits limits) {
        this.number = number;
        this.handle = handle;
        this.peer = peer;
        // "ip:port", "[ipv6]:port" (native) or "ipv6:port" (NIO): the port is after the last ':'.
        int colon = peer.lastIndexOf(':');
        String a = colon > 0 ? peer.substring(0, colon) : peer;
        this.address = a.startsWith("[") && a.endsWith("]") ? a.substring(1, a.length() - 1) : a;
        this.loopback = address.startsWith("127.") || address.equals("::1") || address.equals("0:0:0:0:0:0:0:1");
        this.acceptedAt = now;
        this.lastReceiveNanos = now;
        this.limits = limits;
    }

    /** Reserves {@code size} bytes at the end of the outbox and returns their offset. */
    int reserve(int size) {
        int at = outLength;
        if (at + size > out.length) {
            out = Arrays.copyOf(out, Math.max(out.length * 2, at + size));
        }
        outLength = at + size;
        return at;
    }

    String describe() {
        Player p = loggedInAs;
        return p == null
                ? "session " + number + " (" + peer + ")"
                : "session " + number + " (" + peer + ", player '" + p.name + "' id " + p.id + ")";
    }
}
