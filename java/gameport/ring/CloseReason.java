package gameport.ring;

/** Why a session ended; the code travels in CLOSED events and CLOSE requests (both engines). */
public enum CloseReason {
    PEER_CLOSED(0, false),
    PROTOCOL_ERROR(1, true),
    SLOW_CONSUMER(2, true),
    IO_ERROR(3, true),
    IDLE_TIMEOUT(4, true),
    LOGOUT(5, false),
    SERVER_SHUTDOWN(6, false),
    SERVER_FULL(7, true);

    public final int code;
    /** Worth a warning line in the log: the session did not end the ordinary way. */
    public final boolean abnormal;
    /** How the log names it, e.g. "protocol error". */
    public final String label;

    CloseReason(int code, boolean abnormal) {
        this.code = code;
        this.abnormal = abnormal;
        this.label = name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
    }

    private static final CloseReason[] BY_CODE = values();

    public static CloseReason of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : IO_ERROR;
    }
}
