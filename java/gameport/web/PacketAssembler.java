package gameport.web;

import gameport.protocol.Protocol;
import java.nio.ByteBuffer;

/**
 * Cuts a WebSocket connection's binary data into client packets. The frames are a byte stream:
 * a packet may be split over frames (or messages) and a frame may carry many packets, exactly
 * as TCP segments may. The header rule is the engines' ({@link Protocol#checkClientHeader}),
 * applied as soon as the header's bytes are in: a bad size closes the connection without
 * waiting for a body. One connection's thread at a time.
 */
final class PacketAssembler {
    /** Receives one whole packet, header included, in {@code packet[0, length)}. */
    interface Sink {
        /** @return false to stop cutting (the connection is closing) */
        boolean packet(byte[] packet, int length);
    }

    private final byte[] packet = new byte[Protocol.MAX_CLIENT_PACKET];
    private int length;

    /** Takes all of {@code data}; returns null, or the protocol error that must close the connection. */
    String feed(ByteBuffer data, Sink sink) {
        while (data.hasRemaining()) {
            int want = length < Protocol.HEADER_SIZE ? Protocol.HEADER_SIZE : size();
            int n = Math.min(want - length, data.remaining());
            data.get(packet, length, n);
            length += n;
            if (length >= 2 && length <= Protocol.HEADER_SIZE) {
                int size = size();
                if (size < Protocol.HEADER_SIZE || length == Protocol.HEADER_SIZE) {
                    String error = Protocol.checkClientHeader(size, size < Protocol.HEADER_SIZE ? -1 : packet[2] & 0xFF);
                    if (error != null) {
                        return error;
                    }
                }
            }
            if (length >= Protocol.HEADER_SIZE && length == size()) {
                int whole = length;
                length = 0;
                if (!sink.packet(packet, whole)) {
                    return null;
                }
            }
        }
        return null;
    }

    private int size() {
        return (packet[0] & 0xFF) | (packet[1] & 0xFF) << 8;
    }
}
