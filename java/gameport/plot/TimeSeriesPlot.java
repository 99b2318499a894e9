package gameport.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code gameport plot --csv FILE}: a time series chart of a CSV file (as tools/soak writes), one
 * panel per column stacked over one shared x axis (the first column, or {@code --x NAME}), so
 * columns in different units (MB, counts, ms) each get their own y scale. A cell that is empty or
 * not a number is a gap in its line. {@code --mark X=TEXT} draws a dashed vertical line (e.g. the
 * end of the warm-up) across every panel.
 *
 * <p>Exit codes as for the percentile chart: 0 written, 1 the input could not be read or holds no
 * rows, 2 a usage error.
 */
final class TimeSeriesPlot {
    static final int DEFAULT_WIDTH = 1200;
    static final int PANEL_HEIGHT = 170;

    private TimeSeriesPlot() {
    }

    /** A parsed command line. */
    record Config(Path csv, Path output, String title, String x, List<String> columns, List<Mark> marks, int width,
                  int height) {
    }

    /** A vertical line at x, labelled. */
    record Mark(double x, String label) {
    }

    /** The CSV: its column names and its rows (NaN where a cell is empty or not a number). */
    record Table(List<String> names, List<double[]> rows) {
        int column(String name) {
            return names.indexOf(name);
        }
    }

    static boolean wants(String[] args) {
        for (String a : args) {
            if (a.equals("--csv") || a.startsWith("--csv=")) {
                return true;
            }
        }
        return false;
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Config c;
        try {
            c = parseArgs(args);
        } catch (PercentilePlot.UsageException e) {
            err.println("gameport plot: " + e.getMessage());
            err.println("try 'java -jar gameport.jar plot --help'");
            return 2;
        }
        if (c == null) {
            out.print(PercentilePlot.help());
            return 0;
        }
        Table t;
        try {
            t = read(c.csv());
        } catch (NoSuchFileException e) {
            err.println("gameport plot: cannot read " + c.csv() + ": no such file");
            return 1;
        } catch (IOException e) {
            err.println("gameport plot: cannot read " + c.csv() + ": " + e.getMessage());
            return 1;
        }
        if (t.rows().isEmpty()) {
            err.println("gameport plot: " + c.csv() + " holds no rows");
            return 1;
        }
        String x = c.x() != null ? c.x() : t.names().get(0);
        if (t.column(x) < 0) {
            err.println("gameport plot: " + c.csv() + " has no column '" + x + "' (it has " + t.names() + ")");
            return 2;
        }
        List<String> columns = new ArrayList<>();
        if (c.columns().isEmpty()) {
            for (String n : t.names()) {
                if (!n.equals(x) && hasNumbers(t, t.column(n))) {
                    columns.add(n);
                }
            }
        } else {
            for (String n : c.columns()) {
                if (t.column(n) < 0) {
                    err.println("gameport plot: " + c.csv() + " has no column '" + n + "' (it has " + t.names() + ")");
                    return 2;
                }
                columns.add(n);
            }
        }
        if (columns.isEmpty()) {
            err.println("gameport plot: nothing to draw: no numeric column besides " + x);
            return 1;
        }
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        int height = c.height() > 0 ? c.height() : Math.min(PercentilePlot.MAX_SIZE, 110 + PANEL_HEIGHT * columns.size());
        BufferedImage img;
        try {
            img = render(t, x, columns, c.marks(), c.title(), c.width(), height);
        } catch (RuntimeException | LinkageError | InternalError e) {
            err.println("gameport plot: cannot draw the chart: " + e
                    + " (Java2D needs fontconfig and at least one font, e.g. apt-get install fontconfig fonts-dejavu-core)");
            return 1;
        }
        if (!PercentilePlot.writePng(img, c.output(), err)) {
            return 1;
        }
        out.println("wrote " + c.output() + " (" + c.width() + "x" + height + ", " + columns.size() + " panels)");
        return 0;
    }

    /** The command line as a {@link Config}, or null when it asks for --help. */
    static Config parseArgs(String[] args) throws PercentilePlot.UsageException {
        Path csv = null;
        Path output = null;
        String title = null;
        String x = null;
        List<String> columns = new ArrayList<>();
        List<Mark> marks = new ArrayList<>();
        int width = DEFAULT_WIDTH;
        int height = 0;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String name = a;
            String v = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                v = a.substring(eq + 1);
            }
            if (name.equals("-h") || name.equals("--help")) {
                return null;
            }
            if (!List.of("--csv", "-o", "--output", "--title", "--x", "--columns", "--mark", "--width", "--height")
                    .contains(name)) {
                throw new PercentilePlot.UsageException("unknown flag or argument " + a + " (with --csv)");
            }
            if (v == null) {
                if (i + 1 >= args.length) {
                    throw new PercentilePlot.UsageException(name + " needs a value");
                }
                v = args[++i];
            }
            switch (name) {
                case "--csv" -> csv = Path.of(v);
                case "-o", "--output" -> output = Path.of(v);
                case "--title" -> title = v;
                case "--x" -> x = v;
                case "--columns" -> columns.addAll(Arrays.asList(v.split(",")));
                case "--mark" -> marks.add(mark(v));
                case "--width" -> width = size("--width", v);
                default -> height = size("--height", v);
            }
        }
        if (csv == null || output == null) {
            throw new PercentilePlot.UsageException("--csv FILE and -o CHART.png are both required");
        }
        columns.removeIf(String::isBlank);
        return new Config(csv, output, title != null ? title : csv.getFileName().toString(), x, columns, marks, width,
                height);
    }

    private static Mark mark(String v) throws PercentilePlot.UsageException {
        int eq = v.indexOf('=');
        try {
            return new Mark(Double.parseDouble(eq < 0 ? v : v.substring(0, eq)), eq < 0 ? "" : v.substring(eq + 1));
        } catch (NumberFormatException e) {
            throw new PercentilePlot.UsageException("--mark wants X=TEXT with a number X, got '" + v + "'");
        }
    }

    private static int size(String flag, String v) throws PercentilePlot.UsageException {
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= PercentilePlot.MIN_SIZE && n <= PercentilePlot.MAX_SIZE) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new PercentilePlot.UsageException(flag + " must be a whole number from " + PercentilePlot.MIN_SIZE
                + " to " + PercentilePlot.MAX_SIZE + ", got '" + v + "'");
    }

    /** Reads a CSV with a header line; no quoting beyond stripping quotes around a cell. */
    static Table read(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        List<String> names = new ArrayList<>();
        List<double[]> rows = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] cells = line.split(",", -1);
            if (names.isEmpty()) {
                for (String cell : cells) {
                    names.add(unquote(cell));
                }
                continue;
            }
            double[] row = new double[names.size()];
            Arrays.fill(row, Double.NaN);
            for (int i = 0; i < Math.min(cells.length, row.length); i++) {
                try {
                    row[i] = Double.parseDouble(unquote(cells[i]));
                } catch (NumberFormatException e) {
                    // a gap
                }
            }
            rows.add(row);
        }
        return new Table(names, rows);
    }

    private static String unquote(String cell) {
        String s = cell.trim();
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }

    private static boolean hasNumbers(Table t, int column) {
        for (double[] r : t.rows()) {
            if (!Double.isNaN(r[column])) {
                return true;
            }
        }
        return false;
    }

    static BufferedImage render(Table t, String xName, List<String> columns, List<Mark> marks, String title, int width,
                                int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 20);
            Font labelFont = new Font(Font.SANS_SERIF, Font.BOLD, 13);
            Font tickFont = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
            FontMetrics tm = g.getFontMetrics(tickFont);
            int xi = t.column(xName);
            double xMin = Double.POSITIVE_INFINITY;
            double xMax = Double.NEGATIVE_INFINITY;
            for (double[] r : t.rows()) {
                if (!Double.isNaN(r[xi])) {
                    xMin = Math.min(xMin, r[xi]);
                    xMax = Math.max(xMax, r[xi]);
                }
            }
            if (!(xMax > xMin)) {
                xMax = xMin + 1;
            }
            int left = 90;
            int right = 220;
            int top = 50;
            int bottom = 50;
            int gap = 14;
            int n = columns.size();
            int panelHeight = Math.max(40, (height - top - bottom - gap * (n - 1)) / n);
            g.setFont(titleFont);
            g.setColor(new Color(0x222222));
            g.drawString(title, (width - g.getFontMetrics().stringWidth(title)) / 2, 30);
            double[] xTicks = ticks(xMin, xMax, Math.max(3, (width - left - right) / 110));
            for (int p = 0; p < n; p++) {
                int ci = t.column(columns.get(p));
                Rectangle r = new Rectangle(left, top + p * (panelHeight + gap), width - left - right, panelHeight);
                double lo = Double.POSITIVE_INFINITY;
                double hi = Double.NEGATIVE_INFINITY;
                double last = Double.NaN;
                for (double[] row : t.rows()) {
                    if (!Double.isNaN(row[ci])) {
                        lo = Math.min(lo, row[ci]);
                        hi = Math.max(hi, row[ci]);
                        last = row[ci];
                    }
                }
                boolean empty = Double.isInfinite(lo);
                if (empty) {
                    lo = 0;
                    hi = 1;
                }
                // From 0 when the values are all positive and 0 is not far off; else around the data.
                double yLo = lo >= 0 && lo <= hi * 0.5 ? 0 : lo - (hi - lo) * 0.1;
                double yHi = hi + (hi - yLo) * 0.1;
                if (!(yHi > yLo)) {
                    yLo = lo == 0 ? 0 : lo * 0.9;
                    yHi = hi == 0 ? 1 : hi * 1.1;
                    if (yHi < yLo) {
                        double s = yLo;
                        yLo = yHi;
                        yHi = s;
                    }
                }
                double[] yTicks = ticks(yLo, yHi, Math.max(3, panelHeight / 40));
                g.setStroke(new BasicStroke(1));
                g.setFont(tickFont);
                for (double v : yTicks) {
                    if (v < yLo || v > yHi) {
                        continue;
                    }
                    double y = r.y + r.height - r.height * (v - yLo) / (yHi - yLo);
                    g.setColor(new Color(0xe3e3e3));
                    g.draw(new Line2D.Double(r.x, y, r.x + r.width, y));
                    g.setColor(new Color(0x222222));
                    String l = number(v);
                    g.drawString(l, r.x - 6 - tm.stringWidth(l), (float) (y + tm.getAscent() / 2.0 - 1));
                }
                for (double v : xTicks) {
                    if (v < xMin || v > xMax) {
                        continue;
                    }
                    double x = r.x + r.width * (v - xMin) / (xMax - xMin);
                    g.setColor(new Color(0xeeeeee));
                    g.draw(new Line2D.Double(x, r.y, x, r.y + r.height));
                }
                g.setColor(new Color(0x555555));
                g.draw(r);
                Color c = PercentileChart.color(p);
                g.setColor(c);
                g.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                Path2D.Double path = new Path2D.Double();
                boolean pen = false;
                for (double[] row : t.rows()) {
                    if (Double.isNaN(row[ci]) || Double.isNaN(row[xi])) {
                        pen = false;
                        continue;
                    }
                    double x = r.x + r.width * (row[xi] - xMin) / (xMax - xMin);
                    double y = r.y + r.height - r.height * (row[ci] - yLo) / (yHi - yLo);
                    if (pen) {
                        path.lineTo(x, y);
                    } else {
                        path.moveTo(x, y);
                        path.lineTo(x, y); // a lone point still shows
                        pen = true;
                    }
                }
                g.draw(path);
                // The column's name, then min / max / last, to the right of its panel.
                g.setFont(labelFont);
                g.drawString(columns.get(p), r.x + r.width + 12, r.y + 16);
                g.setFont(tickFont);
                g.setColor(new Color(0x444444));
                if (!empty) {
                    g.drawString("min " + number(lo), r.x + r.width + 12, r.y + 36);
                    g.drawString("max " + number(hi), r.x + r.width + 12, r.y + 52);
                    g.drawString("last " + number(last), r.x + r.width + 12, r.y + 68);
                } else {
                    g.drawString("no values", r.x + r.width + 12, r.y + 36);
                }
                g.setStroke(new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10, new float[] {6, 4}, 0));
                g.setColor(new Color(0x888888));
                for (Mark m : marks) {
                    if (m.x() >= xMin && m.x() <= xMax) {
                        double x = r.x + r.width * (m.x() - xMin) / (xMax - xMin);
                        g.draw(new Line2D.Double(x, r.y, x, r.y + r.height));
                        if (p == 0 && !m.label().isEmpty()) {
                            g.drawString(m.label(), (float) x + 4, r.y + tm.getAscent() + 2);
                        }
                    }
                }
            }
            // The shared x axis under the last panel.
            int axisY = top + n * (panelHeight + gap) - gap;
            g.setFont(tickFont);
            g.setColor(new Color(0x222222));
            for (double v : xTicks) {
                if (v < xMin || v > xMax) {
                    continue;
                }
                int x = (int) Math.round(left + (width - left - right) * (v - xMin) / (xMax - xMin));
                String l = number(v);
                g.drawLine(x, axisY, x, axisY + 5);
                g.drawString(l, x - tm.stringWidth(l) / 2, axisY + 7 + tm.getAscent());
            }
            g.setFont(labelFont);
            g.drawString(xName, left + (width - left - right - g.getFontMetrics().stringWidth(xName)) / 2,
                    axisY + 12 + tm.getHeight() + g.getFontMetrics().getAscent());
        } finally {
            g.dispose();
        }
        return img;
    }

    /** About {@code wanted} round tick values (1, 2, 2.5, 5 x 10^k steps) covering [lo, hi]. */
    static double[] ticks(double lo, double hi, int wanted) {
        double raw = (hi - lo) / Math.max(1, wanted);
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / mag;
        double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
        List<Double> out = new ArrayList<>();
        for (double v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9 && out.size() < 100; v += step) {
            out.add(Math.abs(v) < step * 1e-9 ? 0 : v);
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static String number(double v) {
        if (v == 0) {
            return "0";
        }
        if (Math.abs(v) >= 1e6) {
            return String.format(Locale.ROOT, "%.3gM", v / 1e6);
        }
        BigDecimal b = BigDecimal.valueOf(v).round(new MathContext(4, RoundingMode.HALF_UP));
        return b.stripTrailingZeros().toPlainString();
    }
}
