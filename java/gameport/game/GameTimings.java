package gameport.game;

import org.HdrHistogram.Recorder;

/**
 * What the game thread measures about each event: how long it waited in the event ring
 * (microseconds), and how long the game took to handle it (nanoseconds: most events take less
 * than a microsecond). The game thread records; one other thread may take interval histograms.
 */
public final class GameTimings {
    private static final long MAX_MICROS = 3_600_000_000L;

    /** Event written into the ring by the engine -> picked up by the game thread. */
    public final Recorder ringDwell = new Recorder(MAX_MICROS, 3);
    /** Game thread starts handling an event -> done (its packets are in outboxes, not yet flushed). */
    public final Recorder handlingNanos = new Recorder(MAX_MICROS * 1000, 3);

    void recordDwell(long nanos) {
        ringDwell.recordValue(Math.min(Math.max(0, nanos / 1000), MAX_MICROS));
    }

    void recordHandling(long nanos) {
        handlingNanos.recordValue(Math.min(Math.max(0, nanos), MAX_MICROS * 1000));
    }
}
