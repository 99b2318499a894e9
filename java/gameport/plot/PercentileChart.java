package gameport.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.Stroke;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Point2D;
import java.awt.image.BufferedImage;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Draws percentile distributions the way HdrHistogram's plotter does: x is the percentile on a
 * log scale of "nines" (x = log10(1/(1-percentile)): 0%, 90%, 99%, 99.9%, ...), y the value
 * (milliseconds), one line per distribution, and a legend table with p50/p99/p99.9/max per line.
 */
final class PercentileChart {
    /** One line of the chart. */
    record Series(String label, HgrmFile data) {
    }

    /** Tableau 10: distinct on screen and in grey print; series past ten repeat them dashed. */
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf),
    };
    private static final Color GRID = new Color(0xe3e3e3);
    private static final Color GRID_MINOR = new Color(0xf2f2f2);
    private static final Color AXIS = new Color(0x555555);
    private static final Color TEXT = new Color(0x222222);
    private static final Color TEXT_DIM = new Color(0x666666);
    private static final int MAX_LABEL_CHARS = 40;

    private PercentileChart() {
    }

    static Color color(int series) {
        return PALETTE[series % PALETTE.length];
    }

    /** The x coordinate (decades of nines) of every row of {@code d}; percentile 1 sits at max(last finite 1/(1-p), count). */
    static double[] nines(HgrmFile d) {
        double[] x = new double[d.rows.size()];
        double lastFinite = 1;
        for (int i = 0; i < x.length; i++) {
            HgrmFile.Row r = d.rows.get(i);
            double inverse = r.percentile() < 1 ? 1 / (1 - r.percentile()) : Double.POSITIVE_INFINITY;
            if (Double.isFinite(inverse)) {
                lastFinite = Math.max(lastFinite, inverse);
            } else {
                // The maximum: one sample in totalCount is at or above it, so plot it at 1/(1-(1-1/n)) = n.
                inverse = Math.max(lastFinite, r.totalCount());
            }
            x[i] = Math.log10(Math.max(1, inverse));
        }
        return x;
    }

    /** Percentile text of decade {@code d} of nines: 0%, 90%, 99%, 99.9%, ... */
    static String ninesLabel(int d) {
        if (d <= 0) {
            return "0%";
        }
        if (d == 1) {
            return "90%";
        }
        return "99" + (d > 2 ? "." + "9".repeat(d - 2) : "") + "%";
    }

    static BufferedImage render(List<Series> series, String title, boolean logY, int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            new Drawing(g, series, title, logY, width, height).draw();
        } finally {
            g.dispose();
        }
        return img;
    }

    /** One rendering: layout, scales and the drawing steps. */
    private static final class Drawing {
        final Graphics2D g;
        final List<Series> series;
        final String title;
        final boolean logY;
        final int width;
        final int height;
        final double s;
        final Font titleFont;
        final Font axisFont;
        final Font tickFont;
        final Font legendFont;
        final Font legendBold;
        final List<double[]> xs = new ArrayList<>();
        /** The x axis runs from 0 to xEnd decades of nines; ticks at 0..xDecades. */
        double xEnd;
        int xDecades;
        double yLo;
        double yHi;
        List<Double> yTicks;
        List<Double> yMinorTicks = new ArrayList<>();
        Rectangle plot;

        Drawing(Graphics2D g, List<Series> series, String title, boolean logY, int width, int height) {
            this.g = g;
            this.series = series;
            this.title = title;
            this.logY = logY;
            this.width = width;
            this.height = height;
            // Below 0.8 the text gets too small to read; small charts get relatively larger text instead.
            this.s = Math.max(0.8, Math.min(4, Math.min(width / 1200.0, height / 700.0)));
            this.titleFont = new Font(Font.SANS_SERIF, Font.BOLD, px(22));
            this.axisFont = new Font(Font.SANS_SERIF, Font.PLAIN, px(15));
            this.tickFont = new Font(Font.SANS_SERIF, Font.PLAIN, px(13));
            this.legendFont = new Font(Font.SANS_SERIF, Font.PLAIN, px(13));
            this.legendBold = legendFont.deriveFont(Font.BOLD);
        }

        int px(double v) {
            return (int) Math.round(v * s);
        }

        void draw() {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            scales();
            layout();
            grid();
            lines();
            axes();
            legend();
        }

        void scales() {
            double maxX = 1;
            double maxY = 0;
            double minPositive = Double.POSITIVE_INFINITY;
            for (Series se : series) {
                double[] x = nines(se.data());
                xs.add(x);
                for (double v : x) {
                    maxX = Math.max(maxX, v);
                }
                for (HgrmFile.Row r : se.data().rows) {
                    maxY = Math.max(maxY, r.value());
                    if (r.value() > 0) {
                        minPositive = Math.min(minPositive, r.value());
                    }
                }
            }
            // Whole decades of nines, unless the data ends early in the last one: then a little past the data.
            double ceil = Math.ceil(maxX - 1e-9);
            xEnd = Math.max(2, ceil - maxX <= 0.5 ? ceil : maxX + 0.12);
            xDecades = (int) Math.floor(xEnd + 1e-9);
            if (logY) {
                if (!Double.isFinite(minPositive)) {
                    minPositive = 0.001;
                    maxY = 1;
                }
                // From the 1-2-5 step at or below the smallest value to the one above the largest.
                yLo = niceLogStep(minPositive, false);
                yHi = Math.max(niceLogStep(maxY * 1.05, true), niceLogStep(yLo * 1.01, true));
                double[] labelled = Math.log10(yHi / yLo) <= 3.5 ? new double[] {1, 2, 5} : new double[] {1};
                yTicks = new ArrayList<>();
                for (int d = (int) Math.floor(Math.log10(yLo)) - 1; d <= (int) Math.ceil(Math.log10(yHi)); d++) {
                    for (int m = 1; m <= 9; m++) {
                        double v = m * Math.pow(10, d);
                        if (v < yLo * (1 - 1e-9) || v > yHi * (1 + 1e-9)) {
                            continue;
                        }
                        boolean major = false;
                        for (double l : labelled) {
                            major |= l == m;
                        }
                        (major ? yTicks : yMinorTicks).add(v);
                    }
                }
            } else {
                if (maxY <= 0) {
                    maxY = 1;
                }
                double approxPlotHeight = height - px(150);
                int wanted = (int) Math.max(4, Math.min(12, approxPlotHeight / px(55)));
                double step = niceStep(maxY / wanted);
                yLo = 0;
                yHi = step * Math.ceil(maxY * 1.03 / step);
                yTicks = new ArrayList<>();
                for (int i = 0; i * step <= yHi * (1 + 1e-9); i++) {
                    yTicks.add(i * step);
                }
            }
        }

        /** The largest (up = false) 1, 2 or 5 x 10^k at or below v, or the smallest (up = true) at or above it. */
        static double niceLogStep(double v, boolean up) {
            int d = (int) Math.floor(Math.log10(v));
            double[] ms = {1, 2, 5, 10};
            double best = up ? 10 * Math.pow(10, d) : Math.pow(10, d);
            for (double m : ms) {
                double c = m * Math.pow(10, d);
                if (up && c >= v * (1 - 1e-9)) {
                    return c;
                }
                if (!up && c <= v * (1 + 1e-9)) {
                    best = c;
                }
            }
            return best;
        }

        static double niceStep(double raw) {
            double mag = Math.pow(10, Math.floor(Math.log10(raw)));
            double n = raw / mag;
            double m = n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10;
            return m * mag;
        }

        void layout() {
            FontMetrics tm = g.getFontMetrics(tickFont);
            FontMetrics am = g.getFontMetrics(axisFont);
            FontMetrics ttm = g.getFontMetrics(titleFont);
            int yLabelWidth = 0;
            for (double v : yTicks) {
                yLabelWidth = Math.max(yLabelWidth, tm.stringWidth(number(v)));
            }
            int pad = px(16);
            int tick = px(6);
            int left = pad + am.getHeight() + px(8) + yLabelWidth + tick + px(4);
            int top = pad + ttm.getHeight() + px(10);
            int bottom = tick + px(4) + tm.getHeight() + px(8) + am.getHeight() + pad;
            int right = Math.max(px(30), tm.stringWidth(ninesLabel(xDecades)) / 2 + pad);
            plot = new Rectangle(left, top, Math.max(10, width - left - right), Math.max(10, height - top - bottom));
        }

        double xPixel(double nines) {
            return plot.x + plot.width * nines / xEnd;
        }

        double yPixel(double v) {
            double f;
            if (logY) {
                double c = Math.max(v, yLo);
                f = (Math.log10(c) - Math.log10(yLo)) / (Math.log10(yHi) - Math.log10(yLo));
            } else {
                f = (v - yLo) / (yHi - yLo);
            }
            return plot.y + plot.height - plot.height * f;
        }

        String number(double v) {
            if (v == 0) {
                return "0";
            }
            BigDecimal b = BigDecimal.valueOf(v).round(new MathContext(6, RoundingMode.HALF_UP));
            return b.stripTrailingZeros().toPlainString();
        }

        void grid() {
            Stroke thin = new BasicStroke((float) Math.max(1, s));
            g.setStroke(thin);
            // x: minor lines at 2..9 x 10^d, major lines at each decade of nines.
            g.setColor(GRID_MINOR);
            for (int d = 0; d < xEnd; d++) {
                for (int m = 2; m <= 9 && d + Math.log10(m) < xEnd; m++) {
                    vline(xPixel(d + Math.log10(m)));
                }
            }
            for (double v : yMinorTicks) {
                hline(yPixel(v));
            }
            g.setColor(GRID);
            for (int d = 0; d <= xDecades; d++) {
                vline(xPixel(d));
            }
            for (double v : yTicks) {
                hline(yPixel(v));
            }
        }

        void vline(double x) {
            g.draw(new Line2D.Double(x, plot.y, x, plot.y + plot.height));
        }

        void hline(double y) {
            g.draw(new Line2D.Double(plot.x, y, plot.x + plot.width, y));
        }

        Stroke seriesStroke(int i) {
            float w = (float) (2.4 * s);
            if (i < PALETTE.length) {
                return new BasicStroke(w, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
            }
            float[] dash = i / PALETTE.length % 2 == 1 ? new float[] {px(9), px(5)} : new float[] {px(3), px(4)};
            return new BasicStroke(w, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10, dash, 0);
        }

        List<Point2D> points(int i) {
            List<Point2D> p = new ArrayList<>();
            double[] x = xs.get(i);
            List<HgrmFile.Row> rows = series.get(i).data().rows;
            for (int k = 0; k < x.length; k++) {
                p.add(new Point2D.Double(xPixel(x[k]), yPixel(rows.get(k).value())));
            }
            return p;
        }

        void lines() {
            Shape clip = g.getClip();
            Rectangle area = new Rectangle(plot);
            area.grow(px(3), px(3));
            g.setClip(area);
            // Drawn last-first, so the first series named is on top where lines overlap.
            for (int i = series.size() - 1; i >= 0; i--) {
                List<Point2D> p = points(i);
                Path2D.Double path = new Path2D.Double();
                path.moveTo(p.get(0).getX(), p.get(0).getY());
                for (Point2D q : p.subList(1, p.size())) {
                    path.lineTo(q.getX(), q.getY());
                }
                g.setColor(color(i));
                g.setStroke(seriesStroke(i));
                g.draw(path);
                Point2D end = p.get(p.size() - 1);
                double r = 3.5 * s;
                g.fill(new Ellipse2D.Double(end.getX() - r, end.getY() - r, 2 * r, 2 * r));
            }
            g.setClip(clip);
        }

        void axes() {
            g.setColor(AXIS);
            g.setStroke(new BasicStroke((float) Math.max(1, 1.2 * s)));
            g.drawRect(plot.x, plot.y, plot.width, plot.height);
            int tick = px(6);
            g.setFont(tickFont);
            FontMetrics tm = g.getFontMetrics();
            // x ticks: decades of nines, plus 50% when there is room for it.
            int baseline = plot.y + plot.height + tick + px(4) + tm.getAscent();
            for (int d = 0; d <= xDecades; d++) {
                int x = (int) Math.round(xPixel(d));
                g.setColor(AXIS);
                g.drawLine(x, plot.y + plot.height, x, plot.y + plot.height + tick);
                g.setColor(TEXT);
                String l = ninesLabel(d);
                g.drawString(l, x - tm.stringWidth(l) / 2, baseline);
            }
            double decade = plot.width / xEnd;
            if (decade * Math.log10(2) > tm.stringWidth("50%") + tm.stringWidth("0%") / 2 + px(12)
                    && decade * (1 - Math.log10(2)) > tm.stringWidth("50%") / 2 + tm.stringWidth("90%") / 2 + px(12)) {
                int x = (int) Math.round(xPixel(Math.log10(2)));
                g.setColor(AXIS);
                g.drawLine(x, plot.y + plot.height, x, plot.y + plot.height + tick / 2);
                g.setColor(TEXT_DIM);
                g.drawString("50%", x - tm.stringWidth("50%") / 2, baseline);
            }
            // y ticks.
            for (double v : yTicks) {
                int y = (int) Math.round(yPixel(v));
                g.setColor(AXIS);
                g.drawLine(plot.x - tick, y, plot.x, y);
                g.setColor(TEXT);
                String l = number(v);
                g.drawString(l, plot.x - tick - px(4) - tm.stringWidth(l), y + tm.getAscent() / 2 - px(1));
            }
            // Axis names and the title.
            g.setFont(axisFont);
            FontMetrics am = g.getFontMetrics();
            g.setColor(TEXT);
            String xName = "Percentile (log scale of nines)";
            g.drawString(xName, plot.x + (plot.width - am.stringWidth(xName)) / 2,
                    baseline + tm.getDescent() + px(8) + am.getAscent());
            String yName = logY ? "Latency (ms, log scale)" : "Latency (ms)";
            AffineTransform saved = g.getTransform();
            int yNameX = px(16) + am.getAscent();
            g.translate(yNameX, plot.y + (plot.height + am.stringWidth(yName)) / 2.0);
            g.rotate(-Math.PI / 2);
            g.drawString(yName, 0, 0);
            g.setTransform(saved);
            g.setFont(titleFont);
            FontMetrics ttm = g.getFontMetrics();
            String t = title;
            while (ttm.stringWidth(t) > width - px(32) && t.length() > 4) {
                t = t.substring(0, t.length() - 4) + "...";
            }
            g.drawString(t, (width - ttm.stringWidth(t)) / 2, px(16) + ttm.getAscent());
        }

        /** A table in a corner of the plot: colour, label, p50, p99, p99.9, max, samples. */
        void legend() {
            String[] header = {"", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "samples"};
            String[][] cells = new String[series.size()][];
            for (int i = 0; i < series.size(); i++) {
                HgrmFile d = series.get(i).data();
                String label = series.get(i).label();
                if (label.length() > MAX_LABEL_CHARS) {
                    label = label.substring(0, MAX_LABEL_CHARS - 3) + "...";
                }
                cells[i] = new String[] {label, value(d.valueAt(0.50)), value(d.valueAt(0.99)), value(d.valueAt(0.999)),
                    value(d.max), String.format(Locale.ROOT, "%,d", d.totalCount)};
            }
            FontMetrics fm = g.getFontMetrics(legendFont);
            FontMetrics bm = g.getFontMetrics(legendBold);
            int cols = header.length;
            int[] colWidth = new int[cols];
            for (int c = 0; c < cols; c++) {
                colWidth[c] = fm.stringWidth(header[c]);
                for (String[] row : cells) {
                    colWidth[c] = Math.max(colWidth[c], (c == 0 ? bm : fm).stringWidth(row[c]));
                }
            }
            int pad = px(10);
            int gap = px(16);
            int swatch = px(26);
            int rowHeight = fm.getHeight() + px(3);
            int w = pad + swatch + px(8);
            for (int c = 0; c < cols; c++) {
                w += colWidth[c] + (c == cols - 1 ? 0 : gap);
            }
            w += pad;
            int h = pad + rowHeight * (series.size() + 1) + pad - px(3);
            Rectangle box = placeLegend(w, h);
            g.setColor(new Color(255, 255, 255, 235));
            g.fill(box);
            g.setColor(new Color(0xbbbbbb));
            g.setStroke(new BasicStroke((float) Math.max(1, s)));
            g.draw(box);
            int y = box.y + pad + fm.getAscent();
            int x0 = box.x + pad + swatch + px(8);
            g.setFont(legendFont);
            g.setColor(TEXT_DIM);
            int x = x0;
            for (int c = 0; c < cols; c++) {
                drawCell(header[c], x, colWidth[c], c == 0, fm, y);
                x += colWidth[c] + gap;
            }
            for (int i = 0; i < series.size(); i++) {
                y += rowHeight;
                int mid = y - fm.getAscent() / 2 + px(1);
                g.setColor(color(i));
                g.setStroke(seriesStroke(i));
                g.drawLine(box.x + pad, mid, box.x + pad + swatch, mid);
                x = x0;
                for (int c = 0; c < cols; c++) {
                    g.setFont(c == 0 ? legendBold : legendFont);
                    g.setColor(TEXT);
                    drawCell(cells[i][c], x, colWidth[c], c == 0, c == 0 ? bm : fm, y);
                    x += colWidth[c] + gap;
                }
            }
        }

        void drawCell(String text, int x, int width, boolean leftAligned, FontMetrics fm, int baseline) {
            g.drawString(text, leftAligned ? x : x + width - fm.stringWidth(text), baseline);
        }

        static String value(double v) {
            String f = v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : v >= 1 ? "%.2f" : "%.3f";
            return String.format(Locale.ROOT, f, v);
        }

        /** The corner of the plot (top left first) that hides the fewest line points. */
        Rectangle placeLegend(int w, int h) {
            int inset = px(12);
            int l = plot.x + inset;
            int r = plot.x + plot.width - inset - w;
            int t = plot.y + inset;
            int b = plot.y + plot.height - inset - h;
            Rectangle[] corners = {
                new Rectangle(l, t, w, h), new Rectangle(r, b, w, h), new Rectangle(r, t, w, h), new Rectangle(l, b, w, h),
            };
            List<Point2D> samples = new ArrayList<>();
            for (int i = 0; i < series.size(); i++) {
                List<Point2D> p = points(i);
                for (int k = 1; k < p.size(); k++) {
                    Point2D a = p.get(k - 1);
                    Point2D c = p.get(k);
                    int n = (int) Math.min(2000, Math.ceil(a.distance(c) / 2) + 1);
                    for (int j = 0; j < n; j++) {
                        double f = j / (double) n;
                        samples.add(new Point2D.Double(a.getX() + (c.getX() - a.getX()) * f, a.getY() + (c.getY() - a.getY()) * f));
                    }
                }
            }
            Rectangle best = corners[0];
            long bestHits = Long.MAX_VALUE;
            for (Rectangle c : corners) {
                long hits = samples.stream().filter(c::contains).count();
                if (hits < bestHits) {
                    bestHits = hits;
                    best = c;
                }
            }
            return best;
        }
    }
}
