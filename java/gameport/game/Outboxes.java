package gameport.game;

import java.util.Arrays;

/**
 * Where the game's output waits for the end of the round, and what is held longer.
 *
 * <p>Output pacing ({@code --flush-ms}): a session's packets form one byte stream in the order they
 * were produced, and the stream is only ever sent later, never reordered. At the end of a round a
 * touched session is sent at once if it got a reply to its own action in this round (it is the
 * {@link #actor}: its move echo, login, attack result), else its bytes are held until
 * {@code flushNanos} after they started waiting, so the updates about others (other players' and
 * NPCs' moves, adds, removes) of several rounds leave merged, as one send per player per period.
 * Holding the whole stream keeps every per-object order (add before move, remove last) for free.
 *
 * <p>Holds that run out together (an NPC tick touches thousands of players at once, so their
 * holds end in the same round) leave at most {@link #HELD_SENDS_PER_ROUND} a round, the rest in
 * the next rounds: each send is a TCP transmission the round pays for in the kernel, and a round
 * that sends thousands holds up every reply waiting for the next round.
 */
final class Outboxes {
    static final int HELD_SENDS_PER_ROUND = 256;
    private final long flushNanos;
    private ClientSession[] touched = new ClientSession[256];
    private int count;
    /** Held sessions by start of wait (FIFO: every hold lasts flushNanos), with the start as tag. */
    private ClientSession[] held = new ClientSession[256];
    private long[] heldSince = new long[256];
    private int heldHead;
    private int heldCount;
    /** The session whose packet the game is handling: what it gets now is a reply, sent this round. */
    ClientSession actor;
    long packetsOut;

    /** @param flushNanos how long updates about others may wait; 0 sends every touched session each round */
    Outboxes(long flushNanos) {
        this.flushNanos = flushNanos;
    }

    /** Marks {@code s} for the end-of-round flush and returns it, for a packet to be written. */
    ClientSession touch(ClientSession s) {
        packetsOut++;
        if (s == actor) {
            s.urgent = true;
        }
        if (!s.touched) {
            s.touched = true;
            if (count == touched.length) {
                touched = Arrays.copyOf(touched, count * 2);
            }
            touched[count++] = s;
        }
        return s;
    }

    /** Sends what is due: the touched sessions that got a reply, and holds that have run out. */
    void flush(long now, Sender sender) {
        for (int i = 0; i < count; i++) {
            ClientSession s = touched[i];
            touched[i] = null;
            s.touched = false;
            boolean urgent = s.urgent;
            s.urgent = false;
            if (s.outLength == 0 || s.closing) {
                continue;
            }
            if (urgent || flushNanos == 0) {
                s.heldSince = ClientSession.NOT_HELD;
                sender.send(s);
            } else if (s.heldSince == ClientSession.NOT_HELD) {
                s.heldSince = now;
                hold(s, now);
            }
        }
        count = 0;
        int sent = 0;
        while (heldCount > 0 && sent < HELD_SENDS_PER_ROUND) {
            int at = heldHead;
            ClientSession s = held[at];
            long since = heldSince[at];
            if (s.heldSince == since && now - since < flushNanos) {
                break; // the oldest live hold is not due yet, and every later one started later
            }
            held[at] = null;
            heldHead = (at + 1) & (held.length - 1);
            heldCount--;
            if (s.heldSince == since) { // else it was sent or re-held since: a stale entry
                s.heldSince = ClientSession.NOT_HELD;
                if (s.outLength > 0 && !s.closing) {
                    sender.send(s);
                    sent++;
                }
            }
        }
    }

    /** When the oldest hold runs out (Long.MAX_VALUE if none): the game loop sleeps no longer. */
    long nextDueNanos() {
        while (heldCount > 0) {
            ClientSession s = held[heldHead];
            long since = heldSince[heldHead];
            if (s.heldSince == since) {
                return since + flushNanos;
            }
            held[heldHead] = null;
            heldHead = (heldHead + 1) & (held.length - 1);
            heldCount--;
        }
        return Long.MAX_VALUE;
    }

    private void hold(ClientSession s, long since) {
        if (heldCount == held.length) {
            ClientSession[] sessions = new ClientSession[held.length * 2];
            long[] starts = new long[held.length * 2];
            for (int i = 0; i < heldCount; i++) {
                int from = (heldHead + i) & (held.length - 1);
                sessions[i] = held[from];
                starts[i] = heldSince[from];
            }
            held = sessions;
            heldSince = starts;
            heldHead = 0;
        }
        int at = (heldHead + heldCount) & (held.length - 1);
        held[at] = s;
        heldSince[at] = since;
        heldCount++;
    }

    /** Writes one session's bytes into the request ring. */
    interface Sender {
        void send(ClientSession s);
    }
}
