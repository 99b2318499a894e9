package gameport.server;

import gameport.engine.Engine;
import gameport.game.GameTimings;
import gameport.web.WebSocketGateway;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

/**
 * The server's latency profile, per stage of a packet's path: ring dwell (event written by the
 * engine -> picked up by the game thread), game handling per event, and request -> send completed
 * (SEND written by the game -> the socket took its last byte). Every second it takes each stage's
 * interval and publishes its percentiles ({@link #latest()}, for /metrics and /admin). With
 * {@code --histogram-dir} it also writes one interval log per stage every second ({@code <stage>.hlog}, HistogramLogWriter) and,
 * at shutdown, a percentile distribution per stage ({@code <stage>.hgrm}, in milliseconds) and a
 * summary line per stage in the log and in {@code summary.txt}.
 */
public final class StageHistograms implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("gameport.server");
    private static final long INTERVAL_MS = 1000;
    private static final long MAX_MICROS = 3_600_000_000L;

    /** Where the files go, or null: percentiles only. */
    private final Path dir;
    private volatile List<StageSample> latest = List.of();
    private final Stage[] stages;
    private final Thread thread;
    private volatile boolean running = true;

    /** One stage: where its intervals come from, and what has been written of it. */
    private static final class Stage {
        final String name;
        final String unit;
        /** Recorded values per millisecond, to write .hgrm files in milliseconds. */
        final double perMillisecond;
        /** Returns the values recorded since the last call, reusing the histogram it is given. */
        final UnaryOperator<Histogram> takeInterval;
        final Histogram total;
        PrintStream logStream;
        HistogramLogWriter log;
        Histogram interval;

        Stage(String name, String unit, double perMillisecond, long maxValue, UnaryOperator<Histogram> takeInterval) {
            this.name = name;
            this.unit = unit;
            this.perMillisecond = perMillisecond;
            this.takeInterval = takeInterval;
            this.total = new Histogram(maxValue, 3);
        }
    }

    /**
     * @param dir where to write the histograms, or null to keep only the published percentiles
     * @param gateway the WebSocket transport, whose sends join the engine's in request-to-send; or null
     */
    StageHistograms(Path dir, GameTimings timings, Engine engine, WebSocketGateway gateway) throws IOException {
        this.dir = dir;
        if (dir != null) {
            Files.createDirectories(dir);
        }
        this.stages = new Stage[] {
            new Stage("ring-dwell", "us", 1000.0, MAX_MICROS, timings.ringDwell::getIntervalHistogram),
            new Stage("game-handling", "ns", 1_000_000.0, MAX_MICROS * 1000, timings.handlingNanos::getIntervalHistogram),
            new Stage("request-to-send", "us", 1000.0, MAX_MICROS, recycle -> {
                Histogram h = recycle != null ? recycle : new Histogram(MAX_MICROS, 3);
                h.reset();
                engine.collectSendLatency(h);
                if (gateway != null) {
                    gateway.collectSendLatency(h);
                }
                return h;
            }),
        };
        List<StageSample> none = new ArrayList<>();
        for (Stage s : stages) {
            none.add(new StageSample(s.name, s.unit, 0, 0, 0, 0, 0, 0, 0, 0));
        }
        this.latest = List.copyOf(none); // every stage is named from the start, before its first second
        long start = System.currentTimeMillis();
        for (Stage s : dir == null ? new Stage[0] : stages) {
            s.logStream = new PrintStream(new FileOutputStream(dir.resolve(s.name + ".hlog").toFile()));
            s.log = new HistogramLogWriter(s.logStream);
            s.log.outputComment("gameport server stage " + s.name + ", values in " + s.unit + ", engine " + engine.name());
            s.log.outputLogFormatVersion();
            s.log.outputStartTime(start);
            s.log.setBaseTime(start);
            s.log.outputLegend();
        }
        this.thread = new Thread(this::run, "gameport-histograms");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        while (running) {
            try {
                Thread.sleep(INTERVAL_MS);
            } catch (InterruptedException e) {
                return;
            }
            takeIntervals();
        }
    }

    private synchronized void takeIntervals() {
        long now = System.currentTimeMillis();
        List<StageSample> samples = new ArrayList<>(stages.length);
        for (Stage s : stages) {
            Histogram h = s.takeInterval.apply(s.interval);
            s.interval = h;
            if (h.getStartTimeStamp() == Long.MAX_VALUE || h.getStartTimeStamp() == 0) {
                h.setStartTimeStamp(now - INTERVAL_MS);
                h.setEndTimeStamp(now);
            }
            s.total.add(h);
            if (s.log != null) {
                s.log.outputIntervalHistogram(h);
            }
            samples.add(new StageSample(s.name, s.unit, h.getValueAtPercentile(50), h.getValueAtPercentile(99),
                    h.getMaxValue(), h.getTotalCount(), s.total.getTotalCount(),
                    s.total.getMean() * s.total.getTotalCount() / (s.perMillisecond * 1000.0),
                    s.total.getValueAtPercentile(50), s.total.getValueAtPercentile(99)));
        }
        latest = List.copyOf(samples);
    }

    /** Any thread: each stage's percentiles over the last second and since start. */
    public List<StageSample> latest() {
        return latest;
    }

    /** Takes the last interval (call before the engine closes), writes the .hgrm files, logs a summary. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        takeIntervals();
        if (dir == null) {
            return;
        }
        StringBuilder summary = new StringBuilder();
        for (Stage s : stages) {
            s.logStream.close();
            Path hgrm = dir.resolve(s.name + ".hgrm");
            try (PrintStream out = new PrintStream(new FileOutputStream(hgrm.toFile()))) {
                s.total.outputPercentileDistribution(out, s.perMillisecond);
            } catch (IOException e) {
                LOG.warning("cannot write " + hgrm + ": " + e.getMessage());
            }
            String line = String.format("stage %s (%s): n=%d p50=%d p90=%d p99=%d p99.9=%d max=%d", s.name, s.unit,
                    s.total.getTotalCount(), s.total.getValueAtPercentile(50), s.total.getValueAtPercentile(90),
                    s.total.getValueAtPercentile(99), s.total.getValueAtPercentile(99.9), s.total.getMaxValue());
            summary.append(line).append('\n');
            LOG.info(line);
        }
        // Also a file: at SIGTERM the log may already be shut down by the JVM's own hook.
        try {
            Files.writeString(dir.resolve("summary.txt"), summary);
        } catch (IOException e) {
            LOG.warning("cannot write " + dir.resolve("summary.txt") + ": " + e.getMessage());
        }
        LOG.info("stage histograms written to " + dir);
    }
}
