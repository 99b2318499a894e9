package gameport.bots;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.ServerFixture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** --websocket: bots that play over WebSocket beside TCP ones, and their frames' corner cases. */
class BotWebSocketTest {

    private static BotConfig config(int port, int httpPort, int clients, int websocket) {
        BotConfig c = new BotConfig();
        c.port = port;
        c.httpPort = httpPort;
        c.clients = clients;
        c.websocket = websocket;
        c.moveIntervalMs = 100;
        c.warmupS = 0;
        c.durationS = 3;
        c.teleport = true;
        return c;
    }

    /**
     * 20 bots, 10 over WebSocket, against the real server (NPCs and neighbours in view, so frames
     * carry many packets of several kinds): both transports log in, move and get every echo, each
     * into its own histogram, and the overall figures are the two added up.
     */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void tcpAndWebSocketBotsBothPlayAndAreReportedApart(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(60).height(60).npcs(100)
                .httpPort(0))) {
            BotConfig c = config(f.port, f.server.httpPort(), 20, 10);
            c.intervalS = 1;
            SwarmRun r = SwarmRun.of(c);
            BotSummary s = r.summary();
            String out = r.out();
            assertEquals(0, s.errors, out);
            assertEquals(0, s.lost(), out);
            assertEquals(s.movesSent, s.echoes, out);
            assertEquals(2, s.byTransport.length, out);
            BotSummary.ByTransport tcp = s.byTransport[0];
            BotSummary.ByTransport ws = s.byTransport[1];
            assertEquals("tcp", tcp.name);
            assertEquals("websocket", ws.name);
            for (BotSummary.ByTransport t : s.byTransport) {
                assertEquals(10, t.clients, t.name);
                assertEquals(10, t.logins, t.name + "\n" + out);
                assertEquals(0, t.errors, t.name + "\n" + out);
                assertTrue(t.movesSent >= 10 * 3 * 10 * 7 / 10, t.name + " moves " + t.movesSent + "\n" + out);
                assertEquals(t.movesSent, t.echoes, t.name + ": every move echoed\n" + out);
                assertEquals(t.echoes, t.delay.getTotalCount(), t.name + ": every echo recorded (no warm-up)");
                assertTrue(t.delay.getValueAtPercentile(99) < 1_000_000, t.name + " p99 in us\n" + out);
            }
            assertEquals(s.movesSent, tcp.movesSent + ws.movesSent);
            assertEquals(s.delay.getTotalCount(), tcp.delay.getTotalCount() + ws.delay.getTotalCount());
            assertEquals(20, s.packetsByType[SC_LOGIN_INFO], out);
            assertTrue(s.packetsByType[SC_MOVE_OBJECT] >= s.echoes + 20, "echoes and teleport answers\n" + out);
            assertTrue(s.packetsByType[SC_ADD_OBJECT] > 0, out);
            assertTrue(out.contains("bots: 10 of them over WebSocket -> ws://127.0.0.1:" + c.httpPort + "/ws"), out);
            assertTrue(out.contains(" p99(tcp)=") && out.contains(" p99(ws)="), out);
            assertTrue(out.contains("\ninterval-tcp t=1s seconds=1 ") && out.contains("\ninterval-websocket t=3s "), out);

            java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
            s.print(new java.io.PrintStream(printed, true, StandardCharsets.UTF_8));
            String summary = printed.toString(StandardCharsets.UTF_8);
            assertTrue(summary.contains("\ntcp: clients=10 logins=10 moves=" + tcp.movesSent + " "), summary);
            assertTrue(summary.contains("\nwebsocket: clients=10 logins=10 moves=" + ws.movesSent + " "), summary);
            String json = s.toJson();
            assertTrue(json.contains(",\"byTransport\":{\"tcp\":{\"clients\":10,\"logins\":10,\"movesSent\":"
                    + tcp.movesSent + ","), json);
            assertTrue(json.contains("},\"websocket\":{\"clients\":10,"), json);
            assertTrue(json.contains("\"delayMs\":{\"samples\":" + ws.delay.getTotalCount() + ","), json);
        }
    }

    /** Without --websocket nothing changes: no per-transport lines or JSON. */
    @Test
    void withoutWebSocketBotsThereIsNoBreakdown() throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config("java").width(200).height(200))) {
            BotConfig c = config(f.port, 0, 10, 0);
            c.durationS = 1;
            SwarmRun r = SwarmRun.of(c);
            assertEquals(0, r.summary().errors, r.out());
            assertEquals(0, r.summary().byTransport.length);
            assertFalse(r.out().contains("p99(ws)"), r.out());
            assertFalse(r.summary().toJson().contains("byTransport"));
        }
    }

    @Test
    void webSocketNeedsTheHttpPortAndAtMostTheClients() {
        BotConfig c = config(4000, 0, 10, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c::validate);
        assertTrue(e.getMessage().contains("--http-port"), e.getMessage());
        c.httpPort = 8080;
        c.validate();
        c.websocket = 11;
        e = assertThrows(IllegalArgumentException.class, c::validate);
        assertTrue(e.getMessage().contains("--websocket"), e.getMessage());
    }

    /**
     * A scripted WebSocket server that frames its bytes every way a server may: payloads cut
     * anywhere (one frame holding many packets or a piece of one), the 7-bit, 16-bit and 64-bit
     * length forms (a 75 kB frame at login), fragmented messages (continuation frames), pings
     * between frames, and every frame written in pieces so headers split across reads. The bots
     * reassemble every packet, answer every ping with a masked pong carrying its payload, and
     * mask all they send.
     */
    @Test
    void framesCutSplitAndInterleavedWithPingsAreReassembled() throws Exception {
        int bots = 12;
        try (ScriptedWebSocketServer server = new ScriptedWebSocketServer(ScriptedWebSocketServer.Mode.CHOPPY)) {
            BotConfig c = config(server.port(), server.port(), bots, bots);
            c.moveIntervalMs = 50;
            c.durationS = 2;
            c.teleport = false;
            SwarmRun r = SwarmRun.of(c);
            BotSummary s = r.summary();
            String out = r.out();
            assertEquals(0, s.errors, out + server.problems);
            assertEquals(List.of(), server.problems);
            assertTrue(s.movesSent >= bots * 2 * 20 * 6 / 10, "moves sent " + s.movesSent + "\n" + out);
            assertEquals(s.movesSent, s.echoes, "every move echoed\n" + out);
            assertEquals(bots, s.packetsByType[SC_LOGIN_INFO]);
            assertEquals(2 * bots, s.packetsByType[SC_CHAT], "two big packets each\n" + out);
            assertEquals(s.echoes, s.packetsByType[SC_MOVE_OBJECT]);
            assertEquals(s.echoes, s.packetsByType[SC_STAT_CHANGE], "one before each echo");
            assertEquals(s.echoes, s.byTransport[1].delay.getTotalCount());
            assertEquals(0, s.byTransport[0].movesSent);
            assertTrue(server.pings.get() >= bots, "pings " + server.pings);
            // Every ping answered but maybe the last few, sent while the run was ending.
            assertTrue(server.pongs.get() >= server.pings.get() - bots, server.pongs + " pongs for " + server.pings);
            assertTrue(server.upgrades.get() == bots, "upgrades " + server.upgrades);
        }
    }

    /** A close frame from the server closes the bot: an error, as a TCP connection the server closes. */
    @Test
    void aCloseFrameClosesTheBot() throws Exception {
        try (ScriptedWebSocketServer server = new ScriptedWebSocketServer(ScriptedWebSocketServer.Mode.CLOSE_AFTER_LOGIN)) {
            BotConfig c = config(server.port(), server.port(), 4, 4);
            c.durationS = 1;
            c.connectRate = 4; // the closed slots reconnect: a few more, not hundreds
            SwarmRun r = SwarmRun.of(c);
            BotSummary s = r.summary();
            assertTrue(s.errors >= 4, "errors " + s.errors + "\n" + r.out());
            assertEquals(s.errors, s.byTransport[1].errors);
            assertEquals(s.byTransport[1].logins, s.packetsByType[SC_LOGIN_INFO]);
            assertTrue(s.byTransport[1].logins >= 4, r.out());
            assertEquals(s.byTransport[1].logins * 2, s.packetsByType[SC_CHAT], "what came before the close is read");
        }
    }

    /** An upgrade answered with anything but 101 fails the bot before it logs in. */
    @Test
    void aRefusedUpgradeFailsTheBot() throws Exception {
        try (ScriptedWebSocketServer server = new ScriptedWebSocketServer(ScriptedWebSocketServer.Mode.REFUSE)) {
            BotConfig c = config(server.port(), server.port(), 2, 2);
            c.durationS = 1;
            c.connectRate = 4;
            SwarmRun r = SwarmRun.of(c);
            BotSummary s = r.summary();
            assertTrue(s.byTransport[1].errors >= 2, "errors " + s.byTransport[1].errors + "\n" + r.out());
            assertEquals(0, s.byTransport[1].logins);
            assertEquals(0, s.packetsByType[SC_LOGIN_INFO]);
            assertTrue(server.upgrades.get() >= 2);
        }
    }

    /** One thread per connection; just enough of the game for the bots. */
    private static final class ScriptedWebSocketServer implements AutoCloseable {
        enum Mode { CHOPPY, CLOSE_AFTER_LOGIN, REFUSE }

        private final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final Mode mode;
        private final List<Socket> sockets = new ArrayList<>();
        private final AtomicInteger ids = new AtomicInteger(1000);
        final AtomicInteger upgrades = new AtomicInteger();
        final AtomicInteger pings = new AtomicInteger();
        final AtomicInteger pongs = new AtomicInteger();
        final List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
        private final Thread acceptor;
        private volatile boolean running = true;

        ScriptedWebSocketServer(Mode mode) throws IOException {
            this.mode = mode;
            acceptor = new Thread(this::accept, "scripted-ws-server");
            acceptor.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        private void accept() {
            while (running) {
                try {
                    Socket s = listener.accept();
                    s.setTcpNoDelay(true);
                    synchronized (sockets) {
                        sockets.add(s);
                    }
                    Thread t = new Thread(() -> serve(s), "scripted-ws-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return; // closed
                }
            }
        }

        /** What the reader owes the bot, sent by the connection's writer in cuts of its choosing. */
        private static final class Owed {
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            boolean pingWanted;
            boolean closeWanted;
            boolean done;
            /** The last ping's payload. */
            byte[] lastPing;
        }

        private void serve(Socket s) {
            Owed owed = new Owed();
            try (s) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                String key = upgrade(in);
                upgrades.incrementAndGet();
                if (mode == Mode.REFUSE) {
                    out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    return;
                }
                out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "sec-websocket-accept: " + BotWorker.acceptFor(key) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                int id = ids.incrementAndGet();
                Thread writer = new Thread(() -> write(out, owed, new Random(id)), "scripted-ws-writer");
                writer.setDaemon(true);
                writer.start();
                read(in, owed, id);
            } catch (IOException e) {
                // the bot went away
            } finally {
                synchronized (owed) {
                    owed.done = true;
                }
            }
        }

        private void read(InputStream in, Owed owed, int id) throws IOException {
            int moves = 0;
            while (running) {
                int b0 = in.read();
                if (b0 < 0) {
                    return;
                }
                int b1 = in.read();
                if ((b1 & 0x80) == 0) {
                    problems.add("unmasked client frame");
                    return;
                }
                int length = b1 & 0x7F;
                if (length == 126) {
                    length = in.read() << 8 | in.read();
                } else if (length == 127) {
                    problems.add("64-bit length from a client packet");
                    return;
                }
                byte[] mask = in.readNBytes(4);
                byte[] payload = in.readNBytes(length);
                for (int i = 0; i < length; i++) {
                    payload[i] ^= mask[i & 3];
                }
                int opcode = b0 & 0x0F;
                if (opcode == 10) {
                    synchronized (owed) {
                        if (owed.lastPing != null && java.util.Arrays.equals(owed.lastPing, payload)) {
                            pongs.incrementAndGet();
                        } else {
                            problems.add("pong with a payload that was not pinged");
                        }
                    }
                    continue;
                }
                if (opcode != 2 || (b0 & 0x80) == 0) {
                    problems.add("client frame " + Integer.toHexString(b0));
                    return;
                }
                ByteBuffer p = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
                if (length < HEADER_SIZE || (p.getShort(0) & 0xFFFF) != length) {
                    problems.add("a frame that is not one packet: " + length + " bytes");
                    return;
                }
                int type = p.get(2);
                ByteBuffer reply;
                if (type == CS_LOGIN) {
                    int big1 = 60_000;
                    int big2 = 15_000;
                    reply = ByteBuffer.allocate(SC_LOGIN_INFO_SIZE + big1 + big2).order(ByteOrder.LITTLE_ENDIAN);
                    reply.putShort((short) SC_LOGIN_INFO_SIZE).put((byte) SC_LOGIN_INFO).putInt(0).putInt(id)
                            .putInt(100).putInt(100).putInt(0).putInt(1).putShort((short) 0).putShort((short) 0);
                    for (int big : new int[] {big1, big2}) {
                        reply.putShort((short) big).put((byte) SC_CHAT).putInt(id);
                        for (int i = 7; i < big; i++) {
                            reply.put((byte) (i * 31));
                        }
                    }
                    synchronized (owed) {
                        owed.bytes.write(reply.array(), 0, reply.position());
                        owed.closeWanted = mode == Mode.CLOSE_AFTER_LOGIN;
                        owed.pingWanted = true;
                    }
                } else if (type == CS_MOVE) {
                    reply = ByteBuffer.allocate(SC_STAT_CHANGE_SIZE + SC_MOVE_OBJECT_SIZE).order(ByteOrder.LITTLE_ENDIAN);
                    reply.putShort((short) SC_STAT_CHANGE_SIZE).put((byte) SC_STAT_CHANGE)
                            .putInt(100).putInt(100).putInt(0).putInt(1);
                    reply.putShort((short) SC_MOVE_OBJECT_SIZE).put((byte) SC_MOVE_OBJECT).putInt(id)
                            .putShort((short) 0).putShort((short) 0).putInt(p.getInt(4));
                    synchronized (owed) {
                        owed.bytes.write(reply.array(), 0, reply.position());
                        owed.pingWanted |= ++moves % 7 == 0;
                    }
                }
            }
        }

        /**
         * The connection's writer: every millisecond or so it sends a random cut of what is owed
         * (sometimes nothing, so later frames glue several packets; a cut may end inside a packet),
         * as one frame or a fragmented message; a ping between frames when one is due; all of it
         * at once when over 64 kB (the login's 75 kB: the 64-bit length form).
         */
        private void write(OutputStream out, Owed owed, Random random) {
            try {
                while (running) {
                    Thread.sleep(1);
                    byte[] all;
                    int n;
                    byte[] ping = null;
                    boolean close;
                    synchronized (owed) {
                        if (owed.done) {
                            return;
                        }
                        all = owed.bytes.toByteArray();
                        n = all.length == 0 || (all.length < 65536 && random.nextInt(4) == 0) ? 0
                                : all.length >= 65536 || random.nextInt(2) == 0 ? all.length : 1 + random.nextInt(all.length);
                        owed.bytes.reset();
                        owed.bytes.write(all, n, all.length - n);
                        close = owed.closeWanted && n == all.length && n > 0;
                        if (owed.pingWanted && n > 0) {
                            owed.pingWanted = false;
                            owed.lastPing = ("ping " + pings.incrementAndGet() + " " + "x".repeat(random.nextInt(100)))
                                    .getBytes(StandardCharsets.US_ASCII);
                            ping = owed.lastPing;
                        }
                    }
                    if (n > 0) {
                        sendFrames(out, random, all, n);
                    }
                    if (close) {
                        byte[] why = "\u0003\u00f0go away".getBytes(StandardCharsets.ISO_8859_1); // 1008
                        writeCut(out, random, encode(8, true, why));
                        return;
                    }
                    if (ping != null) {
                        writeCut(out, random, encode(9, true, ping));
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the bot went away, or the test ends
            }
        }

        /** Bytes [0, n) as one frame, or a fragmented message of two or three frames; in pieces. */
        private static void sendFrames(OutputStream out, Random random, byte[] all, int n) throws IOException {
            if (n >= 3 && n < 65536 && random.nextInt(3) == 0) {
                int a = 1 + random.nextInt(n - 2);
                int b = a + 1 + random.nextInt(n - a - 1);
                writeCut(out, random, encode(2, false, java.util.Arrays.copyOfRange(all, 0, a)));
                writeCut(out, random, encode(0, false, java.util.Arrays.copyOfRange(all, a, b)));
                writeCut(out, random, encode(0, true, java.util.Arrays.copyOfRange(all, b, n)));
            } else {
                writeCut(out, random, encode(2, true, java.util.Arrays.copyOf(all, n)));
            }
        }

        /** Writes a frame in pieces, now and then pausing between them so they arrive in separate reads. */
        private static void writeCut(OutputStream out, Random random, byte[] frame) throws IOException {
            int at = 0;
            while (at < frame.length) {
                int piece = random.nextInt(3) == 0 ? frame.length - at : 1 + random.nextInt(Math.min(12, frame.length - at));
                out.write(frame, at, piece);
                out.flush();
                at += piece;
                if (at < frame.length && random.nextInt(4) == 0) {
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }

        /** An unmasked server frame, with the shortest length form. */
        private static byte[] encode(int opcode, boolean fin, byte[] payload) {
            int n = payload.length;
            int header = n < 126 ? 2 : n < 65536 ? 4 : 10;
            byte[] frame = new byte[header + n];
            frame[0] = (byte) ((fin ? 0x80 : 0) | opcode);
            if (header == 2) {
                frame[1] = (byte) n;
            } else if (header == 4) {
                frame[1] = 126;
                frame[2] = (byte) (n >>> 8);
                frame[3] = (byte) n;
            } else {
                frame[1] = 127;
                for (int i = 0; i < 8; i++) {
                    frame[2 + i] = (byte) ((long) n >>> (56 - 8 * i));
                }
            }
            System.arraycopy(payload, 0, frame, header, n);
            return frame;
        }

        /** Reads the upgrade request; returns its Sec-WebSocket-Key. */
        private String upgrade(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (true) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("closed in the request");
                }
                head.write(b);
                String h = head.toString(StandardCharsets.US_ASCII);
                if (h.endsWith("\r\n\r\n")) {
                    if (!h.startsWith("GET /ws HTTP/1.1\r\n")) {
                        problems.add("request line: " + h.lines().findFirst().orElse(""));
                    }
                    String key = null;
                    for (String line : h.split("\r\n")) {
                        String lower = line.toLowerCase(Locale.ROOT);
                        if (lower.startsWith("sec-websocket-key:")) {
                            key = line.substring(line.indexOf(':') + 1).trim();
                        }
                        if (lower.startsWith("sec-websocket-version:") && !lower.endsWith(" 13")) {
                            problems.add(line);
                        }
                    }
                    if (key == null || !h.toLowerCase(Locale.ROOT).contains("upgrade: websocket")
                            || java.util.Base64.getDecoder().decode(key).length != 16) {
                        problems.add("bad upgrade request: " + h);
                    }
                    return key;
                }
            }
        }

        @Override
        public void close() throws Exception {
            running = false;
            listener.close();
            synchronized (sockets) {
                for (Socket s : sockets) {
                    s.close();
                }
            }
            acceptor.join(5000);
        }
    }
}
