package gameport.game;

import static gameport.protocol.Protocol.*;

/** Encodes server packets (little-endian, packed) into a session's outbox. */
final class Packets {
    private Packets() {
    }

    static void loginInfo(ClientSession s, Player p) {
        int at = header(s, SC_LOGIN_INFO_SIZE, SC_LOGIN_INFO);
        byte[] b = s.out;
        at = i32(b, at, VISUAL_PLAYER);
        at = i32(b, at, p.id);
        at = i32(b, at, p.hp);
        at = i32(b, at, p.maxHp);
        at = i32(b, at, p.exp);
        at = i32(b, at, p.level);
        at = i16(b, at, p.x);
        i16(b, at, p.y);
    }

    static void loginFail(ClientSession s, int reason) {
        int at = header(s, SC_LOGIN_FAIL_SIZE, SC_LOGIN_FAIL);
        s.out[at] = (byte) reason;
    }

    static void addObject(ClientSession s, Player o) {
        int at = header(s, SC_ADD_OBJECT_SIZE, SC_ADD_OBJECT);
        byte[] b = s.out;
        at = i32(b, at, o.id);
        at = i32(b, at, VISUAL_PLAYER);
        at = i16(b, at, o.x);
        at = i16(b, at, o.y);
        System.arraycopy(o.wireName, 0, b, at, NAME_SIZE);
    }

    static void removeObject(ClientSession s, int id) {
        int at = header(s, SC_REMOVE_OBJECT_SIZE, SC_REMOVE_OBJECT);
        i32(s.out, at, id);
    }

    static void moveObject(ClientSession s, Player o, int moveTime) {
        int at = header(s, SC_MOVE_OBJECT_SIZE, SC_MOVE_OBJECT);
        byte[] b = s.out;
        at = i32(b, at, o.id);
        at = i16(b, at, o.x);
        at = i16(b, at, o.y);
        i32(b, at, moveTime);
    }

    static void chat(ClientSession s, int senderId, byte[] text, int offset, int length) {
        int at = header(s, HEADER_SIZE + 4 + length, SC_CHAT);
        at = i32(s.out, at, senderId);
        System.arraycopy(text, offset, s.out, at, length);
    }

    private static int header(ClientSession s, int size, int type) {
        int at = s.reserve(size);
        byte[] b = s.out;
        b[at] = (byte) size;
        b[at + 1] = (byte) (size >>> 8);
        b[at + 2] = (byte) type;
        return at + HEADER_SIZE;
    }

    private static int i32(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
        return at + 4;
    }

    private static int i16(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        return at + 2;
    }
}
