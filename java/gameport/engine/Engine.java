package gameport.engine;

import gameport.ring.ManyToOneRing;
import java.io.IOException;
import org.HdrHistogram.Histogram;

/**
 * A network engine: owns the listening socket, the connections and the I/O threads, and talks to
 * the one game thread only through two rings (layout: {@link gameport.ring.RingDescriptor}).
 *
 * <ul>
 *   <li>{@link #events()}: ACCEPTED, PACKET (one whole, header-checked client packet) and CLOSED
 *       records, in order per session; CLOSED is the last record of a session and comes exactly
 *       once, whoever closed it. The game thread is the only consumer.</li>
 *   <li>{@link #requests()}: SEND and CLOSE records written by the game thread. Records for a
 *       session that has already closed (stale generation) are dropped silently: its CLOSED event
 *       is on its way.</li>
 * </ul>
 */
public interface Engine extends AutoCloseable {
    /** "java" or "native": what the READY line prints. */
    String name();

    /** Binds, starts the I/O threads and returns the port actually bound (port 0 picks one). */
    int start(String host, int port) throws IOException;

    ManyToOneRing events();

    ManyToOneRing requests();

    /** Game thread, after writing a batch of requests: wakes the I/O side if it said it sleeps. */
    void requestsPublished();

    /**
     * Game thread: blocks until an event producer wakes it or the timeout passes. Call only after
     * {@code events().prepareToSleep()} returned true, and call {@code events().awake()} after.
     */
    void awaitEvents(long timeoutNanos);

    /**
     * Adds to {@code into} the request -> send-completed latencies, in microseconds, that the I/O
     * side recorded since the previous call: from the SEND record's timestamp to the moment the
     * socket took the last of its bytes. One caller thread at a time.
     */
    void collectSendLatency(Histogram into);

    /** Stops accepting, closes every connection and joins the I/O threads. Idempotent. */
    @Override
    void close();
}
