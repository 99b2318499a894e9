package gameport.cli;

import static gameport.cli.Flags.*;

import gameport.bots.BotConfig;
import gameport.bots.BotSummary;
import gameport.bots.BotSwarm;
import java.io.FileOutputStream;
import java.io.PrintStream;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/** {@code gameport bots}: a swarm of non-blocking bot clients that time their move echoes. */
final class BotsCommand {
    private BotsCommand() {
    }

    static Options options(BotConfig d) {
        return new Options()
                .addOption(value("host", "ADDR", "server address (default " + d.host + ")"))
                .addOption(value("port", "N", "server port (default " + d.port + ")"))
                .addOption(value("clients", "N", "number of bots (default " + d.clients + ")"))
                .addOption(value("connect-rate", "N", "new connections per second (default " + d.connectRate + ")"))
                .addOption(value("move-interval-ms", "MS", "each bot moves once per interval, phases spread (default "
                        + d.moveIntervalMs + ")"))
                .addOption(flag("teleport", "send CS_TELEPORT once the login is answered (SC_LOGIN_INFO), to spread "
                        + "the bots over the map"))
                .addOption(value("warmup-s", "S", "seconds before measuring starts (default " + d.warmupS + ")"))
                .addOption(value("duration-s", "S", "seconds measured (default " + d.durationS + ")"))
                .addOption(value("threads", "N", "I/O threads driving the bots (default " + d.threads + ")"))
                .addOption(value("name-prefix", "TEXT", "bot names are TEXT<n> (default " + d.namePrefix + ")"))
                .addOption(value("ramp-until-ms", "MS", "ramp mode: start with --ramp-start bots and keep adding while "
                        + "the last second's (--ramp-window-s) p99 delay stays under MS (fast while far under, slowly when close, "
                        + "shedding above); --clients is the ceiling; reports the largest number sustained"))
                .addOption(value("ramp-start", "N", "bots at the start of ramp mode (default " + d.rampStart + ")"))
                .addOption(value("ramp-step", "N", "ramp mode: add exactly N bots a second while under the limit "
                        + "(shedding above it as usual); 0 = the adaptive steps above (default " + d.rampStep + ")"))
                .addOption(value("ramp-window-s", "S", "ramp mode: judge the p99 delay of the last S seconds "
                        + "instead of the last one (default " + d.rampWindowS + ")"))
                .addOption(value("churn-pct", "P", "churn: P% of the bots a minute leave (one in two with CS_LOGOUT, "
                        + "the others by closing) and are replaced by new bots that connect and log in, spread evenly over "
                        + "the measured phase; a leaving bot first waits up to 5 s for its moves' echoes (default 0: none)"))
                .addOption(value("interval-s", "S", "every S seconds also print an 'interval' line: that span's moves, "
                        + "echoes and delay percentiles, moves unanswered so far, and its logins (answered, "
                        + "SC_LOGIN_FAIL, login p99) (default 0: none)"))
                .addOption(value("websocket", "N", "the first N of the --clients bots connect over WebSocket "
                        + "(ws://HOST:P/ws, P = --http-port: upgrade, then every packet in a masked binary frame) "
                        + "instead of TCP; the summary, JSON (byTransport), progress and interval lines then also "
                        + "give each transport's delays (default 0)"))
                .addOption(value("http-port", "P", "the server's HTTP port, where the WebSocket bots connect (its "
                        + "READY line says http=P); required with --websocket"))
                .addOption(value("json", "FILE", "write the summary as JSON (delays and login latencies in ms)"))
                .addOption(value("hgrm", "FILE", "write the measured delay distribution (ms) in HdrHistogram's .hgrm format"))
                .addOption(flag("help", "print this help and exit"));
    }

    static int run(String[] args) {
        BotConfig c = new BotConfig();
        Options options = options(new BotConfig());
        CommandLine cl;
        try {
            cl = new DefaultParser().parse(options, args);
            if (cl.hasOption("help")) {
                printHelp("bots", "Connects bots that log in and move; each move's delay is measured from its "
                        + "intended send time to the server's echo (SC_MOVE_OBJECT about itself), each login's "
                        + "from CS_LOGIN to SC_LOGIN_INFO (every login of the run: first connections, ramp "
                        + "additions, churn replacements; SC_LOGIN_FAIL answers counted apart). Prints a "
                        + "progress line a second and a summary.", options);
                return 0;
            }
            c.host = cl.getOptionValue("host", c.host);
            c.port = intValue(cl, "port", c.port);
            c.clients = intValue(cl, "clients", c.clients);
            c.connectRate = intValue(cl, "connect-rate", c.connectRate);
            c.moveIntervalMs = intValue(cl, "move-interval-ms", c.moveIntervalMs);
            c.teleport = cl.hasOption("teleport");
            c.warmupS = intValue(cl, "warmup-s", c.warmupS);
            c.durationS = intValue(cl, "duration-s", c.durationS);
            c.threads = intValue(cl, "threads", c.threads);
            c.namePrefix = cl.getOptionValue("name-prefix", c.namePrefix);
            c.rampUntilMs = intValue(cl, "ramp-until-ms", c.rampUntilMs);
            c.rampStart = intValue(cl, "ramp-start", c.rampStart);
            c.rampStep = intValue(cl, "ramp-step", c.rampStep);
            c.rampWindowS = intValue(cl, "ramp-window-s", c.rampWindowS);
            c.churnPct = doubleValue(cl, "churn-pct", c.churnPct);
            c.intervalS = intValue(cl, "interval-s", c.intervalS);
            c.websocket = intValue(cl, "websocket", c.websocket);
            c.httpPort = intValue(cl, "http-port", c.httpPort);
            c.validate();
        } catch (ParseException | IllegalArgumentException e) {
            System.err.println("gameport bots: " + e.getMessage());
            System.err.println("try 'java -jar gameport.jar bots --help'");
            return 2;
        }
        try {
            BotSummary summary = new BotSwarm(c, System.out).run();
            summary.print(System.out);
            String hgrm = cl.getOptionValue("hgrm");
            if (hgrm != null) {
                try (PrintStream f = new PrintStream(new FileOutputStream(hgrm))) {
                    summary.delay.outputPercentileDistribution(f, 1000.0);
                }
            }
            String json = cl.getOptionValue("json");
            if (json != null) {
                java.nio.file.Files.writeString(java.nio.file.Path.of(json), summary.toJson() + "\n");
            }
            return summary.errors == 0 && summary.lost() == 0 ? 0 : 1;
        } catch (Exception e) {
            System.err.println("gameport bots: " + e);
            return 1;
        }
    }
}
