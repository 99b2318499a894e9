package gameport.plot;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.HdrHistogram.Histogram;

/**
 * Deterministic bot-like delay distributions, recorded into a real HdrHistogram the way
 * {@code gameport bots} records them (microseconds, 3 significant digits) and written the way
 * {@code bots --hgrm} writes them ({@code outputPercentileDistribution(out, 1000.0)}: ms).
 *
 * <p>{@code tests/resources/sample-bots.hgrm} is {@code bots(42, 100_000, 1.2, 1.0)}; to write it
 * again: {@code java -cp target/test-classes:target/classes:$HDR_JAR gameport.plot.SampleHgrm}.
 */
final class SampleHgrm {
    static final Path SAMPLE = Path.of("tests/resources/sample-bots.hgrm");

    private SampleHgrm() {
    }

    /**
     * {@code samples} delays: log-normal around {@code medianMs}, 2% stalls of 5-30 ms and 0.05%
     * of 40-120 ms, the stalls scaled by {@code stallScale}.
     */
    static Histogram bots(long seed, int samples, double medianMs, double stallScale) {
        Random r = new Random(seed);
        Histogram h = new Histogram(3_600_000_000L, 3);
        for (int i = 0; i < samples; i++) {
            double ms = medianMs * Math.exp(0.45 * r.nextGaussian());
            double u = r.nextDouble();
            if (u < 0.0005) {
                ms += stallScale * (40 + 80 * r.nextDouble());
            } else if (u < 0.02) {
                ms += stallScale * (5 + 25 * r.nextDouble() * r.nextDouble());
            }
            h.recordValue(Math.max(1, Math.round(ms * 1000)));
        }
        return h;
    }

    static void write(Histogram h, Path file) throws IOException {
        try (OutputStream o = Files.newOutputStream(file); PrintStream out = new PrintStream(o, false, StandardCharsets.UTF_8)) {
            h.outputPercentileDistribution(out, 1000.0);
        }
    }

    public static void main(String[] args) throws IOException {
        Path file = args.length > 0 ? Path.of(args[0]) : SAMPLE;
        write(bots(42, 100_000, 1.2, 1.0), file);
        System.out.println("wrote " + file + " (" + Files.size(file) + " bytes)");
    }
}
