package gameport.bots;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One simulated player: its socket, its parse state and its move schedule. It owns no I/O buffer
 * of its own in the common case: its worker reads and writes through one direct buffer per
 * thread; a bot keeps only what is left over (the start of a packet split across reads, bytes the
 * socket did not take), allocated when first needed.
 */
final class Bot {
    /** Its slot in the worker's array; changes when another bot leaves (swap-remove). */
    int index;
    /** Unique per connection in the swarm: names never collide, even after shedding. */
    final int number;
    final SocketChannel channel;
    /** {@link BotStats#TCP} or {@link BotStats#WEBSOCKET}. */
    final int transport;
    SelectionKey key;
    /** The start of an incomplete packet, kept until the rest arrives: {@code partial[0, partialLength)}. */
    byte[] partial;
    int partialLength;
    /**
     * Bytes not yet taken by the socket (little-endian, write mode); null until the first short
     * write, non-empty only while the server is slow to read.
     */
    ByteBuffer out;
    int id = -1;
    boolean connected;
    boolean loggedIn;
    boolean dead;
    /** Closed on purpose (ramp mode shedding load), not an error. */
    boolean shed;
    /** Churn: sends no more moves and leaves once its moves are answered or at {@link #leaveMicros}. */
    boolean leaving;
    long leaveMicros;
    long movesSent;
    long echoes;
    /** When CS_LOGIN was handed to the socket, in swarm microseconds: the start of its login latency. */
    long loginSentMicros;
    /** Intended time of the next move, in swarm microseconds. */
    long nextMoveMicros;
    /** WebSocket: the server answered the upgrade with 101; before that, reads are its response header. */
    boolean upgraded;
    /** WebSocket: the Sec-WebSocket-Accept value the upgrade's answer must carry; null once upgraded. */
    String expectedAccept;
    /** WebSocket: payload bytes of the current data frame still to come. */
    long framePayloadLeft;
    /** WebSocket: the start of a frame header or control frame split across reads: {@code frameHold[0, frameHoldLength)}. */
    byte[] frameHold;
    int frameHoldLength;
    /** WebSocket: the status code of the server's close frame (1005 when it had none); -1 while none came. */
    int closeCode = -1;
    /** WebSocket: the close frame's reason text, if any. */
    String closeText;

    Bot(int index, int number, SocketChannel channel, int transport) {
        this.index = index;
        this.number = number;
        this.channel = channel;
        this.transport = transport;
    }

    boolean websocket() {
        return transport == BotStats.WEBSOCKET;
    }

    boolean hasQueuedOutput() {
        return out != null && out.position() > 0;
    }
}
