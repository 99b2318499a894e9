package gameport.bots;

import java.util.Arrays;

/** A binary min-heap of bot indexes keyed by their next move time: O(log n) per move. */
final class MoveSchedule {
    private int[] heap = new int[64];
    private int size;
    private final Bot[] bots;

    MoveSchedule(Bot[] bots) {
        this.bots = bots;
    }

    boolean isEmpty() {
        return size == 0;
    }

    Bot peek() {
        return bots[heap[0]];
    }

    void add(Bot b) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        int i = size++;
        heap[i] = b.index;
        siftUp(i);
    }

    Bot poll() {
        Bot top = bots[heap[0]];
        heap[0] = heap[--size];
        if (size > 0) {
            siftDown(0);
        }
        return top;
    }

    private long key(int i) {
        return bots[heap[i]].nextMoveMicros;
    }

    private void siftUp(int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (key(parent) <= key(i)) {
                return;
            }
            swap(i, parent);
            i = parent;
        }
    }

    private void siftDown(int i) {
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) {
                return;
            }
            int c = l + 1 < size && key(l + 1) < key(l) ? l + 1 : l;
            if (key(i) <= key(c)) {
                return;
            }
            swap(i, c);
            i = c;
        }
    }

    private void swap(int a, int b) {
        int t = heap[a];
        heap[a] = heap[b];
        heap[b] = t;
    }
}
