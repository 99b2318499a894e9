package gameport.plot;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * {@code gameport plot}: one PNG percentile chart of one or more {@code .hgrm} files (as written
 * by {@code gameport bots --hgrm} or the server's {@code --histogram-dir}), one labelled line per
 * file, to compare runs or engines at a glance. Draws with Java2D, headless.
 *
 * <p>Exit codes: 0 written, 1 an input could not be read or parsed or the PNG could not be
 * written, 2 a usage error.
 */
public final class PercentilePlot {
    static final int DEFAULT_WIDTH = 1200;
    static final int DEFAULT_HEIGHT = 700;
    static final int MIN_SIZE = 320;
    static final int MAX_SIZE = 8000;
    static final String DEFAULT_TITLE = "Latency by percentile";

    private PercentilePlot() {
    }

    /** One input: the line's label and the file it is drawn from. */
    record Input(String label, Path file) {
    }

    /** A parsed command line. */
    record Config(Path output, String title, boolean logY, int width, int height, List<Input> inputs) {
    }

    /** A command line that cannot be run; the message says why. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String[] args) {
        return run(args, System.out, System.err);
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (TimeSeriesPlot.wants(args)) {
            return TimeSeriesPlot.run(args, out, err);
        }
        Config c;
        try {
            c = parseArgs(args);
        } catch (UsageException e) {
            err.println("gameport plot: " + e.getMessage());
            err.println("try 'java -jar gameport.jar plot --help'");
            return 2;
        }
        if (c == null) {
            out.print(help());
            return 0;
        }
        List<PercentileChart.Series> series = new ArrayList<>();
        for (Input in : c.inputs()) {
            try {
                HgrmFile data = HgrmFile.parse(in.file());
                if (data.isEmpty()) {
                    err.println("gameport plot: " + in.file() + " holds no samples (Total count = 0); leaving it out");
                    continue;
                }
                series.add(new PercentileChart.Series(in.label(), data));
            } catch (NoSuchFileException e) {
                err.println("gameport plot: cannot read " + in.file() + ": no such file");
                return 1;
            } catch (IOException e) {
                err.println("gameport plot: cannot read " + in.file() + ": " + e.getMessage());
                return 1;
            } catch (HgrmFile.FormatException e) {
                err.println("gameport plot: " + e.getMessage());
                return 1;
            }
        }
        if (series.isEmpty()) {
            err.println("gameport plot: nothing to draw: every file holds no samples");
            return 1;
        }
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        BufferedImage img;
        try {
            img = PercentileChart.render(series, c.title(), c.logY(), c.width(), c.height());
        } catch (RuntimeException | LinkageError | InternalError e) {
            // Typically a JRE without fonts: Java2D needs fontconfig and one font to draw text.
            err.println("gameport plot: cannot draw the chart: " + e
                    + " (Java2D needs fontconfig and at least one font, e.g. apt-get install fontconfig fonts-dejavu-core)");
            return 1;
        }
        if (!writePng(img, c.output(), err)) {
            return 1;
        }
        out.println("wrote " + c.output() + " (" + c.width() + "x" + c.height() + ", " + series.size()
                + (series.size() == 1 ? " series)" : " series)"));
        return 0;
    }

    static String help() {
        return "usage: java -jar gameport.jar plot -o CHART.png [flags] [--label NAME=FILE | FILE]...\n"
                + "\n"
                + "Draws one PNG percentile chart of HdrHistogram .hgrm files (as written by 'bots --hgrm' or the\n"
                + "server's --histogram-dir): x is the percentile on a log scale of nines (0%, 90%, 99%, 99.9%, ...),\n"
                + "y the latency in ms; one labelled line per file, with p50/p99/p99.9/max in the legend.\n"
                + "\n"
                + "  -o, --output FILE    the PNG to write (required)\n"
                + "  --label NAME=FILE    a file to draw, labelled NAME (repeatable)\n"
                + "  FILE                 a file to draw, labelled with its name without the extension\n"
                + "  --title TEXT         chart title (default '" + DEFAULT_TITLE + "')\n"
                + "  --log-y              latency on a log scale (when one line dwarfs the others)\n"
                + "  --width N            image width in pixels (default " + DEFAULT_WIDTH + ")\n"
                + "  --height N           image height in pixels (default " + DEFAULT_HEIGHT + ")\n"
                + "  -h, --help           print this help and exit\n"
                + "\n"
                + "Lines are drawn in the order the files are given. Exit code 0 written, 1 an input could not be\n"
                + "read or parsed, 2 a usage error.\n"
                + "\n"
                + "example: java -jar gameport.jar plot -o bots.png --title '5000 bots' \\\n"
                + "             --label java=java.hgrm --label native=native.hgrm\n"
                + "\n"
                + "usage: java -jar gameport.jar plot --csv FILE -o CHART.png [--title TEXT] [--x NAME]\n"
                + "             [--columns A,B,...] [--mark X=TEXT]... [--width N] [--height N]\n"
                + "\n"
                + "Time series mode (as tools/soak writes): one panel per numeric column of the CSV (or the\n"
                + "--columns given), each with its own y scale, over a shared x axis: the first column or --x NAME.\n"
                + "An empty or non-numeric cell is a gap. --mark X=TEXT draws a dashed line at x = X (repeatable).\n"
                + "The height defaults to " + TimeSeriesPlot.PANEL_HEIGHT + " pixels a panel.\n";
    }

    /** The command line as a {@link Config}, or null when it asks for --help. */
    static Config parseArgs(String[] args) throws UsageException {
        Path output = null;
        String title = DEFAULT_TITLE;
        boolean logY = false;
        int width = DEFAULT_WIDTH;
        int height = DEFAULT_HEIGHT;
        List<Input> inputs = new ArrayList<>();
        List<Integer> defaultLabelled = new ArrayList<>();
        boolean onlyFiles = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (onlyFiles || !a.startsWith("-") || a.equals("-")) {
                if (a.equals("-")) {
                    throw new UsageException("reading standard input is not supported; name the .hgrm file");
                }
                defaultLabelled.add(inputs.size());
                inputs.add(new Input(null, Path.of(a)));
                continue;
            }
            if (a.equals("--")) {
                onlyFiles = true;
                continue;
            }
            String name = a;
            String inline = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                inline = a.substring(eq + 1);
            }
            switch (name) {
                case "-h", "--help" -> {
                    return null;
                }
                case "--log-y" -> {
                    if (inline != null) {
                        throw new UsageException("--log-y takes no value");
                    }
                    logY = true;
                }
                case "-o", "--output", "--title", "--label", "--width", "--height" -> {
                    String v;
                    if (inline != null) {
                        v = inline;
                    } else if (i + 1 < args.length) {
                        v = args[++i];
                    } else {
                        throw new UsageException(name + " needs a value");
                    }
                    switch (name) {
                        case "-o", "--output" -> {
                            if (v.isBlank()) {
                                throw new UsageException(name + " needs a file name");
                            }
                            output = Path.of(v);
                        }
                        case "--title" -> title = v;
                        case "--width" -> width = size("--width", v);
                        case "--height" -> height = size("--height", v);
                        default -> inputs.add(labelled(v));
                    }
                }
                default -> throw new UsageException("unknown flag " + a);
            }
        }
        if (output == null) {
            throw new UsageException("-o/--output CHART.png is required");
        }
        if (inputs.isEmpty()) {
            throw new UsageException("no .hgrm files given (FILE or --label NAME=FILE)");
        }
        for (Input in : inputs) {
            if (in.file().toAbsolutePath().normalize().equals(output.toAbsolutePath().normalize())) {
                throw new UsageException("the output " + output + " is also an input");
            }
        }
        return new Config(output, title, logY, width, height, defaultLabels(inputs, defaultLabelled));
    }

    private static Input labelled(String v) throws UsageException {
        int eq = v.indexOf('=');
        if (eq <= 0 || eq == v.length() - 1) {
            throw new UsageException("--label wants NAME=FILE, got '" + v + "'");
        }
        return new Input(v.substring(0, eq), Path.of(v.substring(eq + 1)));
    }

    private static int size(String flag, String v) throws UsageException {
        int n;
        try {
            n = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " wants a whole number of pixels, got '" + v + "'");
        }
        if (n < MIN_SIZE || n > MAX_SIZE) {
            throw new UsageException(flag + " must be from " + MIN_SIZE + " to " + MAX_SIZE + ", got " + n);
        }
        return n;
    }

    /** Labels unlabelled files by name without extension, or parent/name when two names collide. */
    private static List<Input> defaultLabels(List<Input> inputs, List<Integer> unlabelled) {
        List<Input> out = new ArrayList<>(inputs);
        Map<String, Integer> uses = new HashMap<>();
        for (int i : unlabelled) {
            uses.merge(stem(inputs.get(i).file()), 1, Integer::sum);
        }
        for (int i : unlabelled) {
            Path f = inputs.get(i).file();
            String label = stem(f);
            Path parent = f.toAbsolutePath().normalize().getParent();
            if (uses.get(label) > 1 && parent != null && parent.getFileName() != null) {
                label = parent.getFileName() + "/" + label;
            }
            out.set(i, new Input(label, f));
        }
        return out;
    }

    static String stem(Path file) {
        Path name = file.getFileName();
        String n = name == null ? file.toString() : name.toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    /** Writes {@code img} as a PNG; on failure says why on {@code err} and returns false. */
    static boolean writePng(BufferedImage img, Path output, PrintStream err) {
        try {
            Path parent = output.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                err.println("gameport plot: cannot write " + output + ": no directory " + parent);
                return false;
            }
            if (!ImageIO.write(img, "png", output.toFile())) {
                err.println("gameport plot: cannot write " + output + ": this JRE has no PNG writer");
                return false;
            }
            return true;
        } catch (IOException e) {
            err.println("gameport plot: cannot write " + output + ": " + e.getMessage());
            return false;
        }
    }
}
