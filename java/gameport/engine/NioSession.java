package gameport.engine;

import gameport.protocol.Protocol;
import gameport.ring.CloseReason;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One connection of the Java engine: the state {@link NioEngine}'s session state machine works on
 * (native/session_table.h holds the same for the native engine). Touched only by the game thread,
 * inside the engine's calls, and by close() once that thread has ended.
 */
final class NioSession {
    /** Room for a few whole packets per read; never less than one maximal client packet. */
    static final int READ_BUFFER_BYTES = 4 * Protocol.MAX_CLIENT_PACKET + 512;
    /** Starting size of the output buffer; it grows up to the slow-consumer cap. */
    static final int OUT_BYTES = 1024;

    /** Reading and writing. */
    static final int OPEN = 0;
    /**
     * The game asked for a graceful close: queued output is flushed, then FIN; input is read and
     * dropped until the peer's EOF or the linger deadline.
     */
    static final int LINGER = 1;
    /** The socket is closed; its CLOSED event is in the ring or waits in the engine's backlog. */
    static final int CLOSED = 2;

    final int slot;
    final long handle;
    final SocketChannel channel;
    final SelectionKey key;
    final String peer;
    int state = OPEN;
    /** Bytes read but not yet cut into packets (write mode between reads). */
    final ByteBuffer in = ByteBuffer.allocateDirect(READ_BUFFER_BYTES);
    /** Bytes the game sent that the socket has not taken yet (write mode). */
    ByteBuffer out;
    /** Reading stopped because the event ring was full; packets wait in {@link #in}. */
    boolean paused;
    /**
     * Reading stopped because this round's packet cap for the session was reached; the rest waits
     * in {@link #in} and is published next round. Separate from {@link #paused}: a capped session
     * never makes another session wait.
     */
    boolean capped;
    /** The engine round {@link #roundPackets} counts in. */
    long round;
    /** Packets published into the event ring in {@link #round}. */
    int roundPackets;
    /** On the list of sessions written at the end of this drain of the requests ring. */
    boolean dirty;
    /** Timestamp of the first SEND request whose bytes wait in {@link #out}. */
    long oldestRequestNanos;
    /** SEND requests whose bytes wait in {@link #out}. */
    long requestsPending;
    /** Lingering: the game's reason, which the CLOSED event carries whatever ends the linger. */
    CloseReason lingerReason;
    String lingerText;
    long lingerDeadlineNanos;
    /** Lingering: every queued byte went out and FIN was sent; waiting for the peer's EOF. */
    boolean writeShut;

    NioSession(int slot, long handle, SocketChannel channel, SelectionKey key, String peer) {
        this.slot = slot;
        this.handle = handle;
        this.channel = channel;
        this.key = key;
        this.peer = peer;
        this.out = ByteBuffer.allocate(OUT_BYTES);
    }
}
