package gameport.abuse;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.server.ServerConfig;
import gameport.testing.LogCapture;
import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 10's abuse suite: 50 witnesses move once a second while, at the same time, every kind of
 * abuser does its worst. Pass: every witness move is echoed, no witness is disconnected, every
 * abuser gets its defined outcome (dropped and counted, or closed with the logged reason), the
 * server is alive afterwards and its open file count returns to where it was.
 */
@Timeout(180)
class AbuseSuiteTest {
    private static final int WITNESSES = 50;
    private static final int WITNESS_ROUNDS = 14;
    private static final long LOGIN_TIMEOUT_MS = 3000;
    private static final long IDLE_TIMEOUT_MS = 5000;
    private static final Duration CLOSE = Duration.ofSeconds(15);

    private ServerFixture f;
    private LogCapture log;

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void oneClientCannotHurtAnother(String engine) throws Exception {
        // A 20x20 map with view range 7: every witness sees most of the others and every abuser.
        ServerConfig config = ServerFixture.config(engine).rateLimits("on").width(20).height(20).viewRange(7)
                .loginTimeoutMs(LOGIN_TIMEOUT_MS).idleTimeoutMs(IDLE_TIMEOUT_MS)
                .packetHook((name, type) -> {
                    if (name.equals("victim") && type == CS_CHAT) {
                        throw new IllegalStateException("injected failure for the abuse suite");
                    }
                });
        ExecutorService pool = Executors.newCachedThreadPool();
        try (LogCapture capture = new LogCapture(); ServerFixture fixture = ServerFixture.start(config)) {
            this.f = fixture;
            this.log = capture;
            List<TestClient> witnesses = new ArrayList<>();
            for (int i = 0; i < WITNESSES; i++) {
                // The first witness is the one the impersonators try to be.
                TestClient w = f.login(i == 0 ? "Alice" : "w" + i);
                w.dontKeep(SC_CHAT, SC_MOVE_OBJECT, SC_ADD_OBJECT, SC_REMOVE_OBJECT, SC_STAT_CHANGE);
                witnesses.add(w);
            }
            long fdBaseline = openFiles();

            ConcurrentLinkedQueue<String> witnessFailures = new ConcurrentLinkedQueue<>();
            Future<?> witnessing = pool.submit(() -> witness(witnesses, witnessFailures));
            List<Future<String>> abusers = new ArrayList<>();
            for (Callable<String> a : List.<Callable<String>>of(
                    () -> flood("chat-flooder", TestClient.chatPacket("x".repeat(MAX_CHAT_BYTES)), 8, "rate limit: chat"),
                    () -> flood("teleporter", TestClient.emptyPacket(CS_TELEPORT), 64, "rate limit: teleport"),
                    () -> flood("attacker", TestClient.emptyPacket(CS_ATTACK), 64, "rate limit: attack"),
                    () -> flood("move-flooder", TestClient.movePacket(DIR_LEFT, 7), 512, "rate limit: move"),
                    this::squatterWithFailingLogins,
                    this::silentSquatters,
                    this::impersonators,
                    this::halfClosed,
                    this::vanished,
                    this::resetsMidPacket,
                    this::dribble,
                    this::connectStorm,
                    this::garbage,
                    this::injectedFailure)) {
                abusers.add(pool.submit(a));
            }
            List<String> outcomes = new ArrayList<>();
            for (Future<String> a : abusers) {
                String failure = a.get(120, TimeUnit.SECONDS);
                if (failure != null) {
                    outcomes.add(failure);
                }
            }
            witnessing.get(120, TimeUnit.SECONDS);
            assertEquals(List.of(), new ArrayList<>(witnessFailures), "witnesses");
            assertEquals(List.of(), outcomes, "abusers without their defined outcome");

            for (TestClient w : witnesses) {
                w.assertOpen();
            }
            TestClient late = f.login("late");
            late.moveAndAwait(DIR_UP);
            late.close();
            awaitOpenFilesBackTo(fdBaseline);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Each witness moves once a second and must see every echo. */
    private void witness(List<TestClient> witnesses, ConcurrentLinkedQueue<String> failures) {
        for (int round = 0; round < WITNESS_ROUNDS; round++) {
            long start = System.nanoTime();
            long[] times = new long[witnesses.size()];
            for (int i = 0; i < witnesses.size(); i++) {
                times[i] = witnesses.get(i).move(round % 2 == 0 ? DIR_LEFT : DIR_RIGHT);
            }
            for (int i = 0; i < witnesses.size(); i++) {
                TestClient w = witnesses.get(i);
                try {
                    w.awaitEcho(times[i]);
                } catch (AssertionError | RuntimeException e) {
                    failures.add("round " + round + ": " + e.getMessage());
                    return;
                }
            }
            TestClient.sleep(Math.max(0, 1000 - (System.nanoTime() - start) / 1_000_000));
        }
    }

    /** Sends {@code perWrite} copies of a packet per write, as fast as the socket takes them, until closed. */
    private String flood(String name, byte[] packet, int perWrite, String reason) {
        TestClient c = f.login(name);
        byte[] burst = new byte[packet.length * perWrite];
        for (int i = 0; i < perWrite; i++) {
            System.arraycopy(packet, 0, burst, i * packet.length, packet.length);
        }
        long deadline = System.nanoTime() + CLOSE.toNanos();
        while (System.nanoTime() < deadline && writeQuietly(c.socket(), burst)) {
            drainQuietly(c.socket());
        }
        // Two defined outcomes: the game closes it for the rate (5x over for 5 s), or, if it sends
        // faster than its engine takes its packets (32 a round), the engine closes it first for
        // what piled up meanwhile ("flooding").
        return expectClosedWithLine(c.label(), c.socket(), reason, "flooding");
    }

    /** Never logs in; a failing CS_LOGIN every 500 ms must not keep the slot. */
    private String squatterWithFailingLogins() throws IOException {
        Socket s = raw();
        long start = System.nanoTime();
        byte[] badLogin = TestClient.loginPacket(new byte[] {'b', 1, 'd'});
        String how = null;
        while (how == null && writeQuietly(s, badLogin) && System.nanoTime() - start < CLOSE.toNanos()) {
            how = readUntilClosed(s, Duration.ofMillis(500)); // each answer is an SC_LOGIN_FAIL
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        if (ms > LOGIN_TIMEOUT_MS + 2000) {
            return "squatter with failing logins closed only after " + ms + " ms (" + how + ")";
        }
        return expectClosedWithLine("squatter", s, "login timeout");
    }

    /** Ten connections that say nothing: closed at the login timeout, with FIN. */
    private String silentSquatters() throws IOException {
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            sockets.add(raw());
        }
        for (Socket s : sockets) {
            String how = readUntilClosed(s, CLOSE);
            s.close();
            if (!how.equals("EOF")) {
                return "silent squatter: " + how;
            }
        }
        return null;
    }

    /** Names that look like the witness "Alice": each refused, each refusal logged. */
    private String impersonators() {
        String[] lookAlikes = {"alice", "ALICE", "Alice\u200B", "\u202EecilA", "\uFF21lice"};
        for (String name : lookAlikes) {
            TestClient c = f.connect("impersonator");
            try {
                c.loginFails(name);
            } catch (AssertionError e) {
                return "impersonator '" + name + "': " + e.getMessage();
            } finally {
                c.close();
            }
        }
        return null;
    }

    /** Logs in, then shuts its sending side: the server ends the session, the client gets EOF. */
    private String halfClosed() throws IOException {
        TestClient c = f.login("half-closed");
        c.socket().shutdownOutput();
        String how = readUntilClosed(c.socket(), CLOSE);
        c.close();
        return how.equals("EOF") ? null : "half-closed client: " + how;
    }

    /** Logs in and goes silent without closing: the idle timeout ends it. */
    private String vanished() {
        TestClient c = f.login("vanished");
        return expectClosedWithLine(c.label(), c.socket(), "idle timeout");
    }

    /** Half a packet, then a reset: the session ends; nothing else notices. */
    private String resetsMidPacket() throws IOException {
        for (int i = 0; i < 20; i++) {
            Socket s = raw();
            writeQuietly(s, Arrays.copyOf(TestClient.loginPacket("reset" + i), 9));
            s.setSoLinger(true, 0);
            s.close();
        }
        return null;
    }

    /** A login one byte every 300 ms takes longer than the login timeout: closed at the deadline. */
    private String dribble() throws IOException {
        Socket s = raw();
        byte[] login = TestClient.loginPacket("dribbler");
        long start = System.nanoTime();
        String how = null;
        for (int i = 0; i < login.length && how == null && writeQuietly(s, new byte[] {login[i]}); i++) {
            how = readUntilClosed(s, Duration.ofMillis(300));
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        if (how == null || ms > LOGIN_TIMEOUT_MS + 2000) {
            return "dribbler still connected after " + ms + " ms";
        }
        return expectClosedWithLine("dribbler", s, "login timeout");
    }

    private String connectStorm() throws IOException {
        for (int i = 0; i < 300; i++) {
            Socket s = raw();
            if (i % 3 == 0) {
                writeQuietly(s, TestClient.loginPacket("storm" + i));
            }
            s.close();
        }
        return null;
    }

    /** 64 KB of random bytes: a protocol error, closed at once. */
    private String garbage() throws IOException {
        Socket s = raw();
        byte[] junk = new byte[64 * 1024];
        new Random(42).nextBytes(junk);
        junk[0] = (byte) 0xFF; // size 0xFFxx: never a valid header, whatever the seed gives
        junk[1] = (byte) 0xFF;
        writeQuietly(s, junk);
        return expectClosedWithLine("garbage", s, "protocol error");
    }

    /** The world throws while handling this player's chat: it alone is closed. */
    private String injectedFailure() {
        TestClient c = f.login("victim");
        c.chat("boom");
        return expectClosedWithLine(c.label(), c.socket(), "internal error");
    }

    // ------------------------------------------------------------------ helpers

    private Socket raw() throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress("127.0.0.1", f.port), 5000);
        return s;
    }

    /** Waits for the close, then for a log line naming this peer and one of the reasons. */
    private String expectClosedWithLine(String who, Socket s, String... reasons) {
        String how = readUntilClosed(s, CLOSE);
        try {
            s.close();
        } catch (IOException ignored) {
            // closed anyway
        }
        if (how == null) {
            return who + ": not closed within " + CLOSE.toSeconds() + " s";
        }
        String peer = "127.0.0.1:" + s.getLocalPort();
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (String l : log.lines()) {
                if (l.contains(peer) && Arrays.stream(reasons).anyMatch(l::contains)) {
                    return null;
                }
            }
            TestClient.sleep(20);
        }
        List<String> about = log.lines().stream().filter(l -> l.contains(peer)).toList();
        return who + ": closed (" + how + ") but no log line with " + Arrays.toString(reasons) + "; lines about it: "
                + about;
    }

    /** Reads and drops until EOF ("EOF") or a reset (its message); null if still open at the timeout. */
    private static String readUntilClosed(Socket s, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] buf = new byte[64 * 1024];
        try {
            InputStream in = s.getInputStream();
            while (System.nanoTime() < deadline) {
                s.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                try {
                    if (in.read(buf) < 0) {
                        return "EOF";
                    }
                } catch (java.net.SocketTimeoutException e) {
                    return null;
                }
            }
            return null;
        } catch (IOException e) {
            return e.getMessage() == null ? e.toString() : e.getMessage();
        }
    }

    private static boolean writeQuietly(Socket s, byte[] bytes) {
        try {
            s.getOutputStream().write(bytes);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Reads whatever is already there, so the server never sees this client as a slow reader. */
    private static void drainQuietly(Socket s) {
        try {
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            while (in.available() > 0 && in.read(buf) > 0) {
                // dropped
            }
        } catch (IOException ignored) {
            // the close is what the caller waits for
        }
    }

    private static long openFiles() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    private static void awaitOpenFilesBackTo(long baseline) {
        if (baseline < 0) {
            return; // no /proc here (not Linux)
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        long now = openFiles();
        while (now > baseline + 2 && System.nanoTime() < deadline) {
            TestClient.sleep(100);
            now = openFiles();
        }
        assertTrue(now <= baseline + 2, "open files " + now + " > baseline " + baseline + " (+2 slack)");
    }

    @SuppressWarnings("unused")
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
