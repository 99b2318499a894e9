package gameport.bots;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/** Counters and the delay histogram, shared by the swarm's I/O threads. */
final class BotStats {
    /** Microseconds, up to an hour, 3 significant digits. */
    final Recorder delay = new Recorder(3_600_000_000L, 3);
    final AtomicLong connected = new AtomicLong();
    final AtomicLong loggedIn = new AtomicLong();
    final AtomicLong movesSent = new AtomicLong();
    final AtomicLong echoes = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final AtomicLongArray packetsByType = new AtomicLongArray(256);

    /** Accumulates every interval taken from {@link #delay} since the measured phase began. */
    final Histogram measured = new Histogram(3_600_000_000L, 3);
}
