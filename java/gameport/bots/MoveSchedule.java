package gameport.bots;

import java.util.Arrays;

/**
 * A binary min-heap of bots keyed by their next move time: O(log n) per move. A bot that died
 * stays in the heap until it reaches the top, where the worker drops it.
 */
final class MoveSchedule {
    private Bot[] heap = new Bot[64];
    private int size;

    boolean isEmpty() {
        return size == 0;
    }

    Bot peek() {
        return heap[0];
    }

    void add(Bot b) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        int i = size++;
        heap[i] = b;
        siftUp(i);
    }

    Bot poll() {
        Bot top = heap[0];
        heap[0] = heap[--size];
        heap[size] = null;
        if (size > 0) {
            siftDown(0);
        }
        return top;
    }

    private long key(int i) {
        return heap[i].nextMoveMicros;
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
        Bot t = heap[a];
        heap[a] = heap[b];
        heap[b] = t;
    }
}
