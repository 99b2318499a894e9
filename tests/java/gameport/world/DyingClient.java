package gameport.world;

import static gameport.protocol.Protocol.*;

import gameport.testing.TestClient;
import gameport.testing.TestClient.Packet;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A client for a player that may be killed. {@link TestClient} treats an SC_MOVE_OBJECT about
 * itself that answers no CS_MOVE/CS_TELEPORT as a violation, but that is exactly how a dead player
 * learns where it came back. This client keeps the same view rules (add before move, remove only
 * what is in view, no add of what is in view, nothing about itself but self moves) and accepts an
 * unrequested self move with move_time 0 as a respawn, which must come after SC_REMOVE_OBJECT for
 * everything the player saw. Every received packet is kept in {@link #history()}.
 */
final class DyingClient implements AutoCloseable {
    private static final AtomicInteger SYNCS = new AtomicInteger();

    private final String label;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] rbuf = new byte[1 << 16];
    private int rlen;
    private final LinkedList<Packet> backlog = new LinkedList<>();
    private final List<Packet> history = new ArrayList<>();
    private final ArrayDeque<long[]> pendingMoves = new ArrayDeque<>();
    private final Map<Integer, int[]> view = new LinkedHashMap<>();
    private final List<Packet> respawns = new ArrayList<>();
    private Packet loginInfo;
    private int selfId = Integer.MIN_VALUE;
    private int x;
    private int y;

    DyingClient(int port, String label) {
        this.label = label;
        try {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException("connect " + label, e);
        }
    }

    Packet login(String name) {
        send(TestClient.loginPacket(name));
        Packet p = next(TestClient.TIMEOUT);
        if (p.type() != SC_LOGIN_INFO) {
            throw failure("expected SC_LOGIN_INFO first, got " + p);
        }
        return p;
    }

    int id() {
        return selfId;
    }

    int x() {
        return x;
    }

    int y() {
        return y;
    }

    Packet loginInfo() {
        return loginInfo;
    }

    boolean sees(int id) {
        return view.containsKey(id);
    }

    int[] viewPos(int id) {
        int[] p = view.get(id);
        return p == null ? null : p.clone();
    }

    /** Self moves with move_time 0 that no teleport asked for: the respawns after deaths. */
    List<Packet> respawns() {
        return new ArrayList<>(respawns);
    }

    /** Every packet received so far, in order. */
    List<Packet> history() {
        return new ArrayList<>(history);
    }

    void send(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(label + ": send", e);
        }
    }

    long move(int dir) {
        long t = TestClient.nextMoveTime();
        synchronized (pendingMoves) {
            pendingMoves.add(new long[] {dir, t});
        }
        send(TestClient.movePacket(dir, t));
        return t;
    }

    Packet moveAndAwait(int dir) {
        long t = move(dir);
        return await(SC_MOVE_OBJECT, p -> p.id() == selfId && p.moveTime() == t, TestClient.TIMEOUT);
    }

    void attack() {
        send(TestClient.emptyPacket(CS_ATTACK));
    }

    /** Steps along x one move at a time (each awaited) until at {@code tx} or a move is refused. */
    void walkToX(int tx) {
        while (x != tx) {
            int before = x;
            moveAndAwait(tx > x ? DIR_RIGHT : DIR_LEFT);
            if (x == before) {
                throw failure("move towards x=" + tx + " refused");
            }
        }
    }

    /** Everything the server sent before now has been read: a chat to itself comes back after it. */
    void sync() {
        String text = "dsync#" + SYNCS.incrementAndGet();
        send(TestClient.chatPacket(text));
        int self = selfId;
        await(SC_CHAT, p -> p.id() == self && text.equals(p.textString()), TestClient.TIMEOUT);
    }

    Packet await(int type, Predicate<Packet> match, Duration timeout) {
        for (Iterator<Packet> it = backlog.iterator(); it.hasNext(); ) {
            Packet p = it.next();
            if (p.type() == type && match.test(p)) {
                it.remove();
                return p;
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Packet p = read(deadline);
            if (p == null) {
                throw failure("awaited " + serverTypeName(type) + " not received within " + timeout.toMillis()
                        + " ms");
            }
            if (p.type() == type && match.test(p)) {
                return p;
            }
            backlog.add(p);
        }
    }

    /** The next packet (backlog first). */
    Packet next(Duration timeout) {
        if (!backlog.isEmpty()) {
            return backlog.removeFirst();
        }
        Packet p = read(System.nanoTime() + timeout.toNanos());
        if (p == null) {
            throw failure("no packet within " + timeout.toMillis() + " ms");
        }
        return p;
    }

    private Packet read(long deadline) {
        while (true) {
            Packet p = parse();
            if (p != null) {
                history.add(p);
                apply(p);
                return p;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            try {
                socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
                int n = in.read(rbuf, rlen, rbuf.length - rlen);
                if (n < 0) {
                    throw failure("connection closed by the server");
                }
                rlen += n;
            } catch (SocketTimeoutException e) {
                // the deadline decides
            } catch (IOException e) {
                throw failure("read failed: " + e);
            }
        }
    }

    private Packet parse() {
        if (rlen < HEADER_SIZE) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(rbuf, 0, rlen).order(ByteOrder.LITTLE_ENDIAN);
        int size = b.getShort(0) & 0xFFFF;
        int type = b.get(2) & 0xFF;
        String bad = TestClient.checkServerHeader(size, type);
        if (bad != null) {
            throw failure("malformed server packet: " + bad);
        }
        if (rlen < size) {
            return null;
        }
        b.position(HEADER_SIZE);
        long at = System.nanoTime();
        Packet p = TestClient.decodeBody(b, type, size, at);
        System.arraycopy(rbuf, size, rbuf, 0, rlen - size);
        rlen -= size;
        return p;
    }

    private void apply(Packet p) {
        if (p.type() == SC_LOGIN_INFO) {
            if (loginInfo != null) {
                throw failure("second SC_LOGIN_INFO: " + p);
            }
            loginInfo = p;
            selfId = p.id();
            x = p.x();
            y = p.y();
            return;
        }
        if (loginInfo == null) {
            throw failure(serverTypeName(p.type()) + " before SC_LOGIN_INFO: " + p);
        }
        switch (p.type()) {
            case SC_ADD_OBJECT -> {
                if (p.id() == selfId) {
                    throw failure("SC_ADD_OBJECT about itself: " + p);
                }
                if (view.containsKey(p.id())) {
                    throw failure("SC_ADD_OBJECT for an id already in view: " + p);
                }
                view.put(p.id(), new int[] {p.x(), p.y()});
            }
            case SC_REMOVE_OBJECT -> {
                if (view.remove(p.id()) == null) {
                    throw failure("SC_REMOVE_OBJECT for an id not in view: " + p);
                }
            }
            case SC_MOVE_OBJECT -> {
                if (p.id() != selfId) {
                    if (!view.containsKey(p.id())) {
                        throw failure("SC_MOVE_OBJECT for an id not in view: " + p);
                    }
                    view.put(p.id(), new int[] {p.x(), p.y()});
                    return;
                }
                long[] pending;
                synchronized (pendingMoves) {
                    pending = pendingMoves.peek();
                    if (pending != null && pending[1] == p.moveTime()) {
                        pendingMoves.poll();
                    } else {
                        pending = null;
                    }
                }
                if (pending != null) {
                    int dir = (int) pending[0];
                    int nx = x + (dir == DIR_LEFT ? -1 : dir == DIR_RIGHT ? 1 : 0);
                    int ny = y + (dir == DIR_UP ? -1 : dir == DIR_DOWN ? 1 : 0);
                    if (!((p.x() == x && p.y() == y) || (p.x() == nx && p.y() == ny))) {
                        throw failure("move echo at an impossible position: " + p);
                    }
                } else if (p.moveTime() == 0) {
                    // A respawn after death: the player must have lost sight of everything first.
                    if (!view.isEmpty()) {
                        throw failure("respawn move while these are still in view (a dead player gets"
                                + " SC_REMOVE_OBJECT for everything it saw first): " + view.keySet() + " " + p);
                    }
                    respawns.add(p);
                } else {
                    throw failure("self SC_MOVE_OBJECT answering nothing sent: " + p);
                }
                x = p.x();
                y = p.y();
            }
            default -> { }
        }
    }

    AssertionError failure(String message) {
        int n = history.size();
        return new AssertionError("[" + label + " id=" + selfId + " at (" + x + "," + y + ")] " + message
                + "\n  last packets: " + history.subList(Math.max(0, n - 12), n));
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
