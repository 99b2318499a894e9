package gameport.cli;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** Small helpers over commons-cli so each command reads like its --help. */
final class Flags {
    private Flags() {
    }

    static Option value(String name, String argName, String description) {
        return Option.builder().longOpt(name).hasArg().argName(argName).desc(description).build();
    }

    static Option flag(String name, String description) {
        return Option.builder().longOpt(name).desc(description).build();
    }

    static int intValue(CommandLine cl, String name, int fallback) {
        String v = cl.getOptionValue(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " wants a whole number, got '" + v + "'");
        }
    }

    static long longValue(CommandLine cl, String name, long fallback) {
        String v = cl.getOptionValue(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " wants a whole number, got '" + v + "'");
        }
    }

    static double doubleValue(CommandLine cl, String name, double fallback) {
        String v = cl.getOptionValue(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " wants a number, got '" + v + "'");
        }
    }

    static void printHelp(String command, String summary, Options options) {
        HelpFormatter f = new HelpFormatter();
        f.setWidth(100);
        f.setOptionComparator(null);
        f.printHelp("java -jar gameport.jar " + command + " [flags]", summary + "\n\n", options, "");
    }
}
