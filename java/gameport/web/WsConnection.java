package gameport.web;

import static gameport.ring.RingDescriptor.EVENT_ACCEPTED;
import static gameport.ring.RingDescriptor.EVENT_PACKET;

import gameport.ring.CloseReason;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.eclipse.jetty.websocket.api.exceptions.MessageTooLargeException;
import org.eclipse.jetty.websocket.api.exceptions.WebSocketTimeoutException;

/**
 * One browser's WebSocket connection, seen from Jetty's side: binary data in (cut into packets
 * and published as PACKET events), output out (SEND requests become binary frames), and one
 * close, whoever starts it.
 *
 * <p>Threads: Jetty's threads are the only ones to publish a connection's events, under this
 * object's lock ({@link #handle}, {@link #ended} and the assembler are guarded by it): a close
 * started elsewhere may run onWebSocketClose on another Jetty thread while frames are still being
 * delivered, and the lock keeps ACCEPTED first and the one CLOSED last. A thread holding it may
 * wait for room in the events ring; the game thread, which empties that ring, never takes it.
 * The game thread calls {@link #send} and {@link #closeRequested} (WebSocketGateway); Jetty's write
 * callbacks run on any thread. What they share: {@link #pendingBytes} (atomic), {@link #reason}
 * (the first close reason wins, by compare-and-set) and the Jetty session (thread-safe).
 */
public final class WsConnection implements Session.Listener.AutoDemanding {
    /** Why it ended and in what words; the first one set is what the game thread hears. */
    private record Ending(CloseReason reason, String text) {
    }

    private final WebSocketGateway gateway;
    private final PacketAssembler assembler = new PacketAssembler();
    private final PacketAssembler.Sink publishPacket = this::publishPacket;
    private final AtomicLong pendingBytes = new AtomicLong();
    private final AtomicReference<Ending> reason = new AtomicReference<>();
    private volatile Session session;
    /** -1 until the gateway gave it a slot ({@link #assign}, once); then the handle of its events. */
    private volatile long handle = -1;
    /** CLOSED was published (or the server closes): no more events. Guarded by this. */
    private boolean ended;
    /** A graceful close is waiting for the writes before it (game thread only). */
    private boolean closeQueued;

    WsConnection(WebSocketGateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public synchronized void onWebSocketOpen(Session session) {
        this.session = session;
        if (gateway.open(this) < 0) {
            ended = true;
            session.close(StatusCode.TRY_AGAIN_LATER, "server busy", Callback.NOOP);
            return;
        }
        byte[] peer = peerText(session.getRemoteSocketAddress()).getBytes(StandardCharsets.UTF_8);
        if (!gateway.publish(EVENT_ACCEPTED, handle, peer, 0, peer.length)) {
            ended = true;
            gateway.free(handle);
            session.disconnect();
        }
    }

    /** The gateway, before it lists the connection: its handle, set once. */
    void assign(long h) {
        handle = h;
    }

    long handle() {
        return handle;
    }

    @Override
    public void onWebSocketPartialBinary(ByteBuffer data, boolean fin, Callback callback) {
        synchronized (this) {
            if (!ended && reason.get() == null) {
                String error = assembler.feed(data, publishPacket);
                if (error != null) {
                    closeNow(CloseReason.PROTOCOL_ERROR, error);
                }
            }
        }
        callback.succeed();
    }

    private boolean publishPacket(byte[] packet, int length) {
        if (reason.get() != null) {
            return false; // closing: the game has nothing more to hear from it
        }
        if (!gateway.publish(EVENT_PACKET, handle, packet, 0, length)) {
            ended = true;
            session.disconnect();
            return false;
        }
        return true;
    }

    @Override
    public void onWebSocketPartialText(String text, boolean fin) {
        closeNow(CloseReason.PROTOCOL_ERROR, "WebSocket text frame (the game protocol travels in binary frames)");
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        if (cause instanceof MessageTooLargeException) {
            setReason(CloseReason.PROTOCOL_ERROR, "WebSocket frame too large: " + cause.getMessage());
        } else if (cause instanceof WebSocketTimeoutException) {
            setReason(CloseReason.IO_ERROR, "WebSocket timeout: " + cause.getMessage());
        } else if (cause instanceof org.eclipse.jetty.websocket.api.exceptions.ProtocolException) {
            setReason(CloseReason.PROTOCOL_ERROR, "WebSocket protocol: " + cause.getMessage());
        } else {
            setReason(CloseReason.IO_ERROR, "WebSocket error: " + cause);
        }
    }

    @Override
    public void onWebSocketClose(int statusCode, String text, Callback callback) {
        try {
            publishClosed(statusCode, text);
        } finally {
            callback.succeed();
        }
    }

    private synchronized void publishClosed(int statusCode, String text) {
        if (ended || handle < 0) {
            return;
        }
        ended = true;
        Ending e = reason.get();
        if (e == null) {
            // The browser left: a tab closed (1001), a page's own close (1000), or a dropped connection (1006).
            e = new Ending(CloseReason.PEER_CLOSED, "WebSocket close " + statusCode
                    + (text == null || text.isEmpty() ? "" : " (" + text + ")"));
        }
        gateway.publishClosed(handle, e.reason, e.text);
        gateway.free(handle);
    }

    // ---- the game thread's side ----------------------------------------------------------------

    /**
     * Game thread: one SEND request's bytes as one binary frame; too much unwritten output closes
     * it. {@code requestTimestamp} starts its request-to-send timer, as on the engines.
     */
    void send(ByteBuffer bytes, long requestTimestamp) {
        if (closeQueued || reason.get() != null) {
            return;
        }
        int length = bytes.remaining();
        if (pendingBytes.addAndGet(length) > gateway.maxPendingBytes()) {
            closeNow(CloseReason.SLOW_CONSUMER, "slow consumer: more than " + gateway.maxPendingBytes()
                    + " bytes of output waiting for a browser that does not read");
            return;
        }
        session.sendBinary(bytes, new Callback() {
            @Override
            public void succeed() {
                pendingBytes.addAndGet(-length);
                gateway.sendCompleted(requestTimestamp);
            }

            @Override
            public void fail(Throwable x) {
                pendingBytes.addAndGet(-length);
                closeNow(CloseReason.IO_ERROR, "WebSocket write failed: " + x);
            }
        });
    }

    /**
     * Game thread: the game closes the session. Graceful reasons queue a WebSocket close after
     * the output already handed to Jetty (Jetty writes frames in order), so the browser reads the
     * last packet (e.g. SC_LOGIN_FAIL) first; abortive ones drop the connection at once.
     */
    void closeRequested(CloseReason why, String text) {
        if (why.abortive) {
            closeNow(why, text);
            return;
        }
        if (closeQueued || !setReason(why, text)) {
            return;
        }
        closeQueued = true;
        Session s = session;
        gateway.executor().execute(() -> s.close(StatusCode.NORMAL, why.label, Callback.NOOP));
        // A browser that never answers the close (or keeps sending) is dropped at the deadline, as a
        // lingering TCP session is; the reason stays the one the game gave.
        gateway.afterLinger(() -> {
            if (s.isOpen()) {
                closeNow(why, text);
            }
        });
    }

    /**
     * Any thread: ends the connection now (no close handshake), for this reason unless one was
     * set before. Runs the disconnect on Jetty's executor: Jetty may call onWebSocketClose from
     * inside it, and only Jetty's threads may publish.
     */
    void closeNow(CloseReason why, String text) {
        setReason(why, text);
        Session s = session;
        gateway.executor().execute(s::disconnect);
    }

    private boolean setReason(CloseReason why, String text) {
        return reason.compareAndSet(null, new Ending(why, text));
    }

    static String peerText(SocketAddress address) {
        if (address instanceof InetSocketAddress a && a.getAddress() != null) {
            return a.getAddress().getHostAddress() + ":" + a.getPort();
        }
        return String.valueOf(address);
    }
}
