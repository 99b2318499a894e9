package gameport.ring;

/**
 * Why a session ended; the code travels in CLOSED events and CLOSE requests (both engines; the
 * native mirror is the enum at the top of native/engine_core.h).
 *
 * <p>How a CLOSE request ends the connection depends on the reason, the same on both engines:
 * <ul>
 *   <li>graceful (logout, login failure, server full, timeouts, shutdown, internal error): every
 *       byte queued for the session is delivered, then FIN, then input is read and dropped until
 *       the peer's EOF or the linger deadline, so the client reads the last packet (e.g. the
 *       SC_LOGIN_FAIL that explains the close) instead of a reset;</li>
 *   <li>{@link #abortive} (protocol error, rate limit, slow consumer): the socket closes at once
 *       and whatever was queued for it is dropped; an abuser gets no more of the server's time.</li>
 * </ul>
 */
public enum CloseReason {
    PEER_CLOSED(0, Kind.ORDINARY),
    PROTOCOL_ERROR(1, Kind.ABORTIVE),
    SLOW_CONSUMER(2, Kind.ABORTIVE),
    IO_ERROR(3, Kind.NOTABLE),
    IDLE_TIMEOUT(4, Kind.NOTABLE),
    LOGOUT(5, Kind.ORDINARY),
    SERVER_SHUTDOWN(6, Kind.ORDINARY),
    SERVER_FULL(7, Kind.NOTABLE),
    RATE_LIMIT(8, Kind.ABORTIVE),
    LOGIN_TIMEOUT(9, Kind.NOTABLE),
    TOO_MANY_CONNECTIONS(10, Kind.NOTABLE),
    INTERNAL_ERROR(11, Kind.NOTABLE);

    private enum Kind { ORDINARY, NOTABLE, ABORTIVE }

    public final int code;
    /** Worth an INFO line in the log: the session did not end the ordinary way. */
    public final boolean abnormal;
    /** A CLOSE for this reason drops what is queued and closes at once (see the class comment). */
    public final boolean abortive;
    /** How the log names it, e.g. "protocol error". */
    public final String label;

    CloseReason(int code, Kind kind) {
        this.code = code;
        this.abnormal = kind != Kind.ORDINARY;
        this.abortive = kind == Kind.ABORTIVE;
        this.label = name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    }

    private static final CloseReason[] BY_CODE = values();

    public static CloseReason of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : IO_ERROR;
    }
}
