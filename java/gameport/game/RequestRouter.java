package gameport.game;

import static gameport.ring.RingDescriptor.slotOf;

import gameport.engine.Engine;
import gameport.engine.Gateway;
import gameport.ring.ManyToOneRing;

/**
 * Which ring a request for a session goes into: the engine's, or the gateway's for a session
 * whose slot is the gateway's. The one place in the game that knows transports exist. Game
 * thread only.
 */
final class RequestRouter {
    private final Engine engine;
    private final ManyToOneRing engineRequests;
    private final Gateway gateway;
    private final int gatewaySlots;
    private boolean gatewayWritten;

    /** @param gateway the second transport, or null when there is none */
    RequestRouter(Engine engine, Gateway gateway) {
        this.engine = engine;
        this.engineRequests = engine.requests();
        this.gateway = gateway;
        this.gatewaySlots = gateway != null ? gateway.firstSlot() : Integer.MAX_VALUE;
    }

    ManyToOneRing ring(long handle) {
        if (slotOf(handle) >= gatewaySlots) {
            gatewayWritten = true;
            return gateway.requests();
        }
        return engineRequests;
    }

    /** The ring {@link #ring} gave for {@code handle} was full: make room there. */
    void full(long handle) {
        if (slotOf(handle) >= gatewaySlots) {
            gateway.requestsFull();
        } else {
            engine.requestsFull();
        }
    }

    /** End of a round, before the engine's: the gateway's consumer learns of this round's requests. */
    void endRound() {
        if (gatewayWritten) {
            gatewayWritten = false;
            gateway.requestsWritten();
        }
    }
}
