package gameport.game;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TimerWheelTest {
    private static final long MS = 1_000_000L;
    private static final long TICK = 10 * MS;
    /** An arbitrary, negative clock origin, as System.nanoTime() may have. */
    private static final long START = -5_000_000_000_000L;

    /** Records what fired and when. */
    private static final class Recorder implements TimerWheel.Expired {
        final List<int[]> fired = new ArrayList<>();

        @Override
        public void onExpired(int handle, int kind, int target) {
            fired.add(new int[] {handle, kind, target});
        }

        int count() {
            return fired.size();
        }
    }

    @Test
    void firesInDeadlineOrderAcrossTicksAndNeverEarly() {
        TimerWheel wheel = new TimerWheel(TICK, 256, 16, START);
        SplittableRandom random = new SplittableRandom(1);
        int n = 5_000;
        long[] deadline = new long[n];
        for (int i = 0; i < n; i++) {
            // Up to 20 s: many revolutions of 2.56 s, so the overflow list is exercised too.
            deadline[i] = START + random.nextLong(20_000 * MS);
            wheel.schedule(deadline[i], 7, i);
        }
        long[] now = {START};
        long[] previousNow = {Long.MIN_VALUE};
        long[] lastTick = {Long.MIN_VALUE};
        boolean[] fired = new boolean[n];
        TimerWheel.Expired check = (handle, kind, target) -> {
            long d = deadline[target];
            assertEquals(7, kind);
            assertFalse(fired[target], "fired twice: " + target);
            fired[target] = true;
            assertTrue(d <= now[0], "fired early: " + target);
            // It was not yet due at the previous call (its tick had not begun).
            long tick = Math.floorDiv(d - START + TICK - 1, TICK);
            assertTrue(START + tick * TICK > previousNow[0], "fired late: " + target);
            // Within one call, ticks come in order.
            assertTrue(tick >= lastTick[0], "out of order: " + target);
            lastTick[0] = tick;
        };
        while (wheel.size() > 0) {
            now[0] += 1 + random.nextLong(3 * TICK);
            wheel.expire(now[0], check);
            previousNow[0] = now[0];
        }
        for (int i = 0; i < n; i++) {
            assertTrue(fired[i], "never fired: " + i);
        }
    }

    @Test
    void firesAtMostOneTickLateWhenExpireRunsEveryTick() {
        TimerWheel wheel = new TimerWheel(TICK, 64, 16, START);
        SplittableRandom random = new SplittableRandom(2);
        int n = 2_000;
        long[] deadline = new long[n];
        for (int i = 0; i < n; i++) {
            deadline[i] = START + random.nextLong(10_000 * MS);
            wheel.schedule(deadline[i], 0, i);
        }
        long[] now = {START};
        long[] lastCallNow = {Long.MIN_VALUE};
        int[] fired = {0};
        TimerWheel.Expired check = (handle, kind, target) -> {
            long d = deadline[target];
            assertTrue(d <= now[0], "early");
            assertTrue(now[0] - d < TICK, "more than a tick late: " + (now[0] - d));
            // Order across calls: anything firing now was not yet due at the previous call.
            assertTrue(d > lastCallNow[0], "should have fired at the previous call");
            fired[0]++;
        };
        for (long t = START; fired[0] < n; t += TICK) {
            now[0] = t;
            wheel.expire(t, check);
            lastCallNow[0] = t;
        }
        assertEquals(0, wheel.size());
    }

    @Test
    void cancelledTimersNeverFire() {
        TimerWheel wheel = new TimerWheel(TICK, 128, 16, START);
        SplittableRandom random = new SplittableRandom(3);
        int n = 10_000;
        int[] handles = new int[n];
        boolean[] cancelled = new boolean[n];
        for (int i = 0; i < n; i++) {
            handles[i] = wheel.schedule(START + random.nextLong(5_000 * MS), 1, i);
        }
        int kept = n;
        for (int i = 0; i < n; i += 2) {
            assertTrue(wheel.cancel(handles[i]));
            assertFalse(wheel.cancel(handles[i]), "second cancel of the same handle");
            assertFalse(wheel.isPending(handles[i]));
            cancelled[i] = true;
            kept--;
        }
        assertEquals(kept, wheel.size());
        boolean[] fired = new boolean[n];
        wheel.expire(START + 6_000 * MS, (handle, kind, target) -> {
            assertFalse(cancelled[target], "cancelled timer fired: " + target);
            fired[target] = true;
        });
        for (int i = 0; i < n; i++) {
            assertEquals(!cancelled[i], fired[i], "timer " + i);
        }
        assertEquals(0, wheel.size());
        assertEquals(Long.MAX_VALUE, wheel.nextDeadlineNanos());
    }

    @Test
    void staleHandleDoesNotTouchTheReusedSlot() {
        TimerWheel wheel = new TimerWheel(TICK, 64, 1, START);
        int first = wheel.schedule(START + 100 * MS, 1, 11);
        assertTrue(wheel.cancel(first));
        int second = wheel.schedule(START + 100 * MS, 2, 22);
        // Same slot, new generation.
        assertEquals(first & (TimerWheel.MAX_TIMERS - 1), second & (TimerWheel.MAX_TIMERS - 1));
        assertNotEquals(first, second);
        assertFalse(wheel.cancel(first));
        assertTrue(wheel.isPending(second));
        Recorder recorder = new Recorder();
        wheel.expire(START + 100 * MS, recorder);
        assertEquals(1, recorder.count());
        assertArrayEquals(new int[] {second, 2, 22}, recorder.fired.get(0));
        assertFalse(wheel.cancel(second), "cancel after firing");
        assertFalse(wheel.cancel(TimerWheel.NONE));
        assertFalse(wheel.cancel(12345), "a slot never handed out");
    }

    @Test
    void staleHandleAfterFiringDoesNotCancelTheNextTimerInItsSlot() {
        TimerWheel wheel = new TimerWheel(TICK, 64, 1, START);
        int[] current = {wheel.schedule(START + TICK, 0, 5)};
        int[] stale = {TimerWheel.NONE};
        // Each firing reschedules the same target; the slot is reused each time.
        TimerWheel.Expired again = (handle, kind, target) -> {
            stale[0] = handle;
            current[0] = wheel.schedule(START + 10 * TICK, 0, target);
        };
        assertEquals(1, wheel.expire(START + TICK, again));
        assertFalse(wheel.cancel(stale[0]));
        assertTrue(wheel.isPending(current[0]));
        assertEquals(1, wheel.size());
    }

    @Test
    void longDelaysAcrossManyRevolutions() {
        // 64 ticks of 10 ms: one revolution is 0.64 s, so an hour is more than 5000 of them.
        TimerWheel wheel = new TimerWheel(TICK, 64, 16, START);
        long hour = 3_600_000 * MS;
        long[] deadlines = {START + hour, START + 2 * hour + 5 * MS, START + 640 * MS, START + 629 * MS,
                START + 641 * MS, START + 10 * hour, START + 1_280 * MS};
        for (int i = 0; i < deadlines.length; i++) {
            wheel.schedule(deadlines[i], 0, i);
        }
        long[] sorted = deadlines.clone();
        Arrays.sort(sorted);
        // nextDeadlineNanos lets the loop sleep straight to each timer.
        List<Long> firedDeadlines = new ArrayList<>();
        long now = START;
        int wakeUps = 0;
        while (wheel.size() > 0) {
            long next = wheel.nextDeadlineNanos();
            assertTrue(next > now, "next deadline must move forward");
            now = next;
            wakeUps++;
            long at = now;
            wheel.expire(now, (handle, kind, target) -> {
                assertTrue(deadlines[target] <= at, "early");
                assertTrue(at - deadlines[target] < TICK, "late");
                firedDeadlines.add(deadlines[target]);
            });
            assertTrue(wakeUps < 100, "too many wake-ups");
        }
        assertEquals(sorted.length, firedDeadlines.size());
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(sorted[i], firedDeadlines.get(i));
        }
        assertEquals(Long.MAX_VALUE, wheel.nextDeadlineNanos());
    }

    @Test
    void longDelayScheduledLateInARevolution() {
        TimerWheel wheel = new TimerWheel(TICK, 64, 16, START);
        Recorder recorder = new Recorder();
        // Move the wheel to the middle of a revolution, then schedule just past the window.
        wheel.expire(START + 37 * TICK, recorder);
        long deadline = START + (37 + 64 + 3) * TICK;
        wheel.schedule(deadline, 0, 1);
        assertEquals(deadline, wheel.nextDeadlineNanos());
        assertEquals(0, wheel.expire(deadline - 1, recorder));
        assertEquals(1, wheel.expire(deadline, recorder));
    }

    @Test
    void manyTimers() {
        int n = 300_000;
        TimerWheel wheel = new TimerWheel(TICK, 4096, 1024, START);
        SplittableRandom random = new SplittableRandom(4);
        long[] deadline = new long[n];
        for (int i = 0; i < n; i++) {
            // Mostly within a revolution (41 s), some beyond.
            deadline[i] = START + random.nextLong(60_000 * MS);
            wheel.schedule(deadline[i], i & 3, i);
        }
        assertEquals(n, wheel.size());
        boolean[] fired = new boolean[n];
        long[] now = {START};
        int[] count = {0};
        TimerWheel.Expired check = (handle, kind, target) -> {
            assertEquals(target & 3, kind);
            assertFalse(fired[target]);
            assertTrue(deadline[target] <= now[0]);
            assertTrue(now[0] - deadline[target] < TICK + 50 * MS);
            fired[target] = true;
            count[0]++;
        };
        long begin = System.nanoTime();
        while (wheel.size() > 0) {
            now[0] += 50 * MS;
            wheel.expire(now[0], check);
        }
        long took = System.nanoTime() - begin;
        assertEquals(n, count[0]);
        System.out.printf("TimerWheelTest: %d timers fired in %.1f ms%n", n, took / 1e6);
    }

    @Test
    void rescheduleFromInsideTheCallback() {
        TimerWheel wheel = new TimerWheel(TICK, 64, 4, START);
        int npcs = 100;
        int[] handle = new int[npcs];
        int[] acts = new int[npcs];
        for (int i = 0; i < npcs; i++) {
            handle[i] = wheel.schedule(START + 1_000 * MS, 0, i);
        }
        long[] now = {START};
        TimerWheel.Expired act = (fired, kind, npc) -> {
            assertEquals(handle[npc], fired);
            acts[npc]++;
            // Act once a second; NPC 0 also cancels NPC 1 (due in this very batch) once.
            handle[npc] = wheel.schedule(now[0] + 1_000 * MS, 0, npc);
            if (npc == 0 && acts[0] == 3) {
                assertEquals(2, acts[1], "npc 1 is still due in this batch");
                assertTrue(wheel.cancel(handle[1]));
                handle[1] = TimerWheel.NONE;
            }
        };
        for (int second = 1; second <= 5; second++) {
            now[0] = START + second * 1_000 * MS;
            wheel.expire(now[0], act);
        }
        assertEquals(5, acts[0]);
        assertEquals(2, acts[1]);
        for (int i = 2; i < npcs; i++) {
            assertEquals(5, acts[i], "npc " + i);
        }
        assertEquals(npcs - 1, wheel.size());
    }

    @Test
    void deadlineAlreadyPassedFromCallbackFiresOnALaterTickNotForever() {
        TimerWheel wheel = new TimerWheel(TICK, 64, 4, START);
        wheel.schedule(START, 0, 0);
        int[] fired = {0};
        long now = START + 5 * TICK;
        TimerWheel.Expired loop = (handle, kind, target) -> {
            fired[0]++;
            wheel.schedule(Long.MIN_VALUE, 0, 0);
        };
        // Ticks 0..5 have begun: the timer fires once in each, then waits for the next tick.
        assertEquals(6, wheel.expire(now, loop));
        assertEquals(START + 6 * TICK, wheel.nextDeadlineNanos());
    }

    @Test
    void nextDeadlineNanos() {
        TimerWheel wheel = new TimerWheel(TICK, 64, 4, START);
        assertEquals(Long.MAX_VALUE, wheel.nextDeadlineNanos());
        int late = wheel.schedule(START + 500 * MS, 0, 1);
        assertEquals(START + 500 * MS, wheel.nextDeadlineNanos());
        // A deadline inside a tick is reported as the start of the next tick: never early.
        int early = wheel.schedule(START + 95 * MS, 0, 2);
        assertEquals(START + 100 * MS, wheel.nextDeadlineNanos());
        int far = wheel.schedule(START + 10_000 * MS, 0, 3);
        assertEquals(START + 100 * MS, wheel.nextDeadlineNanos());
        assertTrue(wheel.cancel(early));
        assertEquals(START + 500 * MS, wheel.nextDeadlineNanos());
        assertTrue(wheel.cancel(late));
        assertEquals(START + 10_000 * MS, wheel.nextDeadlineNanos());
        Recorder recorder = new Recorder();
        assertEquals(0, wheel.expire(START + 9_999 * MS, recorder));
        assertEquals(START + 10_000 * MS, wheel.nextDeadlineNanos());
        assertEquals(1, wheel.expire(START + 10_000 * MS, recorder));
        assertEquals(Long.MAX_VALUE, wheel.nextDeadlineNanos());
        assertFalse(wheel.isPending(far));
    }

    @Test
    void nextDeadlineAfterCancellingTheEarliestFarTimerIsNeverLate() {
        TimerWheel wheel = new TimerWheel(TICK, 64, 4, START);
        int first = wheel.schedule(START + 5_000 * MS, 0, 1);
        wheel.schedule(START + 7_000 * MS, 0, 2);
        assertTrue(wheel.cancel(first));
        long next = wheel.nextDeadlineNanos();
        assertTrue(next <= START + 7_000 * MS);
        Recorder recorder = new Recorder();
        // Following the answers reaches the remaining timer in a few wake-ups, none of them late.
        for (int i = 0; i < 3 && recorder.count() == 0; i++) {
            wheel.expire(wheel.nextDeadlineNanos(), recorder);
        }
        assertEquals(1, recorder.count());
        assertEquals(2, recorder.fired.get(0)[2]);
    }

    @Test
    void callbackThatThrowsLeavesTheRestOfItsBatchDue() {
        TimerWheel wheel = new TimerWheel(TICK, 64, 4, START);
        for (int i = 0; i < 3; i++) {
            wheel.schedule(START + TICK, 0, i);
        }
        assertThrows(IllegalStateException.class, () -> wheel.expire(START + TICK, (h, k, target) -> {
            throw new IllegalStateException("boom");
        }));
        assertEquals(2, wheel.size());
        Recorder recorder = new Recorder();
        assertEquals(2, wheel.expire(START + 2 * TICK, recorder));
        assertEquals(0, wheel.size());
    }

    /**
     * Random schedules, cancels and expiries, some made from inside callbacks, against a plain
     * model: each live timer fires exactly once, in the first expire call that reaches the start of
     * the tick its deadline rounds up to, and nextDeadlineNanos is never after that.
     */
    @Test
    void agreesWithASimpleModelUnderRandomOperations() {
        for (long seed = 0; seed < 10; seed++) {
            runRandomOperations(seed);
        }
    }

    private static void runRandomOperations(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        TimerWheel wheel = new TimerWheel(TICK, 64, 2, START);
        int max = 5_000;
        long[] deadline = new long[max];
        int[] handle = new int[max];
        boolean[] live = new boolean[max];
        int[] created = {0};
        long[] now = {START};
        long[] previousNow = {Long.MIN_VALUE};
        // Mostly within a revolution (640 ms), some a few revolutions out, a few far off.
        java.util.function.LongSupplier delay = () -> switch (random.nextInt(10)) {
            case 0 -> random.nextLong(1, 600_000 * MS);
            case 1, 2 -> random.nextLong(1, 3_000 * MS);
            default -> random.nextLong(1, 640 * MS);
        };
        Runnable scheduleOne = () -> {
            int id = created[0]++;
            deadline[id] = now[0] + delay.getAsLong();
            handle[id] = wheel.schedule(deadline[id], 0, id);
            live[id] = true;
        };
        Runnable cancelOne = () -> {
            int id = random.nextInt(created[0]);
            assertEquals(live[id], wheel.cancel(handle[id]), "cancel of " + id);
            live[id] = false;
        };
        TimerWheel.Expired check = (h, kind, id) -> {
            assertTrue(live[id], "dead timer fired: " + id);
            assertEquals(handle[id], h);
            live[id] = false;
            long due = startOfTick(deadline[id]);
            assertTrue(due <= now[0], "early: " + id);
            assertTrue(due > previousNow[0], "late: " + id);
            if (created[0] < max - 2 && random.nextInt(4) == 0) {
                scheduleOne.run();
            }
            if (created[0] > 0 && random.nextInt(8) == 0) {
                cancelOne.run();
            }
        };
        while (created[0] < max - 100) {
            int op = random.nextInt(10);
            if (op < 5) {
                scheduleOne.run();
            } else if (op < 7) {
                if (created[0] > 0) {
                    cancelOne.run();
                }
            } else {
                long next = wheel.nextDeadlineNanos();
                long soonestDue = Long.MAX_VALUE;
                for (int id = 0; id < created[0]; id++) {
                    if (live[id]) {
                        soonestDue = Math.min(soonestDue, startOfTick(deadline[id]));
                    }
                }
                assertTrue(next <= soonestDue, "next deadline after the soonest timer");
                assertTrue(next > now[0], "next deadline already passed");
                now[0] = random.nextBoolean() && next != Long.MAX_VALUE
                        ? next
                        : now[0] + random.nextLong(1, 200 * MS);
                wheel.expire(now[0], check);
                previousNow[0] = now[0];
            }
            if (random.nextInt(50) == 0) {
                int pending = 0;
                for (int id = 0; id < created[0]; id++) {
                    pending += live[id] ? 1 : 0;
                }
                assertEquals(pending, wheel.size());
            }
        }
        now[0] += 700_000 * MS;
        wheel.expire(now[0], (h, kind, id) -> live[id] = false);
        for (int id = 0; id < created[0]; id++) {
            assertFalse(live[id], "never fired: " + id);
        }
        assertEquals(0, wheel.size());
    }

    private static long startOfTick(long deadline) {
        return START + Math.floorDiv(deadline - START + TICK - 1, TICK) * TICK;
    }

    @Test
    void expireFromACallbackIsRefused() {
        TimerWheel wheel = new TimerWheel(TICK, 64, 4, START);
        wheel.schedule(START, 0, 0);
        Recorder inner = new Recorder();
        assertThrows(IllegalStateException.class,
                () -> wheel.expire(START, (h, k, t) -> wheel.expire(START, inner)));
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new TimerWheel(0, 64, 4, START));
        assertThrows(IllegalArgumentException.class, () -> new TimerWheel(TICK, 100, 4, START));
        assertThrows(IllegalArgumentException.class, () -> new TimerWheel(TICK, 32, 4, START));
    }
}
