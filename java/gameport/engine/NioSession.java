package gameport.engine;

import gameport.protocol.Protocol;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/** One connection of the Java engine; touched only by the reactor thread. */
final class NioSession {
    /** Room for a few whole packets per read; never less than one maximal client packet. */
    static final int READ_BUFFER_BYTES = 4 * Protocol.MAX_CLIENT_PACKET + 512;
    /** Starting size of the output buffer; it grows up to the slow-consumer cap. */
    static final int OUT_BYTES = 1024;

    final int slot;
    final long handle;
    final SocketChannel channel;
    final SelectionKey key;
    final String peer;
    /** Bytes read but not yet cut into packets (write mode between reads). */
    final ByteBuffer in = ByteBuffer.allocateDirect(READ_BUFFER_BYTES);
    /** Bytes the game sent that the socket has not taken yet (write mode). */
    ByteBuffer out;
    /** Reading stopped because the event ring was full; packets wait in {@link #in}. */
    boolean paused;
    /** Timestamp of the first SEND request whose bytes wait in {@link #out}. */
    long oldestRequestNanos;
    /** SEND requests whose bytes wait in {@link #out}. */
    long requestsPending;
    boolean closed;

    NioSession(int slot, long handle, SocketChannel channel, SelectionKey key, String peer) {
        this.slot = slot;
        this.handle = handle;
        this.channel = channel;
        this.key = key;
        this.peer = peer;
        this.out = ByteBuffer.allocate(OUT_BYTES);
    }
}
