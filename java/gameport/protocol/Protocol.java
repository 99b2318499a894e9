package gameport.protocol;

/** Wire constants of PROTOCOL.md (v1): packet types, fixed sizes, limits. */
public final class Protocol {
    public static final int HEADER_SIZE = 3;
    public static final int NAME_SIZE = 20;
    public static final int MAX_CHAT_BYTES = 300;

    // Client -> server.
    public static final int CS_LOGIN = 0;
    public static final int CS_MOVE = 1;
    public static final int CS_CHAT = 2;
    public static final int CS_ATTACK = 3;
    public static final int CS_TELEPORT = 4;
    public static final int CS_LOGOUT = 5;

    public static final int CS_LOGIN_SIZE = HEADER_SIZE + NAME_SIZE;
    public static final int CS_MOVE_SIZE = HEADER_SIZE + 1 + 4;
    public static final int CS_CHAT_MIN_SIZE = HEADER_SIZE + 1;
    public static final int CS_CHAT_MAX_SIZE = HEADER_SIZE + MAX_CHAT_BYTES;
    public static final int CS_EMPTY_SIZE = HEADER_SIZE;

    /** Largest packet a client may send: framing buffers are sized from it. */
    public static final int MAX_CLIENT_PACKET = CS_CHAT_MAX_SIZE;

    // Server -> client.
    public static final int SC_LOGIN_INFO = 2;
    public static final int SC_LOGIN_FAIL = 3;
    public static final int SC_ADD_OBJECT = 4;
    public static final int SC_REMOVE_OBJECT = 5;
    public static final int SC_MOVE_OBJECT = 6;
    public static final int SC_CHAT = 7;
    public static final int SC_STAT_CHANGE = 8;

    public static final int SC_LOGIN_INFO_SIZE = HEADER_SIZE + 6 * 4 + 2 * 2;
    /** The course's protocol.h: no body. Why a login failed goes to the server's log, not on the wire. */
    public static final int SC_LOGIN_FAIL_SIZE = HEADER_SIZE;
    public static final int SC_ADD_OBJECT_SIZE = HEADER_SIZE + 4 + 4 + 2 + 2 + NAME_SIZE;
    public static final int SC_REMOVE_OBJECT_SIZE = HEADER_SIZE + 4;
    public static final int SC_MOVE_OBJECT_SIZE = HEADER_SIZE + 4 + 2 + 2 + 4;
    public static final int SC_CHAT_MIN_SIZE = HEADER_SIZE + 4 + 1;
    public static final int SC_CHAT_MAX_SIZE = HEADER_SIZE + 4 + MAX_CHAT_BYTES;
    public static final int SC_STAT_CHANGE_SIZE = HEADER_SIZE + 4 * 4;


    public static final int DIR_UP = 0;
    public static final int DIR_DOWN = 1;
    public static final int DIR_LEFT = 2;
    public static final int DIR_RIGHT = 3;

    public static final int VISUAL_PLAYER = 0;

    private Protocol() {
    }

    /**
     * The header rule both engines apply as soon as 3 bytes are in: null if a client packet of
     * this type may have this size, else the reason it is a protocol error.
     */
    public static String checkClientHeader(int size, int type) {
        if (size < HEADER_SIZE) {
            return "packet size " + size + " < 3";
        }
        int expected;
        switch (type) {
            case CS_LOGIN: expected = CS_LOGIN_SIZE; break;
            case CS_MOVE: expected = CS_MOVE_SIZE; break;
            case CS_CHAT:
                return size >= CS_CHAT_MIN_SIZE && size <= CS_CHAT_MAX_SIZE ? null
                        : "CS_CHAT size " + size + " outside 4..303";
            case CS_ATTACK:
            case CS_TELEPORT:
            case CS_LOGOUT: expected = CS_EMPTY_SIZE; break;
            default:
                return "unknown packet type " + type + " (size " + size + ")";
        }
        return size == expected ? null : clientTypeName(type) + " size " + size + " != " + expected;
    }

    public static String clientTypeName(int type) {
        switch (type) {
            case CS_LOGIN: return "CS_LOGIN";
            case CS_MOVE: return "CS_MOVE";
            case CS_CHAT: return "CS_CHAT";
            case CS_ATTACK: return "CS_ATTACK";
            case CS_TELEPORT: return "CS_TELEPORT";
            case CS_LOGOUT: return "CS_LOGOUT";
            default: return "type " + type;
        }
    }

    public static String serverTypeName(int type) {
        switch (type) {
            case SC_LOGIN_INFO: return "SC_LOGIN_INFO";
            case SC_LOGIN_FAIL: return "SC_LOGIN_FAIL";
            case SC_ADD_OBJECT: return "SC_ADD_OBJECT";
            case SC_REMOVE_OBJECT: return "SC_REMOVE_OBJECT";
            case SC_MOVE_OBJECT: return "SC_MOVE_OBJECT";
            case SC_CHAT: return "SC_CHAT";
            case SC_STAT_CHANGE: return "SC_STAT_CHANGE";
            default: return "type " + type;
        }
    }
}
