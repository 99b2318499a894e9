package gameport.game;

import java.util.Arrays;

/**
 * Timers for the game thread: a hashed timer wheel with O(1) schedule and cancel and no object
 * allocated per timer.
 *
 * <p><b>Model.</b> Time is cut into ticks of {@code tickNanos}; tick {@code t} begins at {@code
 * startNanos + t * tickNanos}. A timer with deadline {@code d} belongs to the first tick that begins
 * at or after {@code d}, and fires in the first {@link #expire} call whose {@code now} has reached
 * that tick. So a timer <em>never fires before its deadline</em>, and fires at most one tick after it
 * provided the loop calls {@code expire} by {@link #nextDeadlineNanos()}. A deadline that has already
 * passed when it is scheduled fires on the next tick that {@code expire} reaches. Timers of different
 * ticks fire in tick order; timers of one tick fire in no promised order (mostly scheduling order).
 *
 * <p><b>Handles.</b> A timer is an int handle: slot index in the low {@value #SLOT_BITS} bits and a
 * generation of the slot above them, always {@code >= 0}, so {@link #NONE} ({@code -1}) can mark
 * "no timer" in callers' arrays. Firing or cancelling a timer bumps its slot's generation, so a
 * handle kept after that is stale and {@link #cancel} ignores it. Free slots are reused first in,
 * first out, so one slot comes back only after every other free slot has; a stale handle is told
 * apart for at least {@value #GENERATIONS} reuses of its slot. Callers should still drop a handle
 * once its timer has fired (the callback receives it) — the generation check is a safety net.
 *
 * <p><b>Layout.</b> Every timer is a node in circular doubly linked lists held in int arrays, one
 * list per wheel bucket plus an overflow list and a "firing" list; each list has a sentinel node,
 * so unlinking needs no knowledge of which list the node is on. Timers due within one revolution
 * ({@code wheelSize} ticks) sit in the bucket {@code tick & (wheelSize - 1)}; later ones wait on
 * the unsorted overflow list, which is swept at the start of a revolution only when its earliest
 * timer may fall into the coming revolution. A bitmap of non-empty buckets lets {@code expire} skip
 * empty ticks and lets {@code nextDeadlineNanos} find the next one in {@code wheelSize / 64} word
 * reads, and that answer is cached until a schedule, cancel or expiry can change it.
 *
 * <p>Not thread-safe: owned by the game thread. Capacity grows on demand up to {@value
 * #MAX_TIMERS} timers pending at once.
 */
public final class TimerWheel {
    /** Receives each expired timer. Keep one instance in a field: a fresh lambda would allocate. */
    @FunctionalInterface
    public interface Expired {
        /**
         * Called once per expired timer, after the timer was removed: {@code handle} is already stale
         * and its slot may be reused by a schedule made from inside this callback, which may also
         * cancel other timers, including ones due in this same {@code expire} call.
         */
        void onExpired(int handle, int kind, int target);
    }

    /** A value no handle ever has: marks "no timer" in callers' arrays. */
    public static final int NONE = -1;

    static final int SLOT_BITS = 20;
    static final int MAX_TIMERS = 1 << SLOT_BITS;
    static final int GENERATIONS = 1 << (31 - SLOT_BITS);
    private static final int SLOT_MASK = MAX_TIMERS - 1;
    private static final int GENERATION_MASK = GENERATIONS - 1;

    // Where a slot's timer is: which count to adjust when it leaves.
    private static final byte FREE = 0;
    private static final byte IN_WHEEL = 1;
    private static final byte IN_OVERFLOW = 2;
    private static final byte FIRING = 3;

    private final long tickNanos;
    private final long startNanos;
    private final int wheelSize;
    private final int bucketMask;
    /** Sentinel of the list of timers beyond the current revolution. */
    private final int overflow;
    /** Sentinel of the list of timers being fired by the running {@code expire}. */
    private final int firing;
    /** Node index of timer slot 0: sentinels come first. */
    private final int firstSlotNode;
    private final long[] occupiedBuckets;

    // Per node (sentinels and slots): list links. A free slot's next is the free-list link.
    private int[] next;
    private int[] prev;
    // Per slot.
    private long[] fireTick;
    private int[] kind;
    private int[] target;
    private int[] generation;
    private byte[] state;
    private int capacity;
    private int freeHead = NONE;
    private int freeTail = NONE;
    /** Slots never handed out yet, from {@code unusedFrom} to {@code capacity}. */
    private int unusedFrom;

    /** Every tick before this one has been fired; the wheel holds ticks in [nextTick, nextTick + wheelSize). */
    private long nextTick;
    private int size;
    private int wheelCount;
    private int overflowCount;
    private int firingCount;
    /** The tick {@code expire} is firing, while {@code firingCount > 0}. */
    private long firingTick;
    /** At or before the earliest overflow tick: exact after a sweep, lowered by schedules only. */
    private long overflowMinTick = Long.MAX_VALUE;
    private long cachedEarliestTick;
    private boolean earliestKnown;
    private boolean expiring;

    /**
     * @param tickNanos resolution; 10 ms suits NPCs acting once a second
     * @param wheelSize buckets, a power of two in 64..2^24; timers further than {@code wheelSize}
     *     ticks ahead wait on the overflow list, and every revolution in which one of them comes due
     *     walks that whole list, so make a revolution longer than the common delays (4096 x 10 ms =
     *     41 s covers acting each second and a 30 s respawn)
     * @param initialCapacity timers the arrays hold before growing
     * @param startNanos the clock value of tick 0, normally {@code System.nanoTime()} at startup
     */
    public TimerWheel(long tickNanos, int wheelSize, int initialCapacity, long startNanos) {
        if (tickNanos <= 0) {
            throw new IllegalArgumentException("tickNanos must be positive: " + tickNanos);
        }
        if (wheelSize < 64 || Integer.bitCount(wheelSize) != 1 || wheelSize > (1 << 24)) {
            throw new IllegalArgumentException("wheelSize must be a power of two in 64..2^24: " + wheelSize);
        }
        this.tickNanos = tickNanos;
        this.startNanos = startNanos;
        this.wheelSize = wheelSize;
        this.bucketMask = wheelSize - 1;
        this.overflow = wheelSize;
        this.firing = wheelSize + 1;
        this.firstSlotNode = wheelSize + 2;
        this.occupiedBuckets = new long[wheelSize / 64];
        this.capacity = Math.max(16, Math.min(MAX_TIMERS, initialCapacity));
        this.next = new int[firstSlotNode + capacity];
        this.prev = new int[firstSlotNode + capacity];
        for (int sentinel = 0; sentinel < firstSlotNode; sentinel++) {
            next[sentinel] = sentinel;
            prev[sentinel] = sentinel;
        }
        this.fireTick = new long[capacity];
        this.kind = new int[capacity];
        this.target = new int[capacity];
        this.generation = new int[capacity];
        this.state = new byte[capacity];
    }

    /** Timers scheduled and neither fired nor cancelled yet. */
    public int size() {
        return size;
    }

    public long tickNanos() {
        return tickNanos;
    }

    /**
     * Schedules a timer that fires no earlier than {@code deadlineNanos}, carrying {@code kind} and
     * {@code target} for the caller to interpret. O(1).
     *
     * @return its handle, {@code >= 0}
     * @throws IllegalStateException when {@value #MAX_TIMERS} timers are already pending
     */
    public int schedule(long deadlineNanos, int kind, int target) {
        int slot = allocateSlot();
        long tick = Math.max(tickOf(deadlineNanos), nextTick);
        this.fireTick[slot] = tick;
        this.kind[slot] = kind;
        this.target[slot] = target;
        file(slot + firstSlotNode, tick);
        size++;
        if (earliestKnown && tick < cachedEarliestTick) {
            cachedEarliestTick = tick;
        }
        return (generation[slot] << SLOT_BITS) | slot;
    }

    /**
     * Cancels a pending timer. O(1).
     *
     * @return false, touching nothing, when the handle is {@link #NONE}, already fired or cancelled
     */
    public boolean cancel(int handle) {
        int slot = pendingSlot(handle);
        if (slot < 0) {
            return false;
        }
        unlink(slot + firstSlotNode);
        switch (state[slot]) {
            case IN_WHEEL -> wheelCount--;
            case IN_OVERFLOW -> overflowCount--;
            default -> firingCount--;
        }
        if (earliestKnown && fireTick[slot] == cachedEarliestTick) {
            earliestKnown = false;
        }
        release(slot);
        return true;
    }

    /** Whether {@code handle} names a timer that has neither fired nor been cancelled. */
    public boolean isPending(int handle) {
        return pendingSlot(handle) >= 0;
    }

    /**
     * Fires, in tick order, every timer whose tick has begun by {@code nowNanos}. As a tick begins at
     * or after the deadlines of its timers, nothing fires early; a timer whose deadline has passed
     * but whose tick has not begun waits for a later call. Callbacks may schedule and cancel freely;
     * a timer scheduled from a callback goes at least one tick after the one firing, and fires in
     * this same call if that tick has begun by {@code nowNanos}. Not reentrant.
     *
     * @return how many timers fired
     */
    public int expire(long nowNanos, Expired callback) {
        if (expiring) {
            throw new IllegalStateException("expire called from inside an expire callback");
        }
        if (nowNanos < startNanos) {
            return 0;
        }
        long elapsed = nowNanos - startNanos;
        long lastDueTick = (elapsed < 0 ? Long.MAX_VALUE : elapsed) / tickNanos;
        if (lastDueTick < nextTick) {
            return 0;
        }
        expiring = true;
        int fired = 0;
        try {
            while (nextTick <= lastDueTick) {
                if ((nextTick & bucketMask) == 0 && overflowCount > 0 && overflowMinTick < nextTick + wheelSize) {
                    sweepOverflow();
                }
                if (wheelCount == 0) {
                    // Nothing to fire before the revolution holding the earliest overflow timer.
                    if (overflowCount == 0) {
                        nextTick = lastDueTick + 1;
                        break;
                    }
                    long sweepTick = overflowMinTick & ~(long) bucketMask;
                    if (sweepTick > nextTick) {
                        nextTick = Math.min(sweepTick, lastDueTick + 1);
                        continue;
                    }
                }
                long revolutionEnd = nextTick | bucketMask;
                long stop = Math.min(lastDueTick, revolutionEnd);
                int bucket = firstOccupied((int) (nextTick & bucketMask), (int) (stop & bucketMask));
                if (bucket < 0) {
                    nextTick = stop + 1;
                    continue;
                }
                long tick = (nextTick & ~(long) bucketMask) | bucket;
                nextTick = tick + 1;
                fired += fireBucket(bucket, tick, callback);
            }
        } finally {
            if (firingCount > 0) {
                refileUnfired();
            }
            expiring = false;
            earliestKnown = false;
        }
        return fired;
    }

    /**
     * When the loop should next call {@link #expire}: the start of the earliest tick holding a timer
     * (at or after that timer's deadline), or {@code Long.MAX_VALUE} when none is pending. Cached:
     * O(1) until a schedule, cancel or expiry changes the answer, then {@code wheelSize / 64} word
     * reads. It can be early only when the earliest far-off timer was cancelled; {@code expire} then
     * fires nothing once and the next answer is exact again.
     */
    public long nextDeadlineNanos() {
        if (size == 0) {
            return Long.MAX_VALUE;
        }
        if (!earliestKnown) {
            cachedEarliestTick = earliestTick();
            earliestKnown = true;
        }
        return tickStartNanos(cachedEarliestTick);
    }

    // ---- internals ----

    private long earliestTick() {
        if (firingCount > 0) {
            return firingTick;
        }
        long earliest = overflowCount > 0 ? overflowMinTick : Long.MAX_VALUE;
        if (wheelCount > 0) {
            int from = (int) (nextTick & bucketMask);
            int bucket = firstOccupied(from, bucketMask);
            long tick;
            if (bucket >= 0) {
                tick = (nextTick & ~(long) bucketMask) | bucket;
            } else {
                bucket = firstOccupied(0, from - 1);
                tick = ((nextTick & ~(long) bucketMask) + wheelSize) | bucket;
            }
            earliest = Math.min(earliest, tick);
        }
        return earliest;
    }

    private int fireBucket(int bucket, long tick, Expired callback) {
        // Move the bucket aside first: callbacks may file new timers into this same bucket for the
        // next revolution, and those must not fire now.
        int first = next[bucket];
        int last = prev[bucket];
        next[firing] = first;
        prev[first] = firing;
        prev[firing] = last;
        next[last] = firing;
        next[bucket] = bucket;
        prev[bucket] = bucket;
        clearOccupied(bucket);
        int count = 0;
        for (int node = first; node != firing; node = next[node]) {
            state[node - firstSlotNode] = FIRING;
            count++;
        }
        wheelCount -= count;
        firingCount = count;
        firingTick = tick;
        int fired = 0;
        int node;
        while ((node = next[firing]) != firing) {
            unlink(node);
            firingCount--;
            int slot = node - firstSlotNode;
            int handle = (generation[slot] << SLOT_BITS) | slot;
            int timerKind = kind[slot];
            int timerTarget = target[slot];
            release(slot);
            fired++;
            callback.onExpired(handle, timerKind, timerTarget);
        }
        return fired;
    }

    /** After a callback threw: the rest of its batch is still due, so it goes first in line. */
    private void refileUnfired() {
        int node;
        while ((node = next[firing]) != firing) {
            unlink(node);
            fireTick[node - firstSlotNode] = nextTick;
            file(node, nextTick);
        }
        firingCount = 0;
    }

    /** Moves every overflow timer due within the revolution starting at {@code nextTick} into the wheel. */
    private void sweepOverflow() {
        long horizon = nextTick + wheelSize;
        long remainingMin = Long.MAX_VALUE;
        int node = next[overflow];
        while (node != overflow) {
            int following = next[node];
            long tick = fireTick[node - firstSlotNode];
            if (tick < horizon) {
                unlink(node);
                overflowCount--;
                file(node, tick);
            } else if (tick < remainingMin) {
                remainingMin = tick;
            }
            node = following;
        }
        overflowMinTick = remainingMin;
    }

    /** Links a node at the tail of the list its tick belongs to. */
    private void file(int node, long tick) {
        int list;
        if (tick < nextTick + wheelSize) {
            list = (int) (tick & bucketMask);
            setOccupied(list);
            wheelCount++;
            state[node - firstSlotNode] = IN_WHEEL;
        } else {
            list = overflow;
            // The minimum of an emptied list may belong to a timer cancelled long ago.
            if (overflowCount == 0 || tick < overflowMinTick) {
                overflowMinTick = tick;
            }
            overflowCount++;
            state[node - firstSlotNode] = IN_OVERFLOW;
        }
        int tail = prev[list];
        next[tail] = node;
        prev[node] = tail;
        next[node] = list;
        prev[list] = node;
    }

    /** Unlinks a node; a wheel bucket left empty is cleared in the bitmap. */
    private void unlink(int node) {
        int before = prev[node];
        int after = next[node];
        next[before] = after;
        prev[after] = before;
        if (before == after && before < wheelSize) {
            // Only the bucket's sentinel is left.
            clearOccupied(before);
        }
    }

    private int pendingSlot(int handle) {
        if (handle < 0) {
            return -1;
        }
        int slot = handle & SLOT_MASK;
        if (slot >= unusedFrom || generation[slot] != (handle >>> SLOT_BITS) || state[slot] == FREE) {
            return -1;
        }
        return slot;
    }

    private int allocateSlot() {
        int slot;
        if (freeHead != NONE) {
            slot = freeHead;
            freeHead = next[slot + firstSlotNode];
            if (freeHead == NONE) {
                freeTail = NONE;
            }
        } else {
            if (unusedFrom == capacity) {
                grow();
            }
            slot = unusedFrom++;
        }
        return slot;
    }

    /** Returns a slot to the free list; the generation bump makes its old handle stale. */
    private void release(int slot) {
        generation[slot] = (generation[slot] + 1) & GENERATION_MASK;
        state[slot] = FREE;
        size--;
        int node = slot + firstSlotNode;
        next[node] = NONE;
        prev[node] = NONE;
        if (freeTail == NONE) {
            freeHead = slot;
        } else {
            next[freeTail + firstSlotNode] = slot;
        }
        freeTail = slot;
    }

    private void grow() {
        if (capacity == MAX_TIMERS) {
            throw new IllegalStateException("more than " + MAX_TIMERS + " timers pending");
        }
        int grown = (int) Math.min(MAX_TIMERS, capacity * 2L);
        next = Arrays.copyOf(next, firstSlotNode + grown);
        prev = Arrays.copyOf(prev, firstSlotNode + grown);
        fireTick = Arrays.copyOf(fireTick, grown);
        kind = Arrays.copyOf(kind, grown);
        target = Arrays.copyOf(target, grown);
        generation = Arrays.copyOf(generation, grown);
        state = Arrays.copyOf(state, grown);
        capacity = grown;
    }

    private long tickOf(long deadlineNanos) {
        if (deadlineNanos <= startNanos) {
            return 0;
        }
        long offset = deadlineNanos - startNanos;
        if (offset < 0) {
            // Overflowed: the deadline is further away than a long can say; never in practice.
            offset = Long.MAX_VALUE;
        }
        long tick = offset / tickNanos;
        return tick * tickNanos == offset ? tick : tick + 1;
    }

    private long tickStartNanos(long tick) {
        if (tick > Long.MAX_VALUE / tickNanos) {
            return Long.MAX_VALUE;
        }
        long start = startNanos + tick * tickNanos;
        return start < startNanos ? Long.MAX_VALUE : start;
    }

    private void setOccupied(int bucket) {
        occupiedBuckets[bucket >>> 6] |= 1L << bucket;
    }

    private void clearOccupied(int bucket) {
        occupiedBuckets[bucket >>> 6] &= ~(1L << bucket);
    }

    /** The first non-empty bucket in [from, to], or -1. */
    private int firstOccupied(int from, int to) {
        if (from > to) {
            return -1;
        }
        int word = from >>> 6;
        int lastWord = to >>> 6;
        long bits = occupiedBuckets[word] & (-1L << from);
        while (true) {
            if (bits != 0) {
                int bucket = (word << 6) + Long.numberOfTrailingZeros(bits);
                return bucket <= to ? bucket : -1;
            }
            if (++word > lastWord) {
                return -1;
            }
            bits = occupiedBuckets[word];
        }
    }
}
