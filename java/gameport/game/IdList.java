package gameport.game;

import java.util.Arrays;

/** A growable list of ints reused across calls (scratch space on the game thread). */
final class IdList {
    private int[] ids = new int[64];
    private int size;

    void clear() {
        size = 0;
    }

    void add(int id) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
        }
        ids[size++] = id;
    }

    int size() {
        return size;
    }

    int get(int i) {
        return ids[i];
    }
}
