package gameport.plot;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `gameport plot --csv`: a CSV in, one panel per column out. */
class TimeSeriesPlotTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int plot(String... args) {
        return PercentilePlot.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private static long pixelsOf(BufferedImage img, int rgb) {
        long n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                n += (img.getRGB(x, y) & 0xffffff) == rgb ? 1 : 0;
            }
        }
        return n;
    }

    @Test
    void onePanelPerNumericColumnWithGapsAndAMark() throws Exception {
        Path csv = dir.resolve("soak.csv");
        StringBuilder sb = new StringBuilder("t_s,phase,rss_mb,fds,p99_ms\n");
        for (int t = 10; t <= 300; t += 10) {
            sb.append(t).append(t <= 30 ? ",warmup," : ",measure,").append(400 + t / 10).append(',')
              .append(t == 150 ? "" : String.valueOf(200 + t % 7)).append(',').append(1.5 + (t % 30) / 10.0).append('\n');
        }
        Files.writeString(csv, sb);
        Path png = dir.resolve("soak.png");
        assertEquals(0, plot("--csv", csv.toString(), "-o", png.toString(), "--mark", "30=warm-up end"), err.toString());
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(TimeSeriesPlot.DEFAULT_WIDTH, img.getWidth());
        assertEquals(110 + 3 * TimeSeriesPlot.PANEL_HEIGHT, img.getHeight(), "three numeric columns besides t_s");
        for (int i = 0; i < 3; i++) {
            assertTrue(pixelsOf(img, PercentileChart.color(i).getRGB() & 0xffffff) > 100, "panel " + i + " line");
        }
        assertEquals(0, pixelsOf(img, PercentileChart.color(3).getRGB() & 0xffffff), "a fourth panel");
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("3 panels"), out.toString());

        TimeSeriesPlot.Table t = TimeSeriesPlot.read(csv);
        assertEquals(30, t.rows().size());
        assertTrue(Double.isNaN(t.rows().get(14)[t.column("fds")]), "the empty cell is a gap");
    }

    @Test
    void chosenColumnsAndErrors() throws Exception {
        Path csv = dir.resolve("s.csv");
        Files.writeString(csv, "t_s,a,b\n0,1,2\n10,2,3\n");
        Path png = dir.resolve("s.png");
        assertEquals(0, plot("--csv=" + csv, "--output", png.toString(), "--columns", "b", "--title", "one"), err.toString());
        assertEquals(110 + TimeSeriesPlot.PANEL_HEIGHT, ImageIO.read(png.toFile()).getHeight());
        assertEquals(2, plot("--csv", csv.toString(), "-o", png.toString(), "--columns", "nope"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no column 'nope'"), err.toString());
        assertEquals(1, plot("--csv", dir.resolve("missing.csv").toString(), "-o", png.toString()));
        assertEquals(2, plot("--csv", csv.toString()));
        assertArrayEquals(new double[] {0, 20, 40, 60, 80, 100}, TimeSeriesPlot.ticks(0, 100, 5));
    }
}
