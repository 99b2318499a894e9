package gameport.game;

import java.util.Arrays;

/** A set of non-negative ints with open addressing: no boxing on the view hot path. */
final class IntHashSet {
    private static final int EMPTY = -1;
    private int[] table = new int[16];
    private int size;

    IntHashSet() {
        Arrays.fill(table, EMPTY);
    }

    int size() {
        return size;
    }

    boolean contains(int value) {
        int mask = table.length - 1;
        for (int i = mix(value) & mask; ; i = (i + 1) & mask) {
            int v = table[i];
            if (v == value) {
                return true;
            }
            if (v == EMPTY) {
                return false;
            }
        }
    }

    boolean add(int value) {
        if ((size + 1) * 2 > table.length) {
            rehash(table.length * 2);
        }
        int mask = table.length - 1;
        int i = mix(value) & mask;
        for (; table[i] != EMPTY; i = (i + 1) & mask) {
            if (table[i] == value) {
                return false;
            }
        }
        table[i] = value;
        size++;
        return true;
    }

    boolean remove(int value) {
        int mask = table.length - 1;
        int i = mix(value) & mask;
        for (; table[i] != value; i = (i + 1) & mask) {
            if (table[i] == EMPTY) {
                return false;
            }
        }
        table[i] = EMPTY;
        size--;
        // Re-insert the rest of the probe run so later lookups do not stop at the hole.
        for (int j = (i + 1) & mask; table[j] != EMPTY; j = (j + 1) & mask) {
            int v = table[j];
            table[j] = EMPTY;
            int k = mix(v) & mask;
            while (table[k] != EMPTY) {
                k = (k + 1) & mask;
            }
            table[k] = v;
        }
        return true;
    }

    /** Copies the members into {@code into} (grown if needed) and returns it; count is size(). */
    int[] copyTo(int[] into) {
        if (into.length < size) {
            into = new int[Math.max(size, into.length * 2)];
        }
        int n = 0;
        for (int v : table) {
            if (v != EMPTY) {
                into[n++] = v;
            }
        }
        return into;
    }

    void clear() {
        if (size > 0) {
            Arrays.fill(table, EMPTY);
            size = 0;
        }
    }

    private static int mix(int v) {
        int h = v * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    private void rehash(int capacity) {
        int[] old = table;
        table = new int[capacity];
        Arrays.fill(table, EMPTY);
        size = 0;
        for (int v : old) {
            if (v != EMPTY) {
                add(v);
            }
        }
    }
}
