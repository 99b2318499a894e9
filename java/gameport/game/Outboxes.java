package gameport.game;

import java.util.Arrays;

/** The sessions that got packets in the current batch: each is flushed once at its end. */
final class Outboxes {
    private ClientSession[] touched = new ClientSession[256];
    private int count;
    long packetsOut;

    /** Marks {@code s} for the end-of-batch flush and returns it, for a packet to be written. */
    ClientSession touch(ClientSession s) {
        packetsOut++;
        if (!s.touched) {
            s.touched = true;
            if (count == touched.length) {
                touched = Arrays.copyOf(touched, count * 2);
            }
            touched[count++] = s;
        }
        return s;
    }

    int count() {
        return count;
    }

    ClientSession get(int i) {
        return touched[i];
    }

    void clear() {
        Arrays.fill(touched, 0, count, null);
        count = 0;
    }
}
