package gameport.testing;

import static gameport.protocol.Protocol.*;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A blocking-socket game client for tests. Every packet it receives is size-checked, parsed and
 * run through a view model that enforces the consistency rules of PROTOCOL.md; a violation throws
 * an {@link AssertionError} (and every later call on this client throws it again).
 *
 * <p>Receiving: packets read from the socket go into a backlog unless the current
 * {@code await*} call consumes them, so a test may await packets in any order. Sending: every
 * outgoing byte stream (including raw bytes) is parsed too, so the model knows which logins, moves
 * and teleports are pending and can check that self-echoes come back in order with the move_time
 * unchanged and the right position.
 *
 * <p>One thread reads (the test thread); sending from another thread at the same time is allowed.
 */
public final class TestClient implements AutoCloseable {
    public static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final AtomicLong MOVE_TIMES = new AtomicLong(1000);
    private static final AtomicInteger SYNCS = new AtomicInteger();

    /** One server packet; fields not carried by its type are -1 (or null for arrays). */
    public record Packet(int type, int size, int id, int visual, int hp, int maxHp, int exp, int level,
                         int x, int y, long moveTime, byte[] name, byte[] text, long atNanos) {
        /** The name up to its NUL padding, decoded as UTF-8. */
        public String nameString() {
            return name == null ? null : new String(name, 0, nameLength(name), StandardCharsets.UTF_8);
        }

        public String textString() {
            return text == null ? null : new String(text, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder(serverTypeName(type)).append("(size=").append(size);
            switch (type) {
                case SC_LOGIN_INFO -> b.append(" visual=").append(visual).append(" id=").append(id)
                        .append(" hp=").append(hp).append(" max_hp=").append(maxHp).append(" exp=").append(exp)
                        .append(" level=").append(level).append(" x=").append(x).append(" y=").append(y);
                case SC_ADD_OBJECT -> b.append(" id=").append(id).append(" visual=").append(visual)
                        .append(" x=").append(x).append(" y=").append(y).append(" name=")
                        .append(Arrays.toString(name));
                case SC_REMOVE_OBJECT -> b.append(" id=").append(id);
                case SC_MOVE_OBJECT -> b.append(" id=").append(id).append(" x=").append(x).append(" y=")
                        .append(y).append(" move_time=").append(moveTime);
                case SC_CHAT -> b.append(" id=").append(id).append(" text=").append(text.length)
                        .append("B '").append(abbreviate(textString())).append('\'');
                case SC_STAT_CHANGE -> b.append(" hp=").append(hp).append(" max_hp=").append(maxHp)
                        .append(" exp=").append(exp).append(" level=").append(level);
                default -> { }
            }
            return b.append(')').toString();
        }
    }

    private final String label;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Object sendLock = new Object();

    // Receive side (reader thread only).
    private final byte[] rbuf = new byte[1 << 16];
    private int rpos;
    private int rlen;
    private boolean closed;
    private String closedHow;
    private final LinkedList<Packet> backlog = new LinkedList<>();
    private final Set<Integer> notBacklogged = new HashSet<>();
    private final ArrayDeque<Packet> recent = new ArrayDeque<>();
    private long received;
    private volatile AssertionError violation;

    // View model.
    private int mapWidth;
    private int mapHeight;
    private boolean loggedIn;
    private Packet loginInfo;
    private int selfId = Integer.MIN_VALUE;
    private int selfX;
    private int selfY;
    /** hp, max hp, exp, level: from SC_LOGIN_INFO, then each SC_STAT_CHANGE (the reader thread writes it). */
    private volatile List<Integer> selfStats;
    private final Map<Integer, int[]> view = new LinkedHashMap<>();
    private final Map<Integer, String> viewNames = new LinkedHashMap<>();
    private final Set<Integer> removedIds = new HashSet<>();

    // Send side, shared with the model.
    private final AtomicInteger loginsPending = new AtomicInteger();
    /** Pending self echoes: {dir, move_time} for a move, {-1, 0} for a teleport. */
    private final ConcurrentLinkedDeque<long[]> pendingSelf = new ConcurrentLinkedDeque<>();
    private final ByteBuffer outParse = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private volatile boolean outgoingPoisoned;
    private volatile boolean logoutSent;

    private TestClient(String label, Socket socket) throws IOException {
        this(label, socket, socket.getInputStream(), socket.getOutputStream());
    }

    private TestClient(String label, Socket socket, InputStream in, OutputStream out) {
        this.label = label;
        this.socket = socket;
        this.in = in;
        this.out = out;
    }

    /**
     * A client that speaks the same protocol in WebSocket binary frames on {@code /ws} of the
     * server's HTTP port, as the browser client does: each send is one frame (so
     * {@link #sendSplit} splits packets across frames), and the server's frames are read as one
     * byte stream. Its close frame reads as EOF.
     */
    public static TestClient connectWebSocket(int httpPort, String label, int receiveBuffer) {
        return open(httpPort, receiveBuffer, "WebSocket connect " + label, s -> {
            WebSocketStreams.handshake(s, "127.0.0.1", httpPort);
            return new TestClient(label, s, new WebSocketStreams.Input(s.getInputStream(), s.getOutputStream()),
                    new WebSocketStreams.Output(s.getOutputStream()));
        });
    }

    private interface OverSocket {
        TestClient start(Socket s) throws IOException;
    }

    /** Connects a socket to 127.0.0.1:{@code port} with the test options, then makes the client on it. */
    private static TestClient open(int port, int receiveBuffer, String what, OverSocket client) {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            if (receiveBuffer > 0) {
                s.setReceiveBufferSize(receiveBuffer);
            }
            s.setSoTimeout((int) TIMEOUT.toMillis());
            s.connect(new InetSocketAddress("127.0.0.1", port), (int) TIMEOUT.toMillis());
            return client.start(s);
        } catch (IOException e) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already failing
            }
            throw new UncheckedIOException(what + " to port " + port, e);
        }
    }

    /** The WebSocket frame writer of a {@link #connectWebSocket} client (for frames a browser would not send). */
    public WebSocketStreams.Output webSocket() {
        if (!(out instanceof WebSocketStreams.Output w)) {
            throw new IllegalStateException(label + " is not a WebSocket client");
        }
        return w;
    }

    /** The server's WebSocket close code, or -1 (no close frame, or not a WebSocket client). */
    public int webSocketCloseCode() {
        return in instanceof WebSocketStreams.Input w ? w.closeCode() : -1;
    }

    public static TestClient connect(int port, String label) {
        return connect(port, label, -1);
    }

    /** @param receiveBuffer SO_RCVBUF to set before connecting, or -1 for the default. */
    public static TestClient connect(int port, String label, int receiveBuffer) {
        return open(port, receiveBuffer, "connect " + label, s -> new TestClient(label, s));
    }

    /** Lets the model check every position against the map and predict refused moves. */
    public TestClient mapBounds(int width, int height) {
        this.mapWidth = width;
        this.mapHeight = height;
        return this;
    }

    /** Packets of these types are still checked but never kept in the backlog. */
    public TestClient dontKeep(int... types) {
        for (int t : types) {
            notBacklogged.add(t);
        }
        return this;
    }

    public String label() {
        return label;
    }

    public Socket socket() {
        return socket;
    }

    // ------------------------------------------------------------------ packet encoding

    public static byte[] header(int size, int type) {
        return new byte[] {(byte) size, (byte) (size >>> 8), (byte) type};
    }

    /** A CS_LOGIN with these name bytes, NUL-padded (or cut) to 20 bytes. */
    public static byte[] loginPacket(byte[] name) {
        ByteBuffer b = ByteBuffer.allocate(CS_LOGIN_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) CS_LOGIN_SIZE).put((byte) CS_LOGIN);
        b.put(name, 0, Math.min(name.length, NAME_SIZE));
        return b.array();
    }

    public static byte[] loginPacket(String name) {
        return loginPacket(name.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] movePacket(int dir, long moveTime) {
        ByteBuffer b = ByteBuffer.allocate(CS_MOVE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) CS_MOVE_SIZE).put((byte) CS_MOVE).put((byte) dir).putInt((int) moveTime);
        return b.array();
    }

    public static byte[] chatPacket(byte[] text) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + text.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) (HEADER_SIZE + text.length)).put((byte) CS_CHAT).put(text);
        return b.array();
    }

    public static byte[] chatPacket(String text) {
        return chatPacket(text.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] emptyPacket(int type) {
        return header(CS_EMPTY_SIZE, type);
    }

    public static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    /** A fresh move_time, unique in this JVM (and above 2^31 now and then, to catch sign bugs). */
    public static long nextMoveTime() {
        long t = MOVE_TIMES.incrementAndGet();
        return (t % 7 == 0) ? (0x80000000L | t) & 0xFFFFFFFFL : t;
    }

    // ------------------------------------------------------------------ sending

    public TestClient login(String name) {
        return sendRaw(loginPacket(name));
    }

    public TestClient login(byte[] name) {
        return sendRaw(loginPacket(name));
    }

    public TestClient move(int dir, long moveTime) {
        return sendRaw(movePacket(dir, moveTime));
    }

    /** Sends a move with a fresh move_time and returns that time. */
    public long move(int dir) {
        long t = nextMoveTime();
        move(dir, t);
        return t;
    }

    public TestClient chat(String text) {
        return sendRaw(chatPacket(text));
    }

    public TestClient chat(byte[] text) {
        return sendRaw(chatPacket(text));
    }

    public TestClient attack() {
        return sendRaw(emptyPacket(CS_ATTACK));
    }

    public TestClient teleport() {
        return sendRaw(emptyPacket(CS_TELEPORT));
    }

    public TestClient logout() {
        return sendRaw(emptyPacket(CS_LOGOUT));
    }

    /** Writes these bytes in one write (the model parses them as the server will). */
    public TestClient sendRaw(byte[] bytes) {
        synchronized (sendLock) {
            trackOutgoing(bytes, 0, bytes.length);
            try {
                out.write(bytes);
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(label + ": send failed", e);
            }
        }
        return this;
    }

    /** Writes these bytes {@code chunk} bytes per write, flushing and sleeping between writes. */
    public TestClient sendSplit(byte[] bytes, int chunk, long sleepMillis) {
        for (int at = 0; at < bytes.length; at += chunk) {
            sendRaw(Arrays.copyOfRange(bytes, at, Math.min(bytes.length, at + chunk)));
            if (sleepMillis > 0) {
                sleep(sleepMillis);
            }
        }
        return this;
    }

    /** Like {@link #sendRaw} but reports a failed write (the server may have closed) as false. */
    public boolean trySendRaw(byte[] bytes) {
        try {
            sendRaw(bytes);
            return true;
        } catch (UncheckedIOException e) {
            return false;
        }
    }

    private void trackOutgoing(byte[] bytes, int off, int len) {
        if (outgoingPoisoned) {
            return;
        }
        if (len > outParse.remaining()) {
            outgoingPoisoned = true;
            return;
        }
        outParse.put(bytes, off, len);
        outParse.flip();
        while (outParse.remaining() >= HEADER_SIZE) {
            int start = outParse.position();
            int size = outParse.getShort(start) & 0xFFFF;
            int type = outParse.get(start + 2) & 0xFF;
            if (checkClientHeader(size, type) != null) {
                // A deliberate protocol error: the server closes, nothing after it is answered.
                outgoingPoisoned = true;
                outParse.clear();
                return;
            }
            if (outParse.remaining() < size) {
                break;
            }
            switch (type) {
                case CS_LOGIN -> loginsPending.incrementAndGet();
                case CS_MOVE -> pendingSelf.add(new long[] {outParse.get(start + 3) & 0xFF,
                        outParse.getInt(start + 4) & 0xFFFFFFFFL});
                case CS_TELEPORT -> pendingSelf.add(new long[] {-1, 0});
                case CS_LOGOUT -> logoutSent = true;
                default -> { }
            }
            outParse.position(start + size);
        }
        outParse.compact();
    }

    // ------------------------------------------------------------------ receiving

    /** The next packet (backlog first); fails if none comes within the timeout. */
    public Packet next(Duration timeout) {
        checkViolation();
        if (!backlog.isEmpty()) {
            return backlog.removeFirst();
        }
        Packet p = readOne(deadline(timeout));
        if (p == null) {
            throw failure("no packet within " + timeout.toMillis() + " ms" + (closed ? " (connection closed: "
                    + closedHow + ")" : ""));
        }
        return p;
    }

    public Packet awaitPacket(int type) {
        return awaitPacket(type, p -> true, TIMEOUT);
    }

    public Packet awaitPacket(int type, Predicate<Packet> match) {
        return awaitPacket(type, match, TIMEOUT);
    }

    /**
     * The first packet of this type that matches, from the backlog or the socket; packets read on
     * the way are kept in the backlog. Fails on timeout or if the connection closes first.
     */
    public Packet awaitPacket(int type, Predicate<Packet> match, Duration timeout) {
        checkViolation();
        for (Iterator<Packet> it = backlog.iterator(); it.hasNext(); ) {
            Packet p = it.next();
            if (p.type == type && match.test(p)) {
                it.remove();
                return p;
            }
        }
        long deadline = deadline(timeout);
        while (true) {
            Packet p = readOne(deadline);
            if (p == null) {
                throw failure("awaited " + serverTypeName(type) + " not received within " + timeout.toMillis()
                        + " ms" + (closed ? "; connection closed (" + closedHow + ")" : "")
                        + "; backlog " + backlogSummary());
            }
            if (p.type == type && match.test(p)) {
                return p;
            }
            keep(p);
        }
    }

    /** Fails if a packet of this type matching the predicate is in the backlog or arrives within {@code d}. */
    public void expectNoPacket(int type, Predicate<Packet> match, Duration d) {
        checkViolation();
        for (Packet p : backlog) {
            if (p.type == type && match.test(p)) {
                throw failure("unexpected " + p);
            }
        }
        long deadline = deadline(d);
        while (true) {
            Packet p = readOne(deadline);
            if (p == null) {
                return;
            }
            if (p.type == type && match.test(p)) {
                throw failure("unexpected " + p);
            }
            keep(p);
        }
    }

    public void expectNoPacket(int type, Duration d) {
        expectNoPacket(type, p -> true, d);
    }

    /** Reads (and checks) everything arriving within {@code d} into the backlog. */
    public void drain(Duration d) {
        expectNoPacket(-1, p -> false, d);
    }

    /**
     * Waits until the server closes the connection (EOF or reset), checking and keeping the packets
     * that come before; returns how long it took.
     */
    public Duration awaitClosed(Duration timeout) {
        checkViolation();
        long start = System.nanoTime();
        long deadline = deadline(timeout);
        while (!closed) {
            Packet p = readOne(deadline);
            if (p != null) {
                keep(p);
            } else if (!closed) {
                throw failure("connection not closed by the server within " + timeout.toMillis() + " ms");
            }
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /**
     * Waits for the server's close and fails unless it was a clean EOF (FIN) after whole packets:
     * a graceful close (logout, login failure, shutdown) must not end in a reset.
     */
    public void awaitEof(Duration timeout) {
        awaitClosed(timeout);
        if (!"EOF".equals(closedHow)) {
            throw failure("expected a clean EOF from the server, got: " + closedHow);
        }
    }

    /** How the connection ended ("EOF", or the exception a reset raised), or null while open. */
    public String closedHow() {
        return closed ? closedHow : null;
    }

    /** Fails if the server has closed this connection (as far as has been read). */
    public void assertOpen() {
        checkViolation();
        if (closed) {
            throw failure("connection was closed by the server: " + closedHow);
        }
    }

    public boolean isClosed() {
        return closed;
    }

    public List<Packet> backlog() {
        return new ArrayList<>(backlog);
    }

    public void clearBacklog() {
        backlog.clear();
    }

    private void keep(Packet p) {
        if (!notBacklogged.contains(p.type)) {
            backlog.add(p);
        }
    }

    private static long deadline(Duration d) {
        return System.nanoTime() + d.toNanos();
    }

    /** Reads until one whole packet is parsed (returned), the deadline passes or the connection closes (null). */
    private Packet readOne(long deadlineNanos) {
        while (true) {
            Packet p = tryParse();
            if (p != null) {
                return p;
            }
            if (closed) {
                return null;
            }
            long remaining = deadlineNanos - System.nanoTime();
            if (remaining <= 0) {
                return null;
            }
            if (rpos > 0 && rpos == rlen) {
                rpos = rlen = 0;
            } else if (rbuf.length - rlen < 1024) {
                System.arraycopy(rbuf, rpos, rbuf, 0, rlen - rpos);
                rlen -= rpos;
                rpos = 0;
            }
            try {
                socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, remaining / 1_000_000)));
                int n = in.read(rbuf, rlen, rbuf.length - rlen);
                if (n < 0) {
                    markClosed("EOF");
                } else {
                    rlen += n;
                }
            } catch (SocketTimeoutException e) {
                // loop: the deadline decides
            } catch (IOException e) {
                markClosed(e.toString());
            }
        }
    }

    private void markClosed(String how) {
        closed = true;
        closedHow = how + (rlen > rpos ? " with " + (rlen - rpos) + " bytes of a partial packet" : "");
    }

    private Packet tryParse() {
        int avail = rlen - rpos;
        if (avail < HEADER_SIZE) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(rbuf, rpos, avail).order(ByteOrder.LITTLE_ENDIAN);
        int size = b.getShort(rpos) & 0xFFFF;
        int type = b.get(rpos + 2) & 0xFF;
        String bad = checkServerHeader(size, type);
        if (bad != null) {
            throw violation("malformed server packet: " + bad);
        }
        if (avail < size) {
            return null;
        }
        b.position(rpos + HEADER_SIZE);
        Packet p = decodeBody(b, type, size, System.nanoTime());
        rpos += size;
        received++;
        recent.addLast(p);
        if (recent.size() > 12) {
            recent.removeFirst();
        }
        apply(p);
        return p;
    }

    /**
     * Decodes a server packet whose header passed {@link #checkServerHeader}; {@code b} is
     * little-endian and positioned at the body. Shared by every test client.
     */
    public static Packet decodeBody(ByteBuffer b, int type, int size, long at) {
        return switch (type) {
            case SC_LOGIN_INFO -> {
                int visual = b.getInt();
                int id = b.getInt();
                int hp = b.getInt();
                int maxHp = b.getInt();
                int exp = b.getInt();
                int level = b.getInt();
                int x = b.getShort();
                int y = b.getShort();
                yield new Packet(type, size, id, visual, hp, maxHp, exp, level, x, y, -1, null, null,
                        at);
            }
            case SC_LOGIN_FAIL -> new Packet(type, size, -1, -1, -1, -1, -1, -1, -1, -1, -1, null, null, at);
            case SC_ADD_OBJECT -> {
                int id = b.getInt();
                int visual = b.getInt();
                int x = b.getShort();
                int y = b.getShort();
                byte[] name = new byte[NAME_SIZE];
                b.get(name);
                yield new Packet(type, size, id, visual, -1, -1, -1, -1, x, y, -1, name, null, at);
            }
            case SC_REMOVE_OBJECT -> new Packet(type, size, b.getInt(), -1, -1, -1, -1, -1, -1, -1, -1, null, null, at);
            case SC_MOVE_OBJECT -> {
                int id = b.getInt();
                int x = b.getShort();
                int y = b.getShort();
                long t = b.getInt() & 0xFFFFFFFFL;
                yield new Packet(type, size, id, -1, -1, -1, -1, -1, x, y, t, null, null, at);
            }
            case SC_CHAT -> {
                int id = b.getInt();
                byte[] text = new byte[size - HEADER_SIZE - 4];
                b.get(text);
                yield new Packet(type, size, id, -1, -1, -1, -1, -1, -1, -1, -1, null, text, at);
            }
            case SC_STAT_CHANGE -> new Packet(type, size, -1, -1, b.getInt(), b.getInt(), b.getInt(), b.getInt(), -1,
                    -1, -1, null, null, at);
            default -> throw new IllegalStateException("unreachable");
        };
    }

    /** Null if a server packet of this type may have this size, else what is wrong. */
    public static String checkServerHeader(int size, int type) {
        int min;
        int max;
        switch (type) {
            case SC_LOGIN_INFO -> min = max = SC_LOGIN_INFO_SIZE;
            case SC_LOGIN_FAIL -> min = max = SC_LOGIN_FAIL_SIZE;
            case SC_ADD_OBJECT -> min = max = SC_ADD_OBJECT_SIZE;
            case SC_REMOVE_OBJECT -> min = max = SC_REMOVE_OBJECT_SIZE;
            case SC_MOVE_OBJECT -> min = max = SC_MOVE_OBJECT_SIZE;
            case SC_CHAT -> {
                min = SC_CHAT_MIN_SIZE;
                max = SC_CHAT_MAX_SIZE;
            }
            case SC_STAT_CHANGE -> min = max = SC_STAT_CHANGE_SIZE;
            default -> {
                return "unknown server packet type " + type + " (size " + size + ")";
            }
        }
        if (size < min || size > max) {
            return serverTypeName(type) + " has size " + size + ", expected "
                    + (min == max ? String.valueOf(min) : min + ".." + max);
        }
        return null;
    }

    // ------------------------------------------------------------------ view model

    private void apply(Packet p) {
        if (p.type == SC_STAT_CHANGE) {
            selfStats = List.of(p.hp, p.maxHp, p.exp, p.level);
        }
        switch (p.type) {
            case SC_LOGIN_INFO -> {
                if (loggedIn) {
                    throw violation("SC_LOGIN_INFO while already logged in: " + p);
                }
                if (loginsPending.get() <= 0) {
                    throw violation("SC_LOGIN_INFO without a CS_LOGIN sent: " + p);
                }
                loginsPending.decrementAndGet();
                if (p.visual != VISUAL_PLAYER) {
                    throw violation("SC_LOGIN_INFO visual must be 0 (player): " + p);
                }
                checkBounds(p, "SC_LOGIN_INFO");
                loggedIn = true;
                loginInfo = p;
                selfStats = List.of(p.hp, p.maxHp, p.exp, p.level);
                selfId = p.id;
                selfX = p.x;
                selfY = p.y;
                if (view.containsKey(selfId)) {
                    throw violation("own id " + selfId + " was in view before login");
                }
            }
            case SC_LOGIN_FAIL -> {
                if (loggedIn) {
                    throw violation("SC_LOGIN_FAIL while logged in: " + p);
                }
                if (loginsPending.get() <= 0) {
                    throw violation("SC_LOGIN_FAIL without a CS_LOGIN sent: " + p);
                }
                loginsPending.decrementAndGet();
            }
            default -> {
                if (!loggedIn) {
                    throw violation(serverTypeName(p.type) + " before SC_LOGIN_INFO (it must be the first packet"
                            + " after login, and nothing is sent before login): " + p);
                }
                applyInGame(p);
            }
        }
    }

    private void applyInGame(Packet p) {
        switch (p.type) {
            case SC_ADD_OBJECT -> {
                if (p.id == selfId) {
                    throw violation("SC_ADD_OBJECT about itself: " + p);
                }
                if (view.containsKey(p.id)) {
                    throw violation("SC_ADD_OBJECT(" + p.id + ") while it is already in view (no"
                            + " SC_REMOVE_OBJECT in between): " + p);
                }
                if (p.visual < 0) {
                    throw violation("negative visual: " + p);
                }
                checkBounds(p, "SC_ADD_OBJECT");
                String name = checkName(p);
                view.put(p.id, new int[] {p.x, p.y});
                viewNames.put(p.id, name);
                removedIds.remove(p.id);
            }
            case SC_REMOVE_OBJECT -> {
                if (p.id == selfId) {
                    throw violation("SC_REMOVE_OBJECT about itself: " + p);
                }
                if (!view.containsKey(p.id)) {
                    throw violation("SC_REMOVE_OBJECT(" + p.id + ") for an id not in view ("
                            + (removedIds.contains(p.id) ? "already removed" : "never added") + ")");
                }
                view.remove(p.id);
                viewNames.remove(p.id);
                removedIds.add(p.id);
            }
            case SC_MOVE_OBJECT -> {
                checkBounds(p, "SC_MOVE_OBJECT");
                if (p.id == selfId) {
                    applySelfMove(p);
                } else {
                    requireInView(p);
                    view.put(p.id, new int[] {p.x, p.y});
                }
            }
            case SC_CHAT -> {
                if (p.id != selfId) {
                    requireInView(p);
                }
            }
            default -> { }
        }
    }

    private void requireInView(Packet p) {
        if (!view.containsKey(p.id)) {
            throw violation(serverTypeName(p.type) + " about id " + p.id + " which is not in view ("
                    + (removedIds.contains(p.id) ? "after its SC_REMOVE_OBJECT" : "no SC_ADD_OBJECT before it")
                    + "): " + p);
        }
    }

    private void applySelfMove(Packet p) {
        long[] expected = pendingSelf.poll();
        if (expected == null) {
            throw violation("SC_MOVE_OBJECT about itself with no CS_MOVE/CS_TELEPORT pending: " + p);
        }
        if (expected[0] < 0) {
            if (p.moveTime != 0) {
                throw violation("teleport answer must carry move_time 0 (the pending echo is a teleport): " + p);
            }
        } else {
            if (p.moveTime != expected[1]) {
                throw violation("move echo carries move_time " + p.moveTime + ", expected " + expected[1]
                        + " (echoes come in order with move_time unchanged): " + p);
            }
            int dir = (int) expected[0];
            int nx = selfX + (dir == DIR_LEFT ? -1 : dir == DIR_RIGHT ? 1 : 0);
            int ny = selfY + (dir == DIR_UP ? -1 : dir == DIR_DOWN ? 1 : 0);
            boolean knownMap = mapWidth > 0 && mapHeight > 0;
            if (dir > 3) {
                nx = selfX;
                ny = selfY;
            }
            if (knownMap) {
                boolean inside = nx >= 0 && ny >= 0 && nx < mapWidth && ny < mapHeight;
                int ex = inside ? nx : selfX;
                int ey = inside ? ny : selfY;
                if (p.x != ex || p.y != ey) {
                    throw violation("move " + dirName(dir) + " from (" + selfX + "," + selfY + ") on a " + mapWidth
                            + "x" + mapHeight + " map (no walls) must end at (" + ex + "," + ey + "): " + p);
                }
            } else if (!((p.x == selfX && p.y == selfY) || (p.x == nx && p.y == ny))) {
                throw violation("move " + dirName(dir) + " from (" + selfX + "," + selfY + ") echoed at an impossible"
                        + " position: " + p);
            }
        }
        selfX = p.x;
        selfY = p.y;
    }

    private void checkBounds(Packet p, String what) {
        if (mapWidth > 0 && (p.x < 0 || p.x >= mapWidth || p.y < 0 || p.y >= mapHeight)) {
            throw violation(what + " position outside the " + mapWidth + "x" + mapHeight + " map: " + p);
        }
    }

    private String checkName(Packet p) {
        int n = nameLength(p.name);
        for (int i = n; i < NAME_SIZE; i++) {
            if (p.name[i] != 0) {
                throw violation("SC_ADD_OBJECT name is not NUL-padded: " + p);
            }
        }
        if (p.visual == VISUAL_PLAYER && n == 0) {
            throw violation("SC_ADD_OBJECT of a player with an empty name: " + p);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(p.name, 0, n)).toString();
        } catch (CharacterCodingException e) {
            throw violation("SC_ADD_OBJECT name is not valid UTF-8: " + p);
        }
    }

    static int nameLength(byte[] name) {
        int n = 0;
        while (n < name.length && name[n] != 0) {
            n++;
        }
        return n;
    }

    // ------------------------------------------------------------------ model queries

    public boolean loggedIn() {
        return loggedIn;
    }

    public Packet loginInfo() {
        return loginInfo;
    }

    /** The player's own hp, max hp, exp and level as the server last told them. */
    public List<Integer> stats() {
        return selfStats;
    }

    public int id() {
        if (!loggedIn) {
            throw failure("not logged in");
        }
        return selfId;
    }

    public int x() {
        return selfX;
    }

    public int y() {
        return selfY;
    }

    public Set<Integer> viewIds() {
        return new TreeSet<>(view.keySet());
    }

    public boolean sees(int id) {
        return view.containsKey(id);
    }

    /** Last known {x, y} of an object in view, or null. */
    public int[] viewPos(int id) {
        int[] p = view.get(id);
        return p == null ? null : p.clone();
    }

    public String viewName(int id) {
        return viewNames.get(id);
    }

    public int pendingEchoes() {
        return pendingSelf.size();
    }

    public long packetsReceived() {
        return received;
    }

    public boolean logoutSent() {
        return logoutSent;
    }

    // ------------------------------------------------------------------ high-level helpers

    /** Logs in and waits for SC_LOGIN_INFO; fails on SC_LOGIN_FAIL. */
    public Packet loginOk(String name) {
        login(name);
        Packet p = awaitLoginAnswer();
        if (p.type != SC_LOGIN_INFO) {
            throw failure("login as '" + name + "' failed: " + p);
        }
        return p;
    }

    /**
     * Logs in with raw name bytes and expects SC_LOGIN_FAIL; fails on SC_LOGIN_INFO. The packet
     * carries no reason (the course's protocol.h): tests read why from the server's log.
     */
    public void loginFails(byte[] name) {
        login(name);
        Packet p = awaitLoginAnswer();
        if (p.type != SC_LOGIN_FAIL) {
            throw failure("login with name bytes " + Arrays.toString(name) + " should fail but got " + p);
        }
    }

    public void loginFails(String name) {
        loginFails(name.getBytes(StandardCharsets.UTF_8));
    }

    /** The SC_LOGIN_INFO or SC_LOGIN_FAIL answering a login (the model checks it is the first packet). */
    public Packet awaitLoginAnswer() {
        checkViolation();
        long deadline = deadline(TIMEOUT);
        while (true) {
            Packet p = readOne(deadline);
            if (p == null) {
                throw failure("no answer to CS_LOGIN within " + TIMEOUT.toMillis() + " ms"
                        + (closed ? "; connection closed (" + closedHow + ")" : ""));
            }
            if (p.type == SC_LOGIN_INFO || p.type == SC_LOGIN_FAIL) {
                return p;
            }
            keep(p);
        }
    }

    /** Sends a move and waits for its echo. */
    public Packet moveAndAwait(int dir) {
        long t = move(dir);
        return awaitEcho(t);
    }

    public Packet awaitEcho(long moveTime) {
        int self = id();
        return awaitPacket(SC_MOVE_OBJECT, p -> p.id == self && p.moveTime == moveTime, TIMEOUT);
    }

    public Packet teleportAndAwait() {
        int self = id();
        teleport();
        return awaitPacket(SC_MOVE_OBJECT, p -> p.id == self && p.moveTime == 0, TIMEOUT);
    }

    /** Walks (pipelined moves) along x to the target column and waits for the last echo. */
    public void walkToX(int targetX) {
        walk(targetX - selfX, DIR_RIGHT, DIR_LEFT);
        if (selfX != targetX) {
            throw failure("walked to x=" + selfX + " instead of " + targetX);
        }
    }

    public void walkToY(int targetY) {
        walk(targetY - selfY, DIR_DOWN, DIR_UP);
        if (selfY != targetY) {
            throw failure("walked to y=" + selfY + " instead of " + targetY);
        }
    }

    public void walkTo(int targetX, int targetY) {
        walkToX(targetX);
        walkToY(targetY);
    }

    private void walk(int delta, int plusDir, int minusDir) {
        if (delta == 0) {
            return;
        }
        int dir = delta > 0 ? plusDir : minusDir;
        long last = 0;
        byte[][] batch = new byte[Math.abs(delta)][];
        for (int i = 0; i < batch.length; i++) {
            last = nextMoveTime();
            batch[i] = movePacket(dir, last);
        }
        sendRaw(concat(batch));
        awaitEcho(last);
    }

    /**
     * Makes sure everything the server sent this client before now has been read: a refused move
     * (at a known map edge) or else a chat to itself, answered after all earlier traffic for it.
     */
    public void sync() {
        int self = id();
        int dir = -1;
        if (mapWidth > 0) {
            if (selfY == 0) {
                dir = DIR_UP;
            } else if (selfY == mapHeight - 1) {
                dir = DIR_DOWN;
            } else if (selfX == 0) {
                dir = DIR_LEFT;
            } else if (selfX == mapWidth - 1) {
                dir = DIR_RIGHT;
            }
        }
        if (dir >= 0) {
            moveAndAwait(dir);
        } else {
            String text = "sync#" + SYNCS.incrementAndGet();
            chat(text);
            awaitPacket(SC_CHAT, p -> p.id == self && p.textString().equals(text), TIMEOUT);
        }
    }

    // ------------------------------------------------------------------ failures

    private void checkViolation() {
        if (violation != null) {
            throw new AssertionError(violation.getMessage(), violation);
        }
    }

    /** An AssertionError naming this client, its state and its last packets. */
    public AssertionError failure(String message) {
        return new AssertionError("[" + label + (loggedIn ? " id=" + selfId + " at (" + selfX + "," + selfY + ")"
                : "") + "] " + message + "\n  last packets: " + recent);
    }

    /** A broken protocol rule: remembered, so every later call on this client fails too. */
    private AssertionError violation(String message) {
        AssertionError e = failure("PROTOCOL VIOLATION: " + message);
        if (violation == null) {
            violation = e;
        }
        return e;
    }

    private String backlogSummary() {
        if (backlog.isEmpty()) {
            return "empty";
        }
        StringBuilder b = new StringBuilder().append(backlog.size()).append(" packets: ");
        int n = 0;
        for (Packet p : backlog) {
            if (n++ == 8) {
                b.append(" ...");
                break;
            }
            b.append(p).append(' ');
        }
        return b.toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 24 ? s : s.substring(0, 24) + "...";
    }

    static String dirName(int dir) {
        return switch (dir) {
            case DIR_UP -> "up";
            case DIR_DOWN -> "down";
            case DIR_LEFT -> "left";
            case DIR_RIGHT -> "right";
            default -> "dir" + dir;
        };
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public String toString() {
        return label;
    }
}
