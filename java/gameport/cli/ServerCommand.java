package gameport.cli;

import static gameport.cli.Flags.*;

import gameport.server.EngineUnavailableException;
import gameport.server.GameServer;
import gameport.server.LogSetup;
import gameport.server.ServerConfig;
import java.util.logging.Level;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/** {@code gameport server}: runs the server until SIGINT/SIGTERM. */
final class ServerCommand {
    /** What the process exits with once the shutdown hook has closed the server. */
    private static volatile int exitCode;

    private ServerCommand() {
    }

    static Options options(ServerConfig d) {
        return new Options()
                .addOption(value("port", "N", "TCP port to listen on; 0 picks a free one (default " + d.port + ")"))
                .addOption(value("host", "ADDR", "address to bind (default " + d.host + ")"))
                .addOption(value("engine", "NAME", "network engine: native (io_uring via JNI), java (NIO) or auto = native "
                        + "when it loads and io_uring works here, else java (default " + d.engine + ")"))
                .addOption(value("workers", "N", "I/O worker threads of the native engine; 0 = the game thread does the "
                        + "I/O itself between rounds, which costs no thread wake-ups (default " + d.workers + ")"))
                .addOption(value("batch-us", "US", "batch window: under load each round of I/O and game logic gathers "
                        + "this many microseconds of packets, so one system call serves many; at light load nothing "
                        + "waits for it; 0 = a round per wake-up (default " + d.batchUs + ")"))
                .addOption(value("flush-ms", "MS", "updates about other players and NPCs wait up to MS to leave merged "
                        + "into one send per player; replies to a player's own action leave at once; 0 = never "
                        + "held (default " + d.flushMs + ")"))
                .addOption(value("width", "N", "map width in tiles (default " + d.width + ")"))
                .addOption(value("height", "N", "map height in tiles (default " + d.height + ")"))
                .addOption(value("view-range", "R", "a player sees objects within R tiles in x and y (default "
                        + d.viewRange + ", a " + (2 * d.viewRange + 1) + "x" + (2 * d.viewRange + 1) + " window)"))
                .addOption(value("max-users", "N", "players online at most; a login past it gets SC_LOGIN_FAIL and "
                        + "the connection is closed (default " + d.maxUsers + ")"))
                .addOption(value("npcs", "N", "NPCs in the world, each on a random free tile; they sleep until a player "
                        + "sees them (default " + d.npcs + ")"))
                .addOption(value("wall-density", "F", "share of wall tiles in the generated map, 0..0.25; every free "
                        + "tile stays reachable (default " + d.wallDensity + ")"))
                .addOption(value("map", "FILE", "load the map from FILE (docs/MAP_FORMAT.md) instead of generating "
                        + "it; the file sets width and height"))
                .addOption(value("npc-act-ms", "MS", "an awake NPC acts (walks, chases, hits) every MS (default "
                        + d.npcActMs + ")"))
                .addOption(value("npc-kinds", "LIST", "NPC kinds that spawn, by script name or visual number, mixed "
                        + "by each kind's weight: slime (1, wanders), orc (2) and troll (3) chase players within 5 "
                        + "tiles and hit, greeter (4) greets a player who steps onto its tile (default "
                        + d.npcKinds + ")"))
                .addOption(value("scripts", "DIR", "the NPC kinds' Lua scripts (one DIR/<kind>.lua each, shared code in "
                        + "DIR/lib/<name>.lua; docs: README 'NPC scripts'); 'builtin' = the jar's slime, orc, troll "
                        + "and greeter; 'off' = the Java kinds; SIGHUP reloads the changed scripts of a DIR (default "
                        + d.scripts + ")"))
                .addOption(flag("scripts-watch", "reload a script of --scripts DIR when it is saved, between two game "
                        + "rounds, as SIGHUP does; a script that does not load keeps its previous version and the log "
                        + "says why (needs --scripts DIR)"))
                .addOption(value("npc-respawn-ms", "MS", "a killed NPC comes back at its home tile after MS (default "
                        + d.npcRespawnMs + ")"))
                .addOption(value("idle-timeout-ms", "MS", "close a client that sends nothing for this long (default "
                        + d.idleTimeoutMs + ")"))
                .addOption(value("login-timeout-ms", "MS", "close a connection that has not logged in MS after it "
                        + "connected; traffic does not reset this (default " + d.loginTimeoutMs + ")"))
                .addOption(value("max-connections-per-address", "N", "connections one remote address may hold; "
                        + "more get SC_LOGIN_FAIL and a close; 0 = no cap; loopback is exempt unless --cap-loopback "
                        + "(default " + d.maxConnectionsPerAddress + ")"))
                .addOption(flag("cap-loopback", "apply --max-connections-per-address to 127.0.0.1 and ::1 too "
                        + "(off by default: load tests and the course's stress test connect thousands from there)"))
                .addOption(value("rate-limits", "SPEC", "per-session packet limits, burst/per second: 'on' = "
                        + d.rateLimits + " (docs/PROTOCOL.md, Limits); a packet over its limit is dropped, a "
                        + "session 5x over for 5 s is closed; 'off' for trusted load tools; or overrides such "
                        + "as chat=20/4 (default on)"))
                .addOption(value("seed", "N", "random seed for spawns and teleports (default " + d.seed + ")"))
                .addOption(value("stats-interval-s", "S", "log a stats line every S seconds; 0 = never (default "
                        + d.statsIntervalS + ")"))
                .addOption(value("max-pending-bytes", "N", "bytes queued for one client before it is closed as a "
                        + "slow consumer (default " + d.maxPendingBytes + ")"))
                .addOption(value("histogram-dir", "DIR", "write per-stage latency histograms there: an interval log a "
                        + "second per stage (<stage>.hlog) and percentiles at shutdown (<stage>.hgrm, ms); "
                        + "stages: ring-dwell, game-handling, request-to-send (default: none)"))
                .addOption(value("db", "URL", "where players are saved: a JDBC URL, jdbc:h2:file:PATH (embedded, "
                        + "nothing to install) or jdbc:postgresql://HOST:PORT/DB?user=U&password=P; 'none' keeps "
                        + "players in memory only (default " + d.db + ", created on first start)"))
                .addOption(value("save-interval-s", "S", "changed players are written every S seconds, and each one "
                        + "at logout or disconnect; a crash (kill -9) loses at most this much (default "
                        + d.saveIntervalS + ")"))
                .addOption(value("login-db-timeout-ms", "MS", "a login waits this long for the database to load its "
                        + "player, then gets SC_LOGIN_FAIL (logged: database unavailable) (default "
                        + d.loginDbTimeoutMs + ")"))
                .addOption(value("http-port", "N", "HTTP port of the browser client (/), the operator page (/admin) "
                        + "and Prometheus metrics (/metrics), on --host; 0 picks a free one (the READY line tells "
                        + "which) (default " + d.httpPort + ")"))
                .addOption(flag("no-http", "serve no HTTP: TCP clients only"))
                .addOption(value("admin-token", "TOKEN", "lets other machines see /admin and /metrics with "
                        + "'Authorization: Bearer TOKEN' or ?token=TOKEN (default: this machine only)"))
                .addOption(value("log-level", "LEVEL", "INFO, FINE (every connection's close) or WARNING (default INFO)"))
                .addOption(flag("help", "print this help and exit"));
    }

    static int run(String[] args) {
        ServerConfig config = new ServerConfig();
        Options options = options(new ServerConfig());
        CommandLine cl;
        Level logLevel;
        try {
            cl = new DefaultParser().parse(options, args);
            if (cl.hasOption("help")) {
                printHelp("server", "Runs the gameport server. Prints 'READY port=<port> engine=<engine> "
                        + "http=<http port>' on stdout once it listens (no http= with --no-http); SIGINT/SIGTERM stop it cleanly: every session is closed and "
                        + "every player saved (within " + gameport.store.DbWorker.SHUTDOWN_SAVE_MILLIS / 1000
                        + " s for the saves). SIGHUP reloads the changed NPC scripts of --scripts DIR.", options);
                return 0;
            }
            if (!cl.getArgList().isEmpty()) {
                throw new IllegalArgumentException("unexpected argument '" + cl.getArgList().get(0) + "'");
            }
            config.port = intValue(cl, "port", config.port);
            config.host = cl.getOptionValue("host", config.host);
            config.engine = cl.getOptionValue("engine", config.engine);
            config.workers = intValue(cl, "workers", config.workers);
            config.batchUs = intValue(cl, "batch-us", config.batchUs);
            config.flushMs = intValue(cl, "flush-ms", config.flushMs);
            config.width = intValue(cl, "width", config.width);
            config.height = intValue(cl, "height", config.height);
            config.viewRange = intValue(cl, "view-range", config.viewRange);
            config.maxUsers = intValue(cl, "max-users", config.maxUsers);
            config.npcs = intValue(cl, "npcs", config.npcs);
            config.wallDensity = doubleValue(cl, "wall-density", config.wallDensity);
            config.mapFile = cl.getOptionValue("map");
            config.npcRespawnMs = longValue(cl, "npc-respawn-ms", config.npcRespawnMs);
            config.npcActMs = longValue(cl, "npc-act-ms", config.npcActMs);
            config.npcKinds = cl.getOptionValue("npc-kinds", config.npcKinds);
            config.scripts = cl.getOptionValue("scripts", config.scripts);
            config.scriptsWatch = cl.hasOption("scripts-watch");
            config.idleTimeoutMs = longValue(cl, "idle-timeout-ms", config.idleTimeoutMs);
            config.loginTimeoutMs = longValue(cl, "login-timeout-ms", config.loginTimeoutMs);
            config.maxConnectionsPerAddress = intValue(cl, "max-connections-per-address",
                    config.maxConnectionsPerAddress);
            config.capLoopback = cl.hasOption("cap-loopback");
            if (cl.hasOption("rate-limits")) {
                config.rateLimits = gameport.game.RateLimits.parse(cl.getOptionValue("rate-limits"));
            }
            config.seed = longValue(cl, "seed", config.seed);
            config.statsIntervalS = intValue(cl, "stats-interval-s", config.statsIntervalS);
            config.maxPendingBytes = intValue(cl, "max-pending-bytes", config.maxPendingBytes);
            config.histogramDir = cl.getOptionValue("histogram-dir");
            config.db = cl.getOptionValue("db", config.db);
            config.saveIntervalS = intValue(cl, "save-interval-s", config.saveIntervalS);
            config.loginDbTimeoutMs = longValue(cl, "login-db-timeout-ms", config.loginDbTimeoutMs);
            config.httpPort = intValue(cl, "http-port", config.httpPort);
            if (cl.hasOption("no-http")) {
                if (cl.hasOption("http-port")) {
                    throw new IllegalArgumentException("--no-http and --http-port contradict each other");
                }
                config.httpPort = -1;
            }
            config.adminToken = cl.getOptionValue("admin-token");
            logLevel = Level.parse(cl.getOptionValue("log-level", "INFO").toUpperCase(java.util.Locale.ROOT));
            config.validate();
        } catch (ParseException | IllegalArgumentException e) {
            System.err.println("gameport server: " + e.getMessage());
            System.err.println("try 'java -jar gameport.jar server --help'");
            return 2;
        }
        LogSetup.init(logLevel);
        GameServer server;
        try {
            server = GameServer.start(config);
        } catch (EngineUnavailableException | IllegalArgumentException e) {
            // A native engine that cannot start, or a bad script or kind (ScriptException): exit 2.
            System.err.println("gameport server: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            System.err.println("gameport server: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            // JUL may already be reset by its own shutdown hook, so say it directly.
            String saved = server.saveReport();
            System.err.println("gameport: server stopped, all sessions closed" + (saved != null ? "; " + saved : ""));
            System.out.flush();
            System.err.flush();
            // A signal makes the JVM exit with 128+signal; a clean stop is a success.
            Runtime.getRuntime().halt(exitCode);
        }, "gameport-shutdown"));
        // Before READY: whoever waits for it may send SIGHUP at once (the JVM's own handler would stop the server).
        HangupSignal.install(() -> server.reloadScripts("SIGHUP"));
        System.out.println("READY port=" + server.port() + " engine=" + server.engineName()
                + (server.httpPort() >= 0 ? " http=" + server.httpPort() : ""));
        System.out.flush();
        try {
            Throwable cause = server.awaitFailure();
            System.err.println("gameport server: a server thread failed (" + cause + "); stopping");
            exitCode = 1;
            System.exit(1); // runs the shutdown hook, which closes the server
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
