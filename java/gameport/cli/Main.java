package gameport.cli;

import java.util.Arrays;

/** {@code java -jar gameport.jar <command> [flags]}: the one entry point of the jar. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            usage();
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "server":
                return ServerCommand.run(rest);
            case "bots":
                return BotsCommand.run(rest);
            case "plot":
                return gameport.plot.PercentilePlot.run(rest);
            default:
                System.err.println("gameport: unknown command '" + args[0] + "'");
                usage();
                return 2;
        }
    }

    private static void usage() {
        System.out.println("usage: java -jar gameport.jar <command> [flags]\n"
                + "\n"
                + "commands:\n"
                + "  server   run the game server (default port 4000)\n"
                + "  bots     run a swarm of bot clients against a server and report move round-trip times\n"
                + "  plot     draw .hgrm latency distributions as one PNG percentile chart, or a CSV as time series\n"
                + "\n"
                + "'java -jar gameport.jar <command> --help' lists a command's flags and their defaults.");
    }
}
