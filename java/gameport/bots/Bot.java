package gameport.bots;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/** One simulated player: its socket, its parse state and its move schedule. */
final class Bot {
    /** Its slot in the worker's array; changes when another bot leaves (swap-remove). */
    int index;
    /** Unique per connection in the swarm: names never collide, even after shedding. */
    final int number;
    final SocketChannel channel;
    SelectionKey key;
    final ByteBuffer in = ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN);
    /** Bytes not yet taken by the socket; non-empty only while the server is slow to read. */
    final ByteBuffer out = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
    int id = -1;
    boolean connected;
    boolean loggedIn;
    boolean dead;
    /** Closed on purpose (ramp mode shedding load), not an error. */
    boolean shed;
    long movesSent;
    long echoes;
    /** Intended time of the next move, in swarm microseconds. */
    long nextMoveMicros;

    Bot(int index, int number, SocketChannel channel) {
        this.index = index;
        this.number = number;
        this.channel = channel;
    }
}
