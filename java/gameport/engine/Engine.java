package gameport.engine;

import gameport.ring.ManyToOneRing;
import gameport.ring.RingDescriptor;
import java.io.IOException;
import org.HdrHistogram.Histogram;

/**
 * A network engine: owns the listening socket, the connections and any I/O threads, and talks to
 * the one game thread only through two rings (layout: {@link gameport.ring.RingDescriptor}).
 *
 * <ul>
 *   <li>{@link #events()}: ACCEPTED, PACKET (one whole, header-checked client packet) and CLOSED
 *       records, in order per session; CLOSED is the last record of a session and comes exactly
 *       once, whoever closed it. The game thread is the only consumer.</li>
 *   <li>The events ring also carries POSTED records, which the engine does not write: a thread
 *       of the server's own (the database worker) publishes them with {@link #post}, the way
 *       the engine delivers packets.</li>
 *   <li>{@link #requests()}: SEND and CLOSE records written by the game thread. Records for a
 *       session that has already closed (stale generation) are dropped silently: its CLOSED event
 *       is on its way.</li>
 * </ul>
 */
public interface Engine extends AutoCloseable {
    /** "java" or "native": what the READY line prints. */
    String name();

    /**
     * Binds, starts the I/O threads if the engine has any, and returns the port actually bound
     * (port 0 picks one).
     */
    int start(String host, int port) throws IOException;

    ManyToOneRing events();

    ManyToOneRing requests();

    /**
     * Game thread, once at the end of every round, after the round's requests are in the ring:
     * hands them to the I/O side, then waits until events arrive or {@code sleepNanos} pass (0:
     * do not wait; events already waiting end the wait at once).
     *
     * <p>Rounds are paced by the engine's batch window ({@code --batch-us}): under load a call
     * returns no earlier than the window after the previous call returned, so each round carries
     * the events of a whole window and the I/O of a round costs one system call, not one per
     * packet; at light load the first event after a quiet spell ends the wait at once. An engine
     * that does its I/O on the game thread (both engines by default) reads the sockets and sends
     * the requests inside this call: no thread is woken for either.
     *
     * @throws EngineFailedException if the engine's I/O cannot go on (fatal for the game loop)
     */
    void endRound(long sleepNanos);

    /**
     * Any thread (the course's PostQueuedCompletionStatus): publishes one EVENT_POSTED record for
     * {@code session} with {@code payload[offset, offset+length)}; see {@link #publish}.
     */
    default boolean post(long session, byte[] payload, int offset, int length) {
        return publish(RingDescriptor.EVENT_POSTED, session, payload, offset, length);
    }

    /**
     * Any thread: publishes one record of {@code type} for {@code session} with
     * {@code payload[offset, offset+length)} into the events ring and wakes the game thread if it
     * waits in endRound, so the record is handled in the next round. The database worker posts
     * EVENT_POSTED records this way; a second transport (the WebSocket gateway) publishes the
     * ACCEPTED, PACKET and CLOSED records of its own sessions, whose slots lie outside the
     * engine's, under the same per-session order rules as the engine's.
     *
     * <p>Records of one publishing thread arrive in the order it published them. A wait that still has
     * a batch window to run ({@code --batch-us}) ends at the window's end, as for a packet. The
     * wake-up costs the publisher a system call only when the game thread waits, never while it is busy.
     *
     * @return false if the events ring has no room now (nothing was published; retry later), or the engine is closed
     * @throws IndexOutOfBoundsException if the range is not within {@code payload}
     * @throws IllegalArgumentException if {@code length} exceeds {@code events().maxPayload()}
     */
    boolean publish(int type, long session, byte[] payload, int offset, int length);

    /**
     * Game thread, in the middle of a round, when the requests ring has no room: makes some
     * (hands what is there to the I/O side) and returns; the caller then tries again.
     *
     * @throws EngineFailedException if the engine's I/O cannot go on (then no room will come)
     */
    void requestsFull();

    /**
     * Adds to {@code into} the request -> send-completed latencies, in microseconds, that the I/O
     * side recorded since the previous call: from the SEND record's timestamp to the moment the
     * socket took the last of its bytes. One caller thread at a time.
     */
    void collectSendLatency(Histogram into);

    /**
     * Stops accepting (the listener closes first), gives every connection a graceful close
     * (sessions still open: SERVER_SHUTDOWN; what is queued goes out, then FIN, then the peer's
     * EOF is awaited), keeps doing the I/O until all are closed or a few seconds passed, closes
     * what is left at once and joins the I/O threads if any. Idempotent. An engine whose I/O runs
     * on the game thread must be closed on that thread (the game loop does it as it ends); from
     * another thread its connections may be reset instead of closed.
     */
    @Override
    void close();
}
