package gameport.server;

import gameport.engine.Engine;
import gameport.engine.NativeEngine;
import gameport.engine.NativeLibrary;
import gameport.engine.NioEngine;
import gameport.game.GameLoop;
import gameport.game.GameMap;
import gameport.game.GameTimings;
import gameport.game.HardCodedBrain;
import gameport.game.LiveStats;
import gameport.game.NpcKind;
import gameport.game.NpcSetup;
import gameport.script.LuaBrain;
import gameport.script.LuaKinds;
import gameport.script.ReloadRequest;
import gameport.script.ScriptException;
import gameport.script.ScriptReloader;
import gameport.script.ScriptWatcher;
import gameport.ring.ManyToOneRing;
import gameport.web.HttpFront;
import gameport.web.WebSocketGateway;
import java.util.LinkedHashMap;
import java.util.Map;
import gameport.store.DbWorker;
import gameport.store.PlayerStore;
import java.io.IOException;
import java.sql.SQLException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.logging.Logger;

/** A running server: an engine plus the game thread. Start it, read its port, close it. */
public final class GameServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("gameport.server");
    private static final int EVENT_RING_BYTES = 8 << 20;
    private static final int REQUEST_RING_BYTES = 16 << 20;

    private final Engine engine;
    private final GameLoop loop;
    private final Thread gameThread;
    private final int port;
    private final StageHistograms histograms;
    private final Failure failure;
    private boolean closed;
    private final DbWorker db;
    private final HttpFront http;
    private static final int WS_REQUEST_RING_BYTES = 4 << 20;
    /** Asks the game thread to reload the scripts; null unless --scripts names a folder. */
    private final ReloadRequest scriptReloads;
    /** --scripts-watch's watcher, or null; set by start before the server is handed out. */
    private ScriptWatcher scriptWatcher;
    private final String scripts;

    /** The first fatal error of a server thread; whoever waits on it stops the server. */
    private static final class Failure {
        private final CountDownLatch reported = new CountDownLatch(1);
        private volatile Throwable cause;

        void report(Throwable t) {
            if (cause == null) {
                cause = t;
            }
            reported.countDown();
        }
    }

    /** Blocks until a server thread dies (the server no longer works) and returns why. */
    public Throwable awaitFailure() throws InterruptedException {
        failure.reported.await();
        return failure.cause;
    }

    private GameServer(Engine engine, GameLoop loop, Thread gameThread, int port, StageHistograms histograms,
                       Failure failure, DbWorker db, HttpFront http, ReloadRequest scriptReloads, String scripts) {
        this.scriptReloads = scriptReloads;
        this.scripts = scripts;
        this.http = http;
        this.db = db;
        this.failure = failure;
        this.histograms = histograms;
        this.engine = engine;
        this.loop = loop;
        this.gameThread = gameThread;
        this.port = port;
    }

    /** Validates the config, binds, starts the engine and the game thread; returns once listening. */
    public static GameServer start(ServerConfig config) throws IOException {
        config.validate();
        ReloadRequest scriptReloads = config.scriptsFromFolder() ? new ReloadRequest() : null;
        NpcSetup npcs = npcSetup(config, scriptReloads); // a bad script stops the start before anything is bound
        long worldStart = System.nanoTime();
        GameMap map = loadOrGenerateMap(config);
        Failure failure = new Failure();
        Engine engine = createEngine(config, failure::report);
        DbWorker db;
        try {
            db = openDatabase(config, engine);
        } catch (IOException e) {
            engine.close();
            throw e;
        }
        GameTimings timings = new GameTimings();
        LiveStats live = new LiveStats();
        WebSocketGateway gateway = config.httpPort >= 0
                ? new WebSocketGateway(engine, maxSessions(config), maxSessions(config), config.maxPendingBytes,
                        WS_REQUEST_RING_BYTES)
                : null;
        GameLoop loop = new GameLoop(engine, gateway, config, map, npcs, timings, db, live, failure::report);
        LOG.info(String.format("world ready in %d ms: map %dx%d with %d walls (%s), %d NPCs",
                (System.nanoTime() - worldStart) / 1_000_000, map.width(), map.height(), map.wallTiles(),
                config.mapFile != null ? config.mapFile : "generated, seed " + config.seed, config.npcs));
        int port;
        try {
            port = engine.start(config.host, config.port);
        } catch (IOException e) {
            engine.close();
            if (db != null) {
                db.close();
            }
            throw new IOException("cannot listen on " + config.host + ":" + config.port + ": " + e.getMessage(), e);
        }
        StageHistograms histograms;
        try {
            histograms = new StageHistograms(config.histogramDir != null ? Path.of(config.histogramDir) : null,
                    timings, engine, gateway);
        } catch (IOException e) {
            engine.close();
            if (db != null) {
                db.close();
            }
            throw new IOException("--histogram-dir " + config.histogramDir + ": " + e.getMessage(), e);
        }
        HttpFront http = null;
        if (gateway != null) {
            Map<String, ManyToOneRing> rings = new LinkedHashMap<>();
            rings.put("events", engine.events());
            rings.put("requests", engine.requests());
            rings.put("websocket_requests", gateway.requests());
            try {
                http = HttpFront.start(config.host, config.httpPort, config.adminToken, config.idleTimeoutMs, gateway,
                        new HttpFront.Sources(engine.name(), map, config.viewRange, live::latest, live::wantHeatmap,
                                histograms::latest, engine.events(), rings));
            } catch (IOException e) {
                histograms.close();
                engine.close();
                if (db != null) {
                    db.close();
                }
                throw new IOException("cannot serve HTTP on " + config.host + ":" + config.httpPort + ": "
                        + e.getMessage() + " (--http-port N picks another port, --no-http turns it off)", e);
            }
        }
        Thread thread = new Thread(loop, "gameport-game");
        thread.start();
        LOG.info("listening on " + config.host + ":" + port + " with the " + engine.name() + " engine; map "
                + config.width + "x" + config.height + ", view range " + config.viewRange
                + ", max users " + config.maxUsers);
        if (http != null) {
            String where = config.host.equals("0.0.0.0") ? "localhost" : config.host;
            LOG.info("browser client on http://" + where + ":" + http.port() + "/ , operator page /admin, metrics "
                    + "/metrics" + (config.adminToken == null ? " (this machine only)" : " (others need the token)"));
        }
        GameServer server = new GameServer(engine, loop, thread, port, histograms, failure, db, http, scriptReloads,
                config.scripts);
        if (config.scriptsWatch) {
            // Last, so that close() undoes the rest if it fails. A save between the scripts' load
            // and here waits for the next change (or SIGHUP).
            try {
                server.scriptWatcher = ScriptWatcher.start(Path.of(config.scripts), scriptReloads);
            } catch (IOException e) {
                server.close();
                throw new IOException("--scripts-watch: cannot watch " + config.scripts + ": " + e.getMessage(), e);
            }
        }
        return server;
    }

    /**
     * Asks for the NPC scripts to be reloaded (SIGHUP): the game thread reloads the changed ones
     * between two rounds ({@link ScriptReloader}). Any thread; never blocks. With --scripts
     * builtin or off nothing can change, and one line says so.
     */
    public void reloadScripts(String why) {
        if (scriptReloads == null) {
            LOG.info(why + ": nothing to reload: --scripts " + scripts + " (only the scripts of --scripts DIR reload)");
            return;
        }
        scriptReloads.ask();
    }

    /** The store and its worker for --db, or null for --db none; migrations run here, before the game starts. */
    private static DbWorker openDatabase(ServerConfig config, Engine engine) throws IOException {
        String url = config.jdbcUrl();
        if (url == null) {
            LOG.info("--db none: players are not saved (they start afresh at every login)");
            return null;
        }
        long start = System.nanoTime();
        PlayerStore store;
        try {
            store = PlayerStore.open(url, config.loginDbTimeoutMs);
        } catch (SQLException e) {
            throw new IOException("cannot open the database " + config.db + ": " + e.getMessage()
                    + " (--db none runs without one)", e);
        }
        LOG.info(String.format("players are saved in %s (%s), every %d s and at logout; ready in %d ms", config.db,
                store.description(), config.saveIntervalS, (System.nanoTime() - start) / 1_000_000));
        return new DbWorker(store, engine::post, config.beforeDatabaseCall);
    }

    /**
     * The NPC kinds: the Lua scripts of --scripts (a folder, or the jar's built-in ones), or with
     * --scripts off the Java kinds. --npc-kinds names the ones that spawn, by script name or visual.
     *
     * @param reloads what asks the game thread to reload the scripts of a --scripts folder, or null
     * @throws ScriptException for a script that does not load, or a kind --npc-kinds names that is not there
     */
    static NpcSetup npcSetup(ServerConfig config, ReloadRequest reloads) {
        LuaKinds lua = config.scripts.equals("off") ? null
                : LuaKinds.load(config.scripts.equals("builtin") ? null : Path.of(config.scripts));
        NpcKind[] table = lua != null ? lua.table() : NpcKind.builtIn();
        String[] names = config.npcKindNames();
        int[] spawn = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            spawn[i] = kindVisual(names[i], table);
            if (spawn[i] < 0) {
                StringBuilder known = new StringBuilder();
                for (NpcKind k : table) {
                    if (k != null) {
                        known.append(known.length() == 0 ? "" : ", ").append(k.name().toLowerCase(java.util.Locale.ROOT))
                                .append(" (").append(k.visual()).append(')');
                    }
                }
                throw new ScriptException("--npc-kinds: no kind '" + names[i] + "' (kinds: " + known + ")");
            }
        }
        if (lua != null) {
            lua.spawning(spawn);
            LOG.info("NPC kinds from Lua scripts (" + lua.source() + "): " + java.util.Arrays.stream(table)
                    .filter(java.util.Objects::nonNull).map(NpcKind::name).toList() + "; spawning " + config.npcKinds
                    + "; " + lua.modes());
            return new NpcSetup(table, spawn, world -> lua.brain().bind(world),
                    reloads != null ? new ScriptReloader(lua, reloads) : null);
        }
        LOG.info("NPC kinds: the Java ones (--scripts off); spawning " + config.npcKinds);
        return new NpcSetup(table, spawn, HardCodedBrain::new);
    }

    /** A kind by visual number or by name (its script's file name, or its kind.name), or -1. */
    private static int kindVisual(String name, NpcKind[] table) {
        try {
            int v = Integer.parseInt(name);
            return v > 0 && v < table.length && table[v] != null ? v : -1;
        } catch (NumberFormatException notNumber) {
            for (NpcKind k : table) {
                if (k != null && k.name().equalsIgnoreCase(name)) {
                    return k.visual();
                }
            }
            return -1;
        }
    }

    /** The map from --map, or one generated from the seed; a --map file also sets the size. */
    private static GameMap loadOrGenerateMap(ServerConfig config) throws IOException {
        GameMap map;
        if (config.mapFile != null) {
            map = GameMap.load(Path.of(config.mapFile));
            config.width = map.width();
            config.height = map.height();
        } else {
            map = GameMap.generate(config.width, config.height, config.wallDensity, config.seed);
        }
        return map;
    }

    /** Sessions one transport holds: room beyond max users, so a client over the limit still hears "server full". */
    private static int maxSessions(ServerConfig config) {
        return config.maxUsers + Math.max(64, config.maxUsers / 10);
    }

    private static Engine createEngine(ServerConfig config, Consumer<Throwable> onFatal) throws EngineUnavailableException {
        int maxSessions = maxSessions(config);
        boolean nativeWanted = !config.engine.equals("java");
        if (nativeWanted && !NativeLibrary.isAvailable()) {
            if (config.engine.equals("native")) {
                throw new EngineUnavailableException("the native engine cannot start: " + NativeLibrary.unavailableReason());
            }
            LOG.info("native engine unavailable (" + NativeLibrary.unavailableReason() + "); using the java engine");
            nativeWanted = false;
        }
        if (nativeWanted) {
            return new NativeEngine(config.workers, config.batchUs, config.maxPendingBytes, maxSessions, EVENT_RING_BYTES,
                    REQUEST_RING_BYTES);
        }
        return new NioEngine(maxSessions, config.maxPendingBytes, config.batchUs, EVENT_RING_BYTES, REQUEST_RING_BYTES,
                onFatal);
    }

    /** NPC wake-ups, moves and kills since start, as of the game thread's last busy batch. */
    public long npcWakeUps() {
        return loop.npcWakeUps();
    }

    public long npcMoves() {
        return loop.npcMoves();
    }

    public long npcKills() {
        return loop.npcKills();
    }

    /** After close: what happened to the last saves ("all players saved ..."), or null without a database. */
    public String saveReport() {
        return db != null ? db.closeReport() : null;
    }

    public int port() {
        return port;
    }

    /** The HTTP port (browser client, /admin, /metrics), or -1 with --no-http. */
    public int httpPort() {
        return http != null ? http.port() : -1;
    }

    public String engineName() {
        return engine.name();
    }

    /**
     * Stops the game thread, closes every connection and the listener, then writes every
     * player's last state (waiting up to DbWorker.SHUTDOWN_SAVE_MILLIS). Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (scriptWatcher != null) {
            scriptWatcher.close();
        }
        loop.stop();
        try {
            gameThread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (http != null) {
            http.close(); // the game thread has ended: nothing more goes to a browser
        }
        if (db != null) {
            // Every player left the world as the game thread ended, so each has its last state queued.
            db.close();
        }
        histograms.close(); // while the engine can still report its send timings
        engine.close();
        LOG.info("server stopped");
    }
}
