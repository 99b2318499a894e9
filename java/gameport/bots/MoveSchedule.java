package gameport.bots;

import java.util.Arrays;

/**
 * A binary min-heap of bots keyed by their next move time: O(log n) per move. The keys live in
 * their own array beside the bots, so sifting compares longs without touching the bots. A bot that
 * died stays in the heap until it reaches the top, where the worker drops it.
 */
final class MoveSchedule {
    private Bot[] heap = new Bot[64];
    private long[] keys = new long[64];
    private int size;

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    Bot peek() {
        return heap[0];
    }

    /** The key of the top (the earliest next move); only when not empty. */
    long peekMicros() {
        return keys[0];
    }

    /** Adds the bot keyed by its {@link Bot#nextMoveMicros}. */
    void add(Bot b) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
            keys = Arrays.copyOf(keys, size * 2);
        }
        int i = size++;
        heap[i] = b;
        keys[i] = b.nextMoveMicros;
        siftUp(i);
    }

    Bot poll() {
        Bot top = heap[0];
        int last = --size;
        heap[0] = heap[last];
        keys[0] = keys[last];
        heap[last] = null;
        if (size > 0) {
            siftDown(0);
        }
        return top;
    }

    /** Re-keys the top bot (one sift instead of a poll and an add): it keeps its place in the heap. */
    void rescheduleTop(long nextMoveMicros) {
        keys[0] = nextMoveMicros;
        siftDown(0);
    }

    private void siftUp(int i) {
        Bot b = heap[i];
        long k = keys[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (keys[parent] <= k) {
                break;
            }
            heap[i] = heap[parent];
            keys[i] = keys[parent];
            i = parent;
        }
        heap[i] = b;
        keys[i] = k;
    }

    private void siftDown(int i) {
        Bot b = heap[i];
        long k = keys[i];
        while (true) {
            int c = 2 * i + 1;
            if (c >= size) {
                break;
            }
            if (c + 1 < size && keys[c + 1] < keys[c]) {
                c++;
            }
            if (k <= keys[c]) {
                break;
            }
            heap[i] = heap[c];
            keys[i] = keys[c];
            i = c;
        }
        heap[i] = b;
        keys[i] = k;
    }
}
