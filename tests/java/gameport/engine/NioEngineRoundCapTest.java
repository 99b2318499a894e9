package gameport.engine;

import static gameport.ring.RingDescriptor.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.protocol.Protocol;
import gameport.testing.TestClient;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Java engine's per-session packet cap, seen from the game's side of the event ring: this
 * test is the game thread (it calls endRound and reads the ring), so it can count per round.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NioEngineRoundCapTest {
    private static final long ROUND_WAIT_NANOS = 10_000_000L;

    @Test
    void oneSessionGetsAtMostItsShareOfARoundAndAnotherIsNotHeldUp() throws Exception {
        int flood = 1000;
        NioEngine engine = new NioEngine(16, 1 << 20, 500, 1 << 20, 1 << 20, t -> { });
        int port = engine.start("127.0.0.1", 0);
        try (Socket flooder = new Socket(); Socket witness = new Socket()) {
            flooder.connect(new InetSocketAddress("127.0.0.1", port));
            witness.connect(new InetSocketAddress("127.0.0.1", port));
            List<Long> accepted = new ArrayList<>();
            Map<Long, List<Integer>> packets = new HashMap<>();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (accepted.size() < 2) {
                assertTrue(System.nanoTime() < deadline, "accepted: " + accepted);
                engine.endRound(ROUND_WAIT_NANOS);
                drain(engine, accepted, packets);
            }
            // Which handle is which: the flooder connected first and is accepted first.
            long flooderHandle = accepted.get(0);
            long witnessHandle = accepted.get(1);

            byte[][] moves = new byte[flood][];
            for (int i = 0; i < flood; i++) {
                moves[i] = TestClient.movePacket(Protocol.DIR_UP, i);
            }
            OutputStream out = flooder.getOutputStream();
            out.write(TestClient.concat(moves));
            out.flush();
            Thread.sleep(50); // all of it in the server's socket before the witness's one move
            witness.getOutputStream().write(TestClient.movePacket(Protocol.DIR_DOWN, 77));
            witness.getOutputStream().flush();
            Thread.sleep(50);

            int rounds = 0;
            int witnessRound = -1;
            int firstFloodRound = -1;
            while (packets.getOrDefault(flooderHandle, List.of()).size() < flood) {
                assertTrue(System.nanoTime() < deadline + 5_000_000_000L, "flood not through: "
                        + packets.getOrDefault(flooderHandle, List.of()).size() + " of " + flood);
                engine.endRound(ROUND_WAIT_NANOS);
                rounds++;
                Map<Long, List<Integer>> round = new HashMap<>();
                drain(engine, new ArrayList<>(), round);
                int fromFlooder = round.getOrDefault(flooderHandle, List.of()).size();
                assertTrue(fromFlooder <= NioEngine.MAX_PACKETS_PER_SESSION_ROUND,
                        fromFlooder + " packets of one session in one round");
                if (fromFlooder > 0 && firstFloodRound < 0) {
                    firstFloodRound = rounds;
                }
                if (round.containsKey(witnessHandle) && witnessRound < 0) {
                    witnessRound = rounds;
                }
                round.forEach((h, l) -> packets.computeIfAbsent(h, k -> new ArrayList<>()).addAll(l));
            }
            List<Integer> times = packets.get(flooderHandle);
            for (int i = 0; i < flood; i++) {
                assertEquals(i, times.get(i), "move_time of the flooder's packet " + i);
            }
            assertTrue(rounds >= flood / NioEngine.MAX_PACKETS_PER_SESSION_ROUND, flood + " packets in " + rounds
                    + " rounds");
            assertTrue(witnessRound >= 0 && witnessRound <= firstFloodRound + 1, "the witness's packet came in round "
                    + witnessRound + ", the flood started in round " + firstFloodRound);

            // Nothing left to do: the round waits for its whole timeout instead of spinning.
            long t0 = System.nanoTime();
            engine.endRound(200_000_000L);
            long waitedMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(waitedMs >= 150, "an idle round returned after " + waitedMs + " ms");
        } finally {
            engine.close();
        }
    }

    /** Reads every record; ACCEPTED handles in order, and each PACKET's move_time per handle. */
    private static void drain(NioEngine engine, List<Long> accepted, Map<Long, List<Integer>> packets) {
        while (engine.events().hasRecords()) {
            engine.events().read((type, handle, timestamp, buffer, offset, length) -> {
                if (type == EVENT_ACCEPTED) {
                    accepted.add(handle);
                } else if (type == EVENT_PACKET) {
                    int t = buffer.get(offset + 4) & 0xFF | (buffer.get(offset + 5) & 0xFF) << 8
                            | (buffer.get(offset + 6) & 0xFF) << 16 | (buffer.get(offset + 7) & 0xFF) << 24;
                    packets.computeIfAbsent(handle, k -> new ArrayList<>()).add(t);
                }
            }, 4096);
        }
    }
}
