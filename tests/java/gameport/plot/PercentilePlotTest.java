package gameport.plot;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `gameport plot` as a user meets it: files in, a PNG (or an error and an exit code) out. */
class PercentilePlotTest {
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A};

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int plot(String... args) {
        return PercentilePlot.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** A second series from real HdrHistogram code: faster than the sample, shorter stalls. */
    private Path second() throws IOException {
        Path f = dir.resolve("native.hgrm");
        SampleHgrm.write(SampleHgrm.bots(7, 50_000, 0.8, 0.4), f);
        return f;
    }

    private static long pixelsOf(BufferedImage img, Color c) {
        long n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                n += (img.getRGB(x, y) & 0xffffff) == (c.getRGB() & 0xffffff) ? 1 : 0;
            }
        }
        return n;
    }

    private BufferedImage assertPng(Path png, int width, int height) throws IOException {
        byte[] bytes = Files.readAllBytes(png);
        assertArrayEquals(PNG_MAGIC, Arrays.copyOf(bytes, 8), "PNG magic bytes");
        assertTrue(bytes.length > 5 * 1024 && bytes.length < 2 * 1024 * 1024, "PNG size " + bytes.length);
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "ImageIO cannot read " + png);
        assertEquals(width, img.getWidth());
        assertEquals(height, img.getHeight());
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                colours.add(img.getRGB(x, y) & 0xffffff);
            }
        }
        assertTrue(colours.size() > 20, "only " + colours.size() + " colours: blank chart?");
        return img;
    }

    @Test
    void sampleAndSecondSeriesMakeOnePngWithBothLines() throws IOException {
        Path png = dir.resolve("chart.png");
        int rc = plot("-o", png.toString(), "--title", "5000 bots, move round trip", "--width", "1000", "--height", "600",
                "--label", "java=" + SampleHgrm.SAMPLE, "--label", "native=" + second());
        assertEquals(0, rc, stderr());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("wrote " + png), out.toString(StandardCharsets.UTF_8));
        BufferedImage img = assertPng(png, 1000, 600);
        assertTrue(pixelsOf(img, PercentileChart.color(0)) > 200, "first series colour missing");
        assertTrue(pixelsOf(img, PercentileChart.color(1)) > 200, "second series colour missing");
        assertEquals(0, pixelsOf(img, PercentileChart.color(2)), "a third series colour with two series");
    }

    @Test
    void positionalFilesLogYAndDefaultSize() throws IOException {
        Path png = dir.resolve("log.png");
        assertEquals(0, plot(SampleHgrm.SAMPLE.toString(), second().toString(), "--log-y", "--output=" + png), stderr());
        BufferedImage img = assertPng(png, PercentilePlot.DEFAULT_WIDTH, PercentilePlot.DEFAULT_HEIGHT);
        assertTrue(pixelsOf(img, PercentileChart.color(0)) > 200);
        assertTrue(pixelsOf(img, PercentileChart.color(1)) > 200);
    }

    @Test
    void labelsDefaultToTheFileNameWithoutExtension() throws Exception {
        PercentilePlot.Config c = PercentilePlot.parseArgs(new String[] {
            "-o", "x.png", "a/bots.hgrm", "--label", "native=b/bots.hgrm", "c/run.1.hgrm", "--", "--odd.hgrm"});
        assertEquals(List.of("bots", "native", "run.1", "--odd"), c.inputs().stream().map(PercentilePlot.Input::label).toList());
        c = PercentilePlot.parseArgs(new String[] {"-o", "x.png", "a/bots.hgrm", "b/bots.hgrm"});
        assertEquals(List.of("a/bots", "b/bots"), c.inputs().stream().map(PercentilePlot.Input::label).toList());
    }

    @Test
    void parsesTheSample() throws Exception {
        HgrmFile h = HgrmFile.parse(SampleHgrm.SAMPLE);
        assertTrue(h.rows.size() > 10, "rows: " + h.rows.size());
        for (int i = 1; i < h.rows.size(); i++) {
            assertTrue(h.rows.get(i).percentile() > h.rows.get(i - 1).percentile(), "row " + i);
            assertTrue(h.rows.get(i).value() >= h.rows.get(i - 1).value(), "row " + i);
        }
        HgrmFile.Row first = h.rows.get(0);
        HgrmFile.Row last = h.rows.get(h.rows.size() - 1);
        assertEquals(0.0, first.percentile());
        assertEquals(1.0, last.percentile(), "the last row (no 1/(1-p) column) is read");
        assertEquals(100_000, last.totalCount());
        assertEquals(100_000, h.totalCount);
        assertEquals(last.value(), h.max, 1e-9);
        // Values are milliseconds: the sample's median is about 1.2 ms.
        assertEquals(1.2, h.valueAt(0.5), 0.1);
        // The maximum sits at 1/(1-p) = totalCount (one sample in n), past every other row.
        double[] x = PercentileChart.nines(h);
        assertEquals(0.0, x[0]);
        assertTrue(x[x.length - 1] >= x[x.length - 2] && x[x.length - 1] >= 5.0, Arrays.toString(x));
    }

    @Test
    void readsTheCAndCsvVariants() throws Exception {
        String c = "       Value     Percentile TotalCount 1/(1-Percentile)\n\n"
                + "       1.000 0.000000000000          1           1.00\n"
                + "       2.000 0.500000000000          2           2.00\n"
                + "       3.000 1.000000000000          3            inf\n"
                + "#[Mean    =        2.000, StdDeviation   =        0.816]\n"
                + "#[Max     =        3.000, Total count    =            3]\n";
        HgrmFile h = HgrmFile.parse("c.hgrm", new StringReader(c));
        assertEquals(3, h.rows.size());
        assertEquals(3.0, h.max);
        String csv = "\"Value\",\"Percentile\",\"TotalCount\",\"1/(1-Percentile)\"\n"
                + "1.000,0.000000000000,1,1.00\n3.000,1.000000000000,3,Infinity\n";
        h = HgrmFile.parse("csv.hgrm", new StringReader(csv));
        assertEquals(List.of(1.0, 3.0), h.rows.stream().map(HgrmFile.Row::value).toList());
        assertEquals(3, h.totalCount);
        assertEquals("0%", PercentileChart.ninesLabel(0));
        assertEquals("90%", PercentileChart.ninesLabel(1));
        assertEquals("99.999%", PercentileChart.ninesLabel(5));
    }

    @Test
    void garbageIsRejectedNamingTheFileAndLine() throws IOException {
        Path bad = dir.resolve("garbage.hgrm");
        Files.writeString(bad, "       Value     Percentile TotalCount 1/(1-Percentile)\n\n"
                + "       0.166 0.000000000000          1           1.00\n"
                + "       0.677 0.100000000000      lots           1.11\n");
        HgrmFile.FormatException e = assertThrows(HgrmFile.FormatException.class, () -> HgrmFile.parse(bad));
        assertTrue(e.getMessage().startsWith(bad + ":4: "), e.getMessage());
        assertTrue(e.getMessage().contains("lots"), e.getMessage());

        Path png = dir.resolve("never.png");
        assertEquals(1, plot("-o", png.toString(), SampleHgrm.SAMPLE.toString(), bad.toString()));
        assertTrue(stderr().contains(bad + ":4:"), stderr());
        assertFalse(Files.exists(png));

        Path notHgrm = dir.resolve("notes.txt");
        Files.writeString(notHgrm, "hello\n");
        e = assertThrows(HgrmFile.FormatException.class, () -> HgrmFile.parse(notHgrm));
        assertTrue(e.getMessage().startsWith(notHgrm + ":1: "), e.getMessage());

        Path empty = dir.resolve("empty.hgrm");
        Files.writeString(empty, "       Value     Percentile TotalCount 1/(1-Percentile)\n\n#[Mean = 0]\n");
        e = assertThrows(HgrmFile.FormatException.class, () -> HgrmFile.parse(empty));
        assertTrue(e.getMessage().startsWith(empty + ": no percentile rows"), e.getMessage());

        Path binary = dir.resolve("binary.hgrm");
        Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2, (byte) 0xc3});
        e = assertThrows(HgrmFile.FormatException.class, () -> HgrmFile.parse(binary));
        assertTrue(e.getMessage().startsWith(binary.toString()), e.getMessage());
    }

    @Test
    void anEmptyHistogramIsLeftOutWithAWarning() throws IOException {
        Path empty = dir.resolve("idle-stage.hgrm");
        SampleHgrm.write(new Histogram(3), empty);
        Path png = dir.resolve("chart.png");
        assertEquals(0, plot("-o", png.toString(), empty.toString(), SampleHgrm.SAMPLE.toString()), stderr());
        assertTrue(stderr().contains(empty + " holds no samples"), stderr());
        assertPng(png, PercentilePlot.DEFAULT_WIDTH, PercentilePlot.DEFAULT_HEIGHT);
        assertEquals(1, plot("-o", dir.resolve("none.png").toString(), empty.toString()));
        assertTrue(stderr().contains("nothing to draw"), stderr());
    }

    @Test
    void unreadableInputExitsWith1() {
        Path missing = dir.resolve("missing.hgrm");
        assertEquals(1, plot("-o", dir.resolve("x.png").toString(), missing.toString()));
        assertTrue(stderr().contains("cannot read " + missing), stderr());
    }

    @Test
    void usageErrorsExitWith2() {
        String png = dir.resolve("x.png").toString();
        String sample = SampleHgrm.SAMPLE.toString();
        assertEquals(2, plot());
        assertEquals(2, plot(sample), "no -o");
        assertTrue(stderr().contains("--output"), stderr());
        assertEquals(2, plot("-o", png), "no input");
        assertEquals(2, plot("-o", png, "--width", "wide", sample));
        assertEquals(2, plot("-o", png, "--height", "10", sample));
        assertEquals(2, plot("-o", png, "--label", "no-equals-sign", sample));
        assertEquals(2, plot("-o", png, "--colour", "red", sample));
        assertEquals(2, plot(sample, "-o"));
        assertEquals(2, plot("-o", sample, sample), "output overwriting an input");
        assertFalse(Files.exists(Path.of(png)));
    }

    @Test
    void helpExitsWith0() {
        assertEquals(0, plot("--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        assertTrue(help.contains("--output") && help.contains("--label NAME=FILE") && help.contains("--log-y"), help);
    }
}
