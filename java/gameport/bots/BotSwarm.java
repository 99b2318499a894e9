package gameport.bots;

import gameport.protocol.Protocol;
import java.io.IOException;
import java.io.PrintStream;
import org.HdrHistogram.Histogram;

/**
 * Runs the bots: a few I/O threads share them (never a thread per bot). Warm-up, then the
 * measured phase with a progress line a second, then a drain and the summary.
 */
public final class BotSwarm {
    private static final long DRAIN_MICROS = 3_000_000;

    private final BotConfig config;
    private final PrintStream out;
    private final BotStats stats = new BotStats();
    private final long epochNanos = System.nanoTime();

    public BotSwarm(BotConfig config, PrintStream out) {
        this.config = config;
        this.out = out;
    }

    private long micros() {
        return (System.nanoTime() - epochNanos) / 1000;
    }

    /** Runs to the end and returns the summary. */
    public BotSummary run() throws IOException, InterruptedException {
        int threads = Math.min(config.threads, config.clients);
        BotWorker[] workers = new BotWorker[threads];
        Thread[] running = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            workers[i] = new BotWorker(config, stats, this::micros, i, threads, config.seed * 31 + i);
            running[i] = new Thread(workers[i], "gameport-bots-" + i);
            running[i].start();
        }
        out.printf("bots: %d clients -> %s:%d, %d I/O threads, a move every %d ms, warm-up %d s, measure %d s%n",
                config.clients, config.host, config.port, threads, config.moveIntervalMs, config.warmupS, config.durationS);

        long second = 1_000_000;
        long measureStart = config.warmupS * second;
        long measureEnd = measureStart + config.durationS * second;
        long lastMoves = 0;
        long lastEchoes = 0;
        long movesAtStart = 0;
        long echoesAtStart = 0;
        Histogram interval = null;
        boolean measuring = measureStart == 0;
        if (measuring) {
            out.println("MEASURE start");
        }
        for (long tick = second; tick <= measureEnd; tick += second) {
            sleepUntil(tick);
            interval = stats.delay.getIntervalHistogram(interval);
            if (!measuring && tick > measureStart) {
                measuring = true;
            }
            if (tick == measureStart) {
                // Everything recorded so far was warm-up.
                out.println("MEASURE start");
                movesAtStart = stats.movesSent.get();
                echoesAtStart = stats.echoes.get();
            } else if (measuring) {
                stats.measured.add(interval);
            }
            long moves = stats.movesSent.get();
            long echoes = stats.echoes.get();
            out.printf("t=%ds%s connected=%d loggedIn=%d moves/s=%d echoes/s=%d p50=%.2fms p99=%.2fms max=%.2fms errors=%d%n",
                    tick / second, measuring ? "" : " (warm-up)", stats.connected.get(), stats.loggedIn.get(),
                    moves - lastMoves, echoes - lastEchoes,
                    interval.getValueAtPercentile(50) / 1000.0, interval.getValueAtPercentile(99) / 1000.0,
                    interval.getMaxValue() / 1000.0, stats.errors.get());
            lastMoves = moves;
            lastEchoes = echoes;
        }
        long movesInWindow = stats.movesSent.get() - movesAtStart;
        long echoesInWindow = stats.echoes.get() - echoesAtStart;
        out.println("MEASURE end moves=" + movesInWindow + " echoes=" + echoesInWindow);

        for (BotWorker w : workers) {
            w.sendingMoves = false;
            w.wakeup();
        }
        long drainUntil = micros() + DRAIN_MICROS;
        while (stats.echoes.get() < stats.movesSent.get() && micros() < drainUntil) {
            Thread.sleep(20);
        }
        stats.measured.add(stats.delay.getIntervalHistogram());
        for (int i = 0; i < threads; i++) {
            workers[i].stop = true;
            workers[i].wakeup();
            running[i].join();
        }
        long[] byType = new long[Protocol.SC_STAT_CHANGE + 1];
        for (int t = 0; t < byType.length; t++) {
            byType[t] = stats.packetsByType.get(t);
        }
        return new BotSummary(config, stats.movesSent.get(), stats.echoes.get(), movesInWindow,
                stats.errors.get(), stats.measured, byType);
    }

    private void sleepUntil(long micros) throws InterruptedException {
        long left;
        while ((left = micros - micros()) > 0) {
            Thread.sleep(Math.max(1, left / 1000));
        }
    }
}
