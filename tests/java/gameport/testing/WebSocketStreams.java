package gameport.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client written from RFC 6455 for tests, as plain streams over a socket: what a
 * browser does, byte by byte, so tests can also do what a browser would not (text frames, huge
 * frames, packets cut anywhere). {@link #handshake} upgrades a connected socket on {@code /ws};
 * {@link Input} turns the server's frames back into the game's byte stream; {@link Output}
 * sends each write as one masked binary frame, or any frame with {@link Output#frame}.
 */
public final class WebSocketStreams {
    public static final int OP_CONTINUATION = 0;
    public static final int OP_TEXT = 1;
    public static final int OP_BINARY = 2;
    public static final int OP_CLOSE = 8;
    public static final int OP_PING = 9;
    public static final int OP_PONG = 10;
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private WebSocketStreams() {
    }

    /** Sends the upgrade request and reads the answer; throws unless it is 101 with the right accept key. */
    public static void handshake(Socket socket, String host, int port) throws IOException {
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String key = Base64.getEncoder().encodeToString(nonce);
        String request = "GET /ws HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (true) {
            int b = in.read(); // byte by byte: nothing past the header may be consumed here
            if (b < 0) {
                throw new IOException("connection closed during the WebSocket handshake: " + head);
            }
            head.write(b);
            byte[] h = head.toByteArray();
            int n = h.length;
            if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                break;
            }
        }
        String answer = head.toString(StandardCharsets.US_ASCII);
        if (!answer.startsWith("HTTP/1.1 101")) {
            throw new IOException("WebSocket upgrade refused: " + answer.lines().findFirst().orElse(answer));
        }
        String expected;
        try {
            expected = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (!answer.toLowerCase(java.util.Locale.ROOT).contains("sec-websocket-accept: " + expected.toLowerCase(java.util.Locale.ROOT))) {
            throw new IOException("bad Sec-WebSocket-Accept in: " + answer);
        }
    }

    /**
     * The server's frames as a byte stream: binary and continuation payloads in order; a close
     * frame is the end of the stream (its status code is kept). Raw bytes are buffered before
     * parsing, so a read timeout in the middle of a frame loses nothing.
     */
    public static final class Input extends InputStream {
        private final InputStream raw;
        /** Where the answer to the server's close frame goes (RFC 6455 5.5.1), or null not to answer. */
        private final OutputStream answer;
        private byte[] buf = new byte[1 << 16];
        private int start;
        private int end;
        /** Payload bytes of the current frame still to hand out. */
        private long payloadLeft;
        private boolean eof;
        private volatile int closeCode = -1;
        private volatile int textFrames;

        public Input(InputStream raw, OutputStream answer) {
            this.raw = raw;
            this.answer = answer;
        }

        /** The status code of the server's close frame, or -1 if none came (yet). */
        public int closeCode() {
            return closeCode;
        }

        public int textFrames() {
            return textFrames;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (true) {
                if (eof) {
                    return -1;
                }
                if (payloadLeft > 0 && end > start) {
                    int n = (int) Math.min(Math.min(payloadLeft, end - start), len);
                    System.arraycopy(buf, start, b, off, n);
                    start += n;
                    payloadLeft -= n;
                    return n;
                }
                if (payloadLeft == 0 && parseHeader()) {
                    continue;
                }
                fill();
            }
        }

        /** Parses the next frame header if it is whole; control frames are handled whole here. */
        private boolean parseHeader() throws IOException {
            int avail = end - start;
            if (avail < 2) {
                return false;
            }
            int b0 = buf[start] & 0xFF;
            int b1 = buf[start + 1] & 0xFF;
            if ((b1 & 0x80) != 0) {
                throw new IOException("the server masked a frame (RFC 6455 5.1 forbids it)");
            }
            int opcode = b0 & 0x0F;
            int header = 2;
            long length = b1 & 0x7F;
            if (length == 126) {
                header = 4;
            } else if (length == 127) {
                header = 10;
            }
            if (avail < header) {
                return false;
            }
            if (header == 4) {
                length = ((buf[start + 2] & 0xFF) << 8) | (buf[start + 3] & 0xFF);
            } else if (header == 10) {
                length = 0;
                for (int i = 0; i < 8; i++) {
                    length = length << 8 | (buf[start + 2 + i] & 0xFF);
                }
            }
            if (opcode >= OP_CLOSE) {
                if (avail < header + length) {
                    return false;
                }
                if (opcode == OP_CLOSE) {
                    closeCode = length >= 2 ? ((buf[start + header] & 0xFF) << 8) | (buf[start + header + 1] & 0xFF)
                            : 1005;
                    eof = true;
                    if (answer != null) {
                        try {
                            answer.write(encode(OP_CLOSE, true, length >= 2
                                    ? new byte[] {buf[start + header], buf[start + header + 1]} : new byte[0]));
                            answer.flush();
                        } catch (IOException gone) {
                            // the server may already have closed the connection
                        }
                    }
                }
                start += header + (int) length;
                return true;
            }
            if (opcode == OP_TEXT) {
                textFrames++;
            }
            start += header;
            payloadLeft = length;
            return true;
        }

        private void fill() throws IOException {
            if (start == end) {
                start = end = 0;
            } else if (buf.length - end < 1024) {
                System.arraycopy(buf, start, buf, 0, end - start);
                end -= start;
                start = 0;
            }
            if (end == buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            int n = raw.read(buf, end, buf.length - end);
            if (n < 0) {
                eof = true;
                return;
            }
            end += n;
        }
    }

    /** Each write is one masked binary frame with FIN; {@link #frame} sends anything else. */
    public static final class Output extends OutputStream {
        private final OutputStream raw;

        public Output(OutputStream raw) {
            this.raw = raw;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            frame(OP_BINARY, true, Arrays.copyOfRange(b, off, off + len));
        }

        @Override
        public void flush() throws IOException {
            raw.flush();
        }

        /** One frame as a client must send it (masked), in one socket write. */
        public synchronized void frame(int opcode, boolean fin, byte[] payload) throws IOException {
            raw.write(encode(opcode, fin, payload));
            raw.flush();
        }

        /** Several frames in one socket write: they reach the server in one TCP segment if they fit. */
        public synchronized void frames(byte[]... encoded) throws IOException {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (byte[] f : encoded) {
                all.write(f);
            }
            raw.write(all.toByteArray());
            raw.flush();
        }
    }

    /** A masked client frame. */
    public static byte[] encode(int opcode, boolean fin, byte[] payload) {
        int n = payload.length;
        int header = n < 126 ? 2 : n < 65536 ? 4 : 10;
        byte[] frame = new byte[header + 4 + n];
        frame[0] = (byte) ((fin ? 0x80 : 0) | opcode);
        if (header == 2) {
            frame[1] = (byte) (0x80 | n);
        } else if (header == 4) {
            frame[1] = (byte) (0x80 | 126);
            frame[2] = (byte) (n >>> 8);
            frame[3] = (byte) n;
        } else {
            frame[1] = (byte) (0x80 | 127);
            for (int i = 0; i < 8; i++) {
                frame[2 + i] = (byte) ((long) n >>> (56 - 8 * i));
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        System.arraycopy(mask, 0, frame, header, 4);
        for (int i = 0; i < n; i++) {
            frame[header + 4 + i] = (byte) (payload[i] ^ mask[i & 3]);
        }
        return frame;
    }
}
