package gameport.store;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The database worker's answer to a login, as the payload of an EVENT_POSTED record in the
 * events ring (RingDescriptor); the byte order is the ring's, the platform's.
 *
 * <pre>
 *   0        4         8              16    20    24    28     32           40
 *   +--------+---------+--------------+-----+-----+-----+------+------------+
 *   | i32    | i32     | i64          | i32 | i32 | i32 | i32  | i64        |
 *   | kind=1 | status  | request id   | x   | y   | hp  | level| exp        |
 *   +--------+---------+--------------+-----+-----+-----+------+------------+
 *   status: 0 = a new name (no row; the stats are zero), 1 = found, 2 = database unavailable
 * </pre>
 */
public final class LoginResult {
    public static final int KIND = 1;
    public static final int NEW = 0;
    public static final int FOUND = 1;
    public static final int UNAVAILABLE = 2;
    public static final int LENGTH = 40;

    private LoginResult() {
    }

    static byte[] encode(long requestId, int status, PlayerState p) {
        ByteBuffer b = ByteBuffer.allocate(LENGTH).order(ByteOrder.nativeOrder());
        b.putInt(KIND).putInt(status).putLong(requestId);
        if (p != null) {
            b.putInt(p.x()).putInt(p.y()).putInt(p.hp()).putInt(p.level()).putLong(p.exp());
        }
        return b.array();
    }

    public static int kind(ByteBuffer b, int at) {
        return b.getInt(at);
    }

    public static int status(ByteBuffer b, int at) {
        return b.getInt(at + 4);
    }

    public static long requestId(ByteBuffer b, int at) {
        return b.getLong(at + 8);
    }

    public static int x(ByteBuffer b, int at) {
        return b.getInt(at + 16);
    }

    public static int y(ByteBuffer b, int at) {
        return b.getInt(at + 20);
    }

    public static int hp(ByteBuffer b, int at) {
        return b.getInt(at + 24);
    }

    public static int level(ByteBuffer b, int at) {
        return b.getInt(at + 28);
    }

    public static long exp(ByteBuffer b, int at) {
        return b.getLong(at + 32);
    }
}
