package gameport.engine;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.ChatBacklog;
import gameport.testing.Engines;
import gameport.testing.LogCapture;
import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 10, "one client cannot hurt another", the same on every engine: a graceful close delivers
 * everything and ends in EOF, never a reset; an abortive one drops what is queued; a burst of one
 * client does not hold up another; a connection the server cannot take hears why; shutdown closes
 * everyone gracefully within its bound; ordinary disconnects leave no line in the log above FINE.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CloseBehaviourTest {
    private static final Duration CLOSE = Duration.ofSeconds(5);
    /** Held so its level stays set while a test wants the FINE lines about ordinary closes. */
    private static final Logger GAME_LOG = Logger.getLogger("gameport.game");
    /** NioEngine.SHUTDOWN_LINGER_NANOS, the bound the native engine keeps too. */
    private static final long SHUTDOWN_BOUND_MS = 3000;
    private static final byte[] LOGIN_FAIL_HEADER = {3, 0, SC_LOGIN_FAIL};

    /**
     * The client logs out while it goes on sending moves, with replies still on their way to it:
     * in the server's socket, not in the engine's queue (the engine's last write took them all,
     * and CS_LOGOUT itself queues nothing for a player nobody sees). It reads every reply, then a
     * clean EOF: a close with its later moves unread would have been a reset, and a reset throws
     * away what the server's socket has not sent yet. The server reads on until the client
     * closes, and the session ends with the game's reason.
     */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void logoutWhileTheClientKeepsSendingEndsWithEveryReplyThenEof(String engine) throws Exception {
        Level level = GAME_LOG.getLevel();
        GAME_LOG.setLevel(Level.FINE); // an ordinary close is logged at FINE
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1000).height(1000).viewRange(0));
             LogCapture log = new LogCapture()) {
            TestClient leaver = f.connect("leaver", 4096);
            leaver.loginOk("leaver");
            int self = leaver.id();
            int moves = 500; // 7.5 KB of echoes: more than the leaver's socket takes, less than the server's
            byte[][] batch = new byte[moves][];
            for (int i = 0; i < moves; i++) {
                batch[i] = TestClient.movePacket(i % 2 == 0 ? DIR_LEFT : DIR_RIGHT, TestClient.nextMoveTime());
            }
            leaver.sendRaw(TestClient.concat(batch));
            TestClient.sleep(200); // handled and written; the leaver reads nothing yet
            AtomicBoolean stop = new AtomicBoolean();
            AtomicBoolean writeFailed = new AtomicBoolean();
            AtomicLong sentAfter = new AtomicLong();
            Thread sender = new Thread(() -> {
                if (!leaver.trySendRaw(TestClient.emptyPacket(CS_LOGOUT))) {
                    writeFailed.set(true);
                    return;
                }
                while (!stop.get()) {
                    if (!leaver.trySendRaw(TestClient.movePacket(DIR_UP, TestClient.nextMoveTime()))) {
                        writeFailed.set(true);
                        return;
                    }
                    sentAfter.incrementAndGet();
                    TestClient.sleep(1);
                }
            }, "sender");
            sender.setDaemon(true);
            sender.start();
            TestClient.sleep(100); // the close happens meanwhile, and more moves come in after it
            leaver.awaitClosed(CLOSE);
            TestClient.sleep(100); // FIN came, but the server still reads (and drops) until our EOF
            stop.set(true);
            sender.join(5000);
            assertEquals("EOF", leaver.closedHow(), "how the connection ended after CS_LOGOUT ("
                    + sentAfter.get() + " moves sent after it)");
            assertEquals(moves, leaver.backlog().stream().filter(p -> p.type() == SC_MOVE_OBJECT && p.id() == self)
                    .count(), "echoes that reached the leaver before the close");
            assertFalse(writeFailed.get(), "a write after CS_LOGOUT failed: the server closed before the client"
                    + " did (" + sentAfter.get() + " moves went out)");
            leaver.close();
            awaitLine(log, leaver, "closed (logout)");
            assertEquals(List.of(), loudLinesAbout(log, leaver), "an ordinary logout is logged at FINE only");
        } finally {
            GAME_LOG.setLevel(level);
        }
    }

    /** A logout with megabytes queued for the client: every byte arrives, then EOF. */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void gracefulCloseDeliversEverythingQueuedBeforeTheFin(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1)
                .maxPendingBytes(16 << 20))) {
            TestClient reader = f.connect("late-reader", 4096);
            reader.loginOk("late-reader");
            TestClient chatter = f.login("chatter");
            int chats = ChatBacklog.queueChatsToward(reader, chatter);
            reader.logout();
            reader.awaitClosed(Duration.ofSeconds(10));
            assertEquals("EOF", reader.closedHow(), "how the connection ended after CS_LOGOUT");
            assertEquals(chats, reader.backlog().stream().filter(p -> p.type() == SC_CHAT).count(),
                    "chats that reached the reader before the close");
            chatter.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == reader.id());
            chatter.moveAndAwait(DIR_UP);
        }
    }

    static Stream<Arguments> abortiveCases() {
        return Engines.all().flatMap(e -> Stream.of(
                Arguments.of(e, "malformed header", TestClient.header(3, 99)),
                Arguments.of(e, "CS_LOGIN after login", TestClient.loginPacket("again"))));
    }

    /**
     * A protocol error closes at once, found by the engine (a malformed header) or by the game (an
     * abortive CLOSE request): what was queued for the offender is dropped, not delivered.
     */
    @ParameterizedTest(name = "[{index}] {0} {1}")
    @MethodSource("abortiveCases")
    void abortiveCloseDropsWhatIsQueued(String engine, String what, byte[] offence) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1)
                .maxPendingBytes(16 << 20))) {
            TestClient offender = f.connect("offender", 4096);
            offender.loginOk("offender");
            TestClient chatter = f.login("chatter");
            int chats = ChatBacklog.queueChatsToward(offender, chatter);
            long t0 = System.nanoTime();
            offender.sendRaw(offence);
            chatter.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == offender.id(), CLOSE);
            long removedMs = (System.nanoTime() - t0) / 1_000_000;
            offender.awaitClosed(Duration.ofSeconds(10));
            long got = offender.backlog().stream().filter(p -> p.type() == SC_CHAT).count();
            assertTrue(got < chats, what + ": " + got + " of " + chats + " queued chats arrived: the close"
                    + " should have dropped what the socket had not taken");
            assertTrue(removedMs < 1000, what + ": the offender left the world after " + removedMs + " ms");
            chatter.moveAndAwait(DIR_UP);
            chatter.assertOpen();
        }
    }

    /**
     * One client writes 20,000 moves in one burst; another's move is still answered promptly, and
     * every move of the flood is answered in the end, in order (the engine takes a share of the
     * burst per round; nothing is dropped and nobody is closed for it).
     */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void aBurstOfOneClientDoesNotHoldUpAnother(String engine) throws Exception {
        int flood = 20_000;
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(2000).height(1).viewRange(0))) {
            TestClient flooder = f.login("flooder").dontKeep(SC_MOVE_OBJECT, SC_ADD_OBJECT, SC_REMOVE_OBJECT);
            TestClient witness = f.login("witness").dontKeep(SC_MOVE_OBJECT, SC_ADD_OBJECT, SC_REMOVE_OBJECT);
            witness.moveAndAwait(DIR_LEFT);
            byte[][] moves = new byte[flood][];
            long[] times = new long[flood];
            for (int i = 0; i < flood; i++) {
                times[i] = TestClient.nextMoveTime();
                moves[i] = TestClient.movePacket(i % 2 == 0 ? DIR_LEFT : DIR_RIGHT, times[i]);
            }
            // Written back to back (TestClient's model tracks at most 64 KiB per write).
            int perWrite = 4000;
            Thread sender = new Thread(() -> {
                for (int from = 0; from < flood; from += perWrite) {
                    flooder.sendRaw(TestClient.concat(Arrays.copyOfRange(moves, from, Math.min(flood, from + perWrite))));
                }
            }, "flooder");
            sender.setDaemon(true);
            sender.start();
            flooder.awaitEcho(times[0]);
            long worstMs = 0;
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                witness.moveAndAwait(i % 2 == 0 ? DIR_RIGHT : DIR_LEFT);
                worstMs = Math.max(worstMs, (System.nanoTime() - t0) / 1_000_000);
            }
            int self = flooder.id();
            flooder.awaitPacket(SC_MOVE_OBJECT, p -> p.id() == self && p.moveTime() == times[flood - 1],
                    Duration.ofSeconds(30));
            sender.join(5000);
            assertEquals(0, flooder.pendingEchoes(), "moves of the flood never answered");
            flooder.assertOpen();
            assertTrue(worstMs < 1000, "the witness's echo took " + worstMs + " ms during the flood");
        }
    }

    /**
     * With every session slot taken (--max-users 1: 1 + 64 slots, see GameServer), the next
     * connection gets exactly SC_LOGIN_FAIL's 3 bytes (header only) and then EOF, and one log line
     * says so; once a slot is free again a connection is served.
     */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void aConnectionOverTheSessionSlotsGetsLoginFailThenEof(String engine) throws Exception {
        int slots = 1 + 64;
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).maxUsers(1));
             LogCapture log = new LogCapture()) {
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < slots; i++) {
                    held.add(plainConnect(f.port));
                }
                // Accepts are taken in order: this one comes after every slot is in use.
                try (Socket extra = plainConnect(f.port)) {
                    assertArrayEquals(LOGIN_FAIL_HEADER, readToEof(extra, CLOSE),
                            "what a connection over the limit receives before EOF");
                }
                // The native library writes its refusal line to stderr itself (native/engine_core.cpp
                // log_line), not through java.util.logging: only the Java engine's can be read here.
                long deadline = System.nanoTime() + 3_000_000_000L;
                while (engine.equals("java")
                        && log.lines().stream().noneMatch(l -> l.contains("refused") && l.contains("SC_LOGIN_FAIL"))) {
                    assertTrue(System.nanoTime() < deadline, "no refusal line; log: " + log.lines());
                    TestClient.sleep(10);
                }
                held.remove(0).close();
                deadline = System.nanoTime() + 5_000_000_000L;
                while (!loginAnswered(f.port, "late")) {
                    assertTrue(System.nanoTime() < deadline, "no connection served 5 s after a slot was freed");
                    TestClient.sleep(20);
                }
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
        }
    }

    /**
     * GameServer.close() with hundreds of clients that go on sending, one of them with megabytes
     * queued: each gets all its output and then EOF, none a reset, and close() returns within the
     * shutdown bound.
     */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void shutdownClosesEveryClientGracefullyWithinTheBound(String engine) throws Exception {
        int n = 300;
        byte[] text = new byte[MAX_CHAT_BYTES];
        Arrays.fill(text, (byte) 's');
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1)
                .maxPendingBytes(16 << 20));
             Selector selector = Selector.open()) {
            TestClient slow = f.connect("slow", 4096);
            slow.loginOk("slow");
            TestClient chatter = f.login("chatter");
            int slowChats = ChatBacklog.queueChatsToward(slow, chatter) + n;
            chatter.close();
            TestClient witness = f.login("witness").dontKeep(SC_ADD_OBJECT, SC_REMOVE_OBJECT, SC_CHAT);
            List<RawClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    RawClient c = new RawClient(f.port);
                    clients.add(c);
                    c.write(TestClient.loginPacket("s" + i));
                }
                for (int i = 0; i < n; i++) {
                    witness.awaitPacket(SC_ADD_OBJECT, p -> p.nameString().matches("s\\d+"));
                }
                // Everyone is in: each chat goes to all of them. None of them reads yet.
                for (RawClient c : clients) {
                    c.write(TestClient.chatPacket(text));
                }
                for (int i = 0; i < n; i++) {
                    witness.awaitPacket(SC_CHAT);
                }
                witness.close();
                for (RawClient c : clients) {
                    c.channel.configureBlocking(false);
                    c.channel.register(selector, SelectionKey.OP_READ, c);
                }
                AtomicLong closeMs = new AtomicLong(-1);
                long t0 = System.nanoTime();
                Thread closer = new Thread(() -> {
                    f.server.close();
                    closeMs.set((System.nanoTime() - t0) / 1_000_000);
                }, "closer");
                Thread slowReader = new Thread(() -> slow.awaitClosed(Duration.ofSeconds(10)), "slow-reader");
                closer.start();
                slowReader.start();
                ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
                byte[] attack = TestClient.emptyPacket(CS_ATTACK); // no NPCs: answered by nothing
                int open = n;
                long deadline = t0 + 10_000_000_000L;
                long nextWrite = 0;
                while (open > 0 && System.nanoTime() < deadline) {
                    selector.select(5);
                    for (SelectionKey key : selector.selectedKeys()) {
                        RawClient c = (RawClient) key.attachment();
                        if (c.readAvailable(buffer, t0)) {
                            key.cancel();
                            c.channel.close();
                            open--;
                        }
                    }
                    selector.selectedKeys().clear();
                    if (System.nanoTime() - nextWrite >= 0) { // input keeps coming until each sees its EOF
                        nextWrite = System.nanoTime() + 10_000_000L;
                        for (RawClient c : clients) {
                            if (c.how == null && c.tryWrite(attack, t0)) {
                                c.channel.keyFor(selector).cancel();
                                c.channel.close();
                                open--;
                            }
                        }
                    }
                }
                closer.join(10_000);
                slowReader.join(10_000);
                List<String> wrong = new ArrayList<>();
                long lastEofMs = 0;
                for (int i = 0; i < n; i++) {
                    RawClient c = clients.get(i);
                    String problem = c.how == null ? "still open after 10 s" : !c.how.equals("EOF") ? c.how
                            : c.chats() != n ? c.chats() + " chats of " + n : null;
                    if (problem != null) {
                        wrong.add("s" + i + ": " + problem);
                    }
                    lastEofMs = Math.max(lastEofMs, c.endedMs);
                }
                assertEquals(List.of(), wrong.subList(0, Math.min(10, wrong.size())),
                        wrong.size() + " of " + n + " clients did not get all their chats and then EOF");
                assertEquals("EOF", slow.closedHow(), "how the slow reader's connection ended");
                assertEquals(slowChats, slow.backlog().stream().filter(p -> p.type() == SC_CHAT).count(),
                        "chats that reached the slow reader before its EOF");
                assertTrue(closeMs.get() >= 0 && closeMs.get() < SHUTDOWN_BOUND_MS + 1000,
                        "GameServer.close() took " + closeMs.get() + " ms");
                assertTrue(lastEofMs < SHUTDOWN_BOUND_MS + 1000, "the last EOF came " + lastEofMs + " ms after close()");
            } finally {
                for (RawClient c : clients) {
                    c.channel.close();
                }
            }
        }
    }

    /** A clean close, a reset, a close while the server still writes, a connection that never logs in: all quiet. */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void ordinaryDisconnectsLogNothingAboveFine(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1));
             LogCapture log = new LogCapture()) {
            TestClient chatter = f.login("chatter").dontKeep(SC_CHAT);
            TestClient eof = f.login("eof");
            TestClient reset = f.login("reset");
            TestClient vanisher = f.connect("vanisher", 4096);
            vanisher.loginOk("vanisher");
            TestClient ghost = f.connect("ghost");
            for (TestClient c : List.of(eof, reset, vanisher)) {
                chatter.awaitPacket(SC_ADD_OBJECT, p -> p.id() == c.id());
            }
            eof.drain(Duration.ofMillis(100)); // nothing unread: its close is a FIN, not a reset
            eof.close();
            reset.socket().setSoLinger(true, 0);
            reset.close();
            ghost.close();
            vanisher.drain(Duration.ofMillis(100));
            vanisher.close(); // a FIN, then output on its way: the server's writes meet a reset or a broken pipe
            byte[][] batch = new byte[50][];
            Arrays.fill(batch, TestClient.chatPacket("v".repeat(MAX_CHAT_BYTES)));
            byte[] burst = TestClient.concat(batch);
            for (int i = 0; i < 20 && chatter.sees(vanisher.id()); i++) {
                chatter.sendRaw(burst);
                chatter.moveAndAwait(DIR_UP);
            }
            for (TestClient c : List.of(eof, reset, vanisher)) {
                chatter.awaitPacket(SC_REMOVE_OBJECT, p -> p.id() == c.id());
            }
            TestClient.sleep(200); // a line would come right after the close
            for (TestClient c : List.of(eof, reset, vanisher, ghost)) {
                assertEquals(List.of(), loudLinesAbout(log, c), c.label() + ": lines above FINE");
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /** INFO, WARNING and SEVERE lines naming this client's address. */
    private static List<String> loudLinesAbout(LogCapture log, TestClient c) {
        return log.linesAbout(c).stream().filter(l -> !l.startsWith("FINE") && !l.startsWith("FINER")
                && !l.startsWith("FINEST") && !l.startsWith("CONFIG")).toList();
    }

    private static void awaitLine(LogCapture log, TestClient c, String fragment) {
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (log.linesAbout(c).stream().noneMatch(l -> l.contains(fragment))) {
            assertTrue(System.nanoTime() < deadline, "no line with '" + fragment + "' about " + c.label()
                    + "; lines about it: " + log.linesAbout(c));
            TestClient.sleep(10);
        }
    }

    private static Socket plainConnect(int port) throws IOException {
        Socket s = new Socket();
        s.setSoTimeout((int) CLOSE.toMillis());
        s.connect(new InetSocketAddress("127.0.0.1", port), (int) CLOSE.toMillis());
        return s;
    }

    /** Every byte until EOF; a reset or the timeout fails. */
    private static byte[] readToEof(Socket s, Duration timeout) throws IOException {
        s.setSoTimeout((int) timeout.toMillis());
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        byte[] buffer = new byte[256];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                got.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no EOF within " + timeout.toMillis() + " ms; got " + Arrays.toString(got.toByteArray()));
        } catch (IOException e) {
            throw new AssertionError("read failed (" + e + ") after " + Arrays.toString(got.toByteArray()), e);
        }
        return got.toByteArray();
    }

    /** Logs in on a fresh connection: true on SC_LOGIN_INFO, false if refused (3 bytes and a close, or a reset). */
    private static boolean loginAnswered(int port, String name) throws IOException {
        try (Socket s = plainConnect(port)) {
            s.getOutputStream().write(TestClient.loginPacket(name));
            byte[] header = s.getInputStream().readNBytes(3);
            if (header.length == 3 && header[2] == SC_LOGIN_INFO) {
                return true;
            }
            assertArrayEquals(LOGIN_FAIL_HEADER, header, "answer to a login on a fresh connection");
            return false;
        } catch (IOException e) {
            return false; // refused while our login was in flight: the close may be a reset
        }
    }

    /** A blocking-connected channel that the shutdown test then reads through its selector. */
    private static final class RawClient {
        final SocketChannel channel;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        /** "EOF", or the read's exception; null while open. */
        String how;
        long endedMs;

        RawClient(int port) throws IOException {
            channel = SocketChannel.open();
            channel.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.connect(new InetSocketAddress("127.0.0.1", port));
        }

        void write(byte[] bytes) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                channel.write(b);
            }
        }

        /** One write; true if it failed (the connection has ended: a reset). */
        boolean tryWrite(byte[] bytes, long t0) {
            try {
                channel.write(ByteBuffer.wrap(bytes)); // 3 bytes: taken whole or not at all here
                return false;
            } catch (IOException e) {
                return ended("write: " + e, t0);
            }
        }

        /** Reads what is there; true once the connection has ended. */
        boolean readAvailable(ByteBuffer buffer, long t0) {
            try {
                while (true) {
                    buffer.clear();
                    int n = channel.read(buffer);
                    if (n < 0) {
                        return ended("EOF", t0);
                    }
                    if (n == 0) {
                        return false;
                    }
                    received.write(buffer.array(), 0, n);
                }
            } catch (IOException e) {
                return ended(e.toString(), t0);
            }
        }

        private boolean ended(String how, long t0) {
            this.how = how;
            endedMs = (System.nanoTime() - t0) / 1_000_000;
            return true;
        }

        /** SC_CHAT packets in what was received (whole packets only). */
        int chats() {
            ByteBuffer b = ByteBuffer.wrap(received.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
            int chats = 0;
            while (b.remaining() >= HEADER_SIZE) {
                int size = b.getShort(b.position()) & 0xFFFF;
                if (size < HEADER_SIZE || b.remaining() < size) {
                    break;
                }
                if (b.get(b.position() + 2) == SC_CHAT) {
                    chats++;
                }
                b.position(b.position() + size);
            }
            return chats;
        }
    }
}
