package gameport.plot;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One percentile distribution as HdrHistogram's {@code outputPercentileDistribution} writes it
 * (an {@code .hgrm} file): a header line, rows of {@code value percentile totalCount
 * 1/(1-percentile)} and {@code #[Mean = ...]} footer lines. Java's HdrHistogram leaves the last
 * column out of the last row (percentile 1), the C one writes {@code inf} there, the CSV variant
 * ({@code useCsvFormat}) writes {@code Infinity}; all three are read. Values are kept as written
 * (gameport writes milliseconds).
 */
final class HgrmFile {
    /** One row: the value at or below which {@code percentile} (0..1) of the {@code totalCount} samples lie. */
    record Row(double value, double percentile, long totalCount) {
    }

    /** A line that is not part of an .hgrm file; the message names the file and the line. */
    static final class FormatException extends Exception {
        private static final long serialVersionUID = 1L;

        FormatException(String message) {
            super(message);
        }
    }

    private static final Pattern FOOTER_MAX = Pattern.compile("\\bMax\\s*=\\s*([-+0-9.eE]+)");
    private static final Pattern FOOTER_TOTAL = Pattern.compile("\\bTotal count\\s*=\\s*(\\d+)");
    private static final Pattern FIELD_SEPARATOR = Pattern.compile("[,\\s]+");

    final String name;
    /** In percentile order; empty only for an empty histogram (the footer says Total count = 0). */
    final List<Row> rows;
    /** The footer's {@code Max}, or the last row's value when there is no footer. */
    final double max;
    /** The footer's {@code Total count}, or the last row's count when there is no footer. */
    final long totalCount;

    private HgrmFile(String name, List<Row> rows, double max, long totalCount) {
        this.name = name;
        this.rows = List.copyOf(rows);
        this.max = max;
        this.totalCount = totalCount;
    }

    static HgrmFile parse(Path file) throws IOException, FormatException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(file.toString(), in);
        } catch (CharacterCodingException e) {
            throw new FormatException(file + ": not a text file (is this an .hgrm file?)");
        }
    }

    /** Reads {@code in} to its end; {@code name} is what error messages call the input. */
    static HgrmFile parse(String name, Reader in) throws IOException, FormatException {
        BufferedReader lines = in instanceof BufferedReader b ? b : new BufferedReader(in);
        List<Row> rows = new ArrayList<>();
        double footerMax = Double.NaN;
        long footerTotal = -1;
        int lineNo = 0;
        for (String raw; (raw = lines.readLine()) != null; ) {
            lineNo++;
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                Matcher m = FOOTER_MAX.matcher(line);
                if (m.find()) {
                    footerMax = parseDoubleOr(m.group(1), Double.NaN);
                }
                m = FOOTER_TOTAL.matcher(line);
                if (m.find()) {
                    footerTotal = Long.parseLong(m.group(1));
                }
                continue;
            }
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.contains("value") && lower.contains("percentile")) {
                continue; // the header, plain or CSV
            }
            Row row = parseRow(name, lineNo, line);
            if (!rows.isEmpty() && row.percentile < rows.get(rows.size() - 1).percentile) {
                throw new FormatException(where(name, lineNo) + "percentile " + row.percentile
                        + " is below the previous row's " + rows.get(rows.size() - 1).percentile
                        + " (rows must be in percentile order)");
            }
            rows.add(row);
        }
        if (rows.isEmpty() && footerTotal == 0) {
            return new HgrmFile(name, rows, 0, 0); // an empty histogram: header and footer only
        }
        if (rows.isEmpty()) {
            throw new FormatException(name + ": no percentile rows found (is this an .hgrm file, written by "
                    + "HdrHistogram's outputPercentileDistribution?)");
        }
        Row last = rows.get(rows.size() - 1);
        double max = Double.isFinite(footerMax) ? footerMax : last.value;
        long total = footerTotal >= 0 ? footerTotal : last.totalCount;
        return new HgrmFile(name, rows, max, total);
    }

    private static Row parseRow(String name, int lineNo, String line) throws FormatException {
        String[] f = FIELD_SEPARATOR.split(line);
        if (f.length != 3 && f.length != 4) {
            throw garbage(name, lineNo, line, "expected 'value percentile totalCount [1/(1-percentile)]'");
        }
        double value = parseDoubleOr(f[0], Double.NaN);
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw garbage(name, lineNo, line, "the value '" + f[0] + "' is not a number >= 0");
        }
        double percentile = parseDoubleOr(f[1], Double.NaN);
        if (!(percentile >= 0 && percentile <= 1)) {
            throw garbage(name, lineNo, line, "the percentile '" + f[1] + "' is not a number from 0 to 1");
        }
        long count;
        try {
            count = Long.parseLong(f[2]);
        } catch (NumberFormatException e) {
            count = -1;
        }
        if (count < 0) {
            throw garbage(name, lineNo, line, "the total count '" + f[2] + "' is not a whole number >= 0");
        }
        if (f.length == 4 && !isInfinity(f[3]) && !(parseDoubleOr(f[3], Double.NaN) >= 1)) {
            throw garbage(name, lineNo, line, "the last column '" + f[3] + "' is not 1/(1-percentile) (a number >= 1 or inf)");
        }
        return new Row(value, percentile, count);
    }

    private static boolean isInfinity(String s) {
        String t = s.toLowerCase(Locale.ROOT);
        return t.equals("inf") || t.equals("+inf") || t.equals("infinity") || t.equals("+infinity");
    }

    private static double parseDoubleOr(String s, double fallback) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static String where(String name, int lineNo) {
        return name + ":" + lineNo + ": ";
    }

    private static FormatException garbage(String name, int lineNo, String line, String why) {
        String shown = line.length() > 80 ? line.substring(0, 77) + "..." : line;
        return new FormatException(where(name, lineNo) + why + ", got '" + shown + "'");
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    /** The value of the first row at or above {@code percentile} (0..1); the last row's value past the end. */
    double valueAt(double percentile) {
        for (Row r : rows) {
            if (r.percentile >= percentile - 1e-12) {
                return r.value;
            }
        }
        return rows.get(rows.size() - 1).value;
    }
}
