package gameport.game;

import static gameport.protocol.Protocol.*;

/** Encodes server packets (little-endian, packed) into a session's outbox. */
final class Packets {
    private Packets() {
    }

    static void loginInfo(ClientSession s, Player p, int x, int y) {
        int at = header(s, SC_LOGIN_INFO_SIZE, SC_LOGIN_INFO);
        byte[] b = s.out;
        at = i32(b, at, VISUAL_PLAYER);
        at = i32(b, at, p.id);
        at = i32(b, at, p.hp);
        at = i32(b, at, p.maxHp);
        at = i32(b, at, p.exp);
        at = i32(b, at, p.level);
        at = i16(b, at, x);
        i16(b, at, y);
    }

    static void loginFail(ClientSession s) {
        header(s, SC_LOGIN_FAIL_SIZE, SC_LOGIN_FAIL);
    }

    static void addPlayer(ClientSession s, Player o, int x, int y) {
        int at = addHeader(s, o.id, VISUAL_PLAYER, x, y);
        System.arraycopy(o.wireName, 0, s.out, at, NAME_SIZE);
    }

    static void addNpc(ClientSession s, Npcs npcs, int index, int x, int y) {
        int at = addHeader(s, npcs.firstId + index, npcs.visual(index), x, y);
        npcs.writeName(index, s.out, at);
    }

    private static int addHeader(ClientSession s, int id, int visual, int x, int y) {
        int at = header(s, SC_ADD_OBJECT_SIZE, SC_ADD_OBJECT);
        byte[] b = s.out;
        at = i32(b, at, id);
        at = i32(b, at, visual);
        at = i16(b, at, x);
        return i16(b, at, y);
    }

    static void removeObject(ClientSession s, int id) {
        int at = header(s, SC_REMOVE_OBJECT_SIZE, SC_REMOVE_OBJECT);
        i32(s.out, at, id);
    }

    static void moveObject(ClientSession s, int id, int x, int y, int moveTime) {
        int at = header(s, SC_MOVE_OBJECT_SIZE, SC_MOVE_OBJECT);
        byte[] b = s.out;
        at = i32(b, at, id);
        at = i16(b, at, x);
        at = i16(b, at, y);
        i32(b, at, moveTime);
    }

    static void chat(ClientSession s, int senderId, byte[] text, int offset, int length) {
        int at = header(s, HEADER_SIZE + 4 + length, SC_CHAT);
        at = i32(s.out, at, senderId);
        System.arraycopy(text, offset, s.out, at, length);
    }

    static void statChange(ClientSession s, Player p) {
        int at = header(s, SC_STAT_CHANGE_SIZE, SC_STAT_CHANGE);
        byte[] b = s.out;
        at = i32(b, at, p.hp);
        at = i32(b, at, p.maxHp);
        at = i32(b, at, p.exp);
        i32(b, at, p.level);
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
