package gameport.engine;

import gameport.ring.ManyToOneRing;

/**
 * A second transport beside the engine (the WebSocket gateway): it owns connections of its own,
 * numbered from {@link #firstSlot()} up so their handles never meet the engine's, and publishes
 * their ACCEPTED, PACKET and CLOSED records into the engine's events ring ({@link Engine#publish}).
 * The game thread cannot tell those sessions from the engine's, except here: it writes their
 * SEND and CLOSE requests into {@link #requests()} instead of the engine's requests ring.
 *
 * <p>Threads: the game thread is the only producer of {@link #requests()} and the only caller of
 * {@link #requestsWritten()} and {@link #requestsFull()}, in which the gateway consumes the ring
 * (on the game thread, as the engines do their I/O between rounds).
 */
public interface Gateway {
    /** The lowest slot of the gateway's sessions; every engine slot lies below it. */
    int firstSlot();

    /** SEND and CLOSE requests for the gateway's sessions (layout: {@link gameport.ring.RingDescriptor}). */
    ManyToOneRing requests();

    /** Game thread, at the end of a round that wrote requests here: hands them to the transport. */
    void requestsWritten();

    /** Game thread, when {@link #requests()} has no room: hands what is there to the transport. */
    void requestsFull();
}
