package gameport.game;

import static gameport.ring.RingDescriptor.slotOf;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The game thread's table of connections: by engine slot (for events), as a dense list (for the
 * periodic deadline checks), and counted per remote address (for the per-address cap). Game
 * thread only.
 */
final class Sessions {
    private ClientSession[] bySlot = new ClientSession[1024];
    private ClientSession[] live = new ClientSession[1024];
    private int count;
    private final Map<String, Integer> perAddress = new HashMap<>();

    int count() {
        return count;
    }

    ClientSession at(int index) {
        return live[index];
    }

    /**
     * The session an event names, or null when the handle is not a live one (a stale generation,
     * or a slot no ACCEPTED introduced: the ring is trusted, but not to the point of an
     * out-of-bounds read).
     */
    ClientSession find(long handle) {
        int slot = slotOf(handle);
        if (slot < 0 || slot >= bySlot.length) {
            return null;
        }
        ClientSession s = bySlot[slot];
        return s != null && s.handle == handle ? s : null;
    }

    /** Registers a new connection; returns how many connections its address now has (itself included). */
    int add(ClientSession s) {
        int slot = slotOf(s.handle);
        if (slot < 0) {
            throw new IllegalArgumentException("ACCEPTED with a negative slot: handle " + s.handle);
        }
        if (slot >= bySlot.length) {
            bySlot = Arrays.copyOf(bySlot, Math.max(slot + 1, bySlot.length * 2));
        }
        bySlot[slot] = s;
        if (count == live.length) {
            live = Arrays.copyOf(live, count * 2);
        }
        s.liveIndex = count;
        live[count++] = s;
        return perAddress.merge(s.address, 1, Integer::sum);
    }

    void remove(ClientSession s) {
        bySlot[slotOf(s.handle)] = null;
        ClientSession last = live[--count];
        live[s.liveIndex] = last;
        last.liveIndex = s.liveIndex;
        live[count] = null;
        perAddress.computeIfPresent(s.address, (a, n) -> n > 1 ? n - 1 : null);
    }
}
