package gameport.server;

import gameport.game.PacketHook;
import gameport.game.RateLimits;

/** Everything the server can be told on its command line, with the defaults --help prints. */
public final class ServerConfig {
    public String engine = "auto";
    /**
     * I/O worker threads of the native engine; 0 = none, the game thread does the I/O itself
     * between its rounds (no thread wakes another per round).
     */
    public int workers = 0;
    /** The batch window: under load each round gathers this much I/O before the game runs it. */
    public int batchUs = 500;
    /** Updates about others wait up to this long to leave merged with later ones; 0 = never held. */
    public int flushMs = 50;
    public String host = "0.0.0.0";
    public int port = 4000;
    public int width = 2000;
    public int height = 2000;
    public int viewRange = 7;
    public int maxUsers = 10_000;
    public int npcs = 200_000;
    /** Share of wall tiles in the generated map (ignored with mapFile). */
    public double wallDensity = 0.05;
    /** A map file (docs/MAP_FORMAT.md); null = generate one from seed and wallDensity. */
    public String mapFile;
    public long npcRespawnMs = 30_000;
    /** How often an awake NPC acts. */
    public long npcActMs = 1000;
    /** NPC kinds that spawn, by script name (or visual number), mixed by each kind's weight (6:3:1). */
    public String npcKinds = "slime,orc,troll";
    /** Where the NPC kinds' Lua scripts are: a folder, "builtin" (the jar's), or "off" (the Java kinds). */
    public String scripts = "builtin";
    /** Reload a changed script of the --scripts folder while the server runs. */
    public boolean scriptsWatch;
    public long idleTimeoutMs = 60_000;
    /** A connection that has not logged in this long after it connected is closed; traffic does not reset it. */
    public long loginTimeoutMs = 10_000;
    /** Connections one remote address may hold; 0 = no cap. */
    public int maxConnectionsPerAddress = 32;
    /** Apply the per-address cap to loopback too (load tests connect thousands from there). */
    public boolean capLoopback;
    /** Per-session packet limits (docs/PROTOCOL.md, "Limits"). */
    public RateLimits rateLimits = RateLimits.DEFAULTS;
    /** Tests only (no flag): called before each packet of a logged-in player is applied. */
    public PacketHook packetHook;
    public long seed = 1;
    public int statsIntervalS = 10;
    /** Bytes queued for one client beyond which it is closed as a slow consumer. */
    public int maxPendingBytes = 1 << 20;
    /** Where per-stage latency histograms go; null = not written. */
    public String histogramDir;
    /** The embedded default: an H2 database in ./data, created on first start. */
    public static final String DEFAULT_DB = "jdbc:h2:file:./data/gameport";
    /** Where players are stored: a JDBC URL (H2 or PostgreSQL), or "none" (players live in memory only). */
    public String db = DEFAULT_DB;
    /** Changed players are checkpointed this often. */
    public int saveIntervalS = 10;
    /** A login waits this long for the database, then gets SC_LOGIN_FAIL. */
    public long loginDbTimeoutMs = 3000;
    /** HTTP port of the browser client, /admin and /metrics (0 picks a free one); -1 = no HTTP (--no-http). */
    public int httpPort = 8080;
    /** Lets other machines see /admin and /metrics with this token; null = this machine only. */
    public String adminToken;
    /** Tests only (no flag): runs on the database worker before each database call. */
    public Runnable beforeDatabaseCall;

    public ServerConfig engine(String v) { engine = v; return this; }
    public ServerConfig workers(int v) { workers = v; return this; }
    public ServerConfig batchUs(int v) { batchUs = v; return this; }
    public ServerConfig flushMs(int v) { flushMs = v; return this; }
    public ServerConfig host(String v) { host = v; return this; }
    public ServerConfig port(int v) { port = v; return this; }
    public ServerConfig width(int v) { width = v; return this; }
    public ServerConfig height(int v) { height = v; return this; }
    public ServerConfig viewRange(int v) { viewRange = v; return this; }
    public ServerConfig maxUsers(int v) { maxUsers = v; return this; }
    public ServerConfig npcs(int v) { npcs = v; return this; }
    public ServerConfig wallDensity(double v) { wallDensity = v; return this; }
    public ServerConfig mapFile(String v) { mapFile = v; return this; }
    public ServerConfig npcRespawnMs(long v) { npcRespawnMs = v; return this; }
    public ServerConfig npcActMs(long v) { npcActMs = v; return this; }
    public ServerConfig npcKinds(String v) { npcKinds = v; return this; }

    public ServerConfig scripts(String v) { scripts = v; return this; }
    public ServerConfig scriptsWatch(boolean v) { scriptsWatch = v; return this; }

    /** Whether --scripts names a folder, the only scripts that can change (not "builtin", not "off"). */
    public boolean scriptsFromFolder() {
        return !scripts.equals("builtin") && !scripts.equals("off");
    }

    /** The kinds --npc-kinds names, as names or numbers, e.g. ["slime", "2"]. */
    public String[] npcKindNames() {
        String[] parts = npcKinds.split(",");
        for (int i = 0; i < parts.length; i++) {
            parts[i] = parts[i].trim();
        }
        return parts;
    }
    public ServerConfig idleTimeoutMs(long v) { idleTimeoutMs = v; return this; }
    public ServerConfig loginTimeoutMs(long v) { loginTimeoutMs = v; return this; }
    public ServerConfig maxConnectionsPerAddress(int v) { maxConnectionsPerAddress = v; return this; }
    public ServerConfig capLoopback(boolean v) { capLoopback = v; return this; }
    public ServerConfig rateLimits(String spec) { rateLimits = RateLimits.parse(spec); return this; }
    public ServerConfig packetHook(PacketHook v) { packetHook = v; return this; }
    public ServerConfig seed(long v) { seed = v; return this; }
    public ServerConfig statsIntervalS(int v) { statsIntervalS = v; return this; }
    public ServerConfig maxPendingBytes(int v) { maxPendingBytes = v; return this; }
    public ServerConfig histogramDir(String v) { histogramDir = v; return this; }
    public ServerConfig db(String v) { db = v; return this; }
    public ServerConfig saveIntervalS(int v) { saveIntervalS = v; return this; }
    public ServerConfig loginDbTimeoutMs(long v) { loginDbTimeoutMs = v; return this; }
    public ServerConfig beforeDatabaseCall(Runnable v) { beforeDatabaseCall = v; return this; }
    public ServerConfig httpPort(int v) { httpPort = v; return this; }
    public ServerConfig noHttp() { httpPort = -1; return this; }
    public ServerConfig adminToken(String v) { adminToken = v; return this; }

    /**
     * The JDBC URL to open, or null for --db none. An H2 URL is kept open past the JVM's shutdown
     * hooks (DB_CLOSE_ON_EXIT=FALSE): the server's own hook writes the last saves, then closes it.
     */
    public String jdbcUrl() {
        if (db.equals("none")) {
            return null;
        }
        if (db.startsWith("jdbc:h2:") && !db.toUpperCase(java.util.Locale.ROOT).contains("DB_CLOSE_ON_EXIT")) {
            return db + ";DB_CLOSE_ON_EXIT=FALSE";
        }
        return db;
    }

    /** Rejects values the server cannot run with, naming the flag. */
    public void validate() {
        require(width >= 1 && width <= Short.MAX_VALUE + 1, "--width must be 1..32768");
        require(height >= 1 && height <= Short.MAX_VALUE + 1, "--height must be 1..32768");
        require(port >= 0 && port <= 65535, "--port must be 0..65535");
        require(viewRange >= 0, "--view-range must be >= 0");
        require(maxUsers >= 1 && maxUsers <= 1_000_000, "--max-users must be 1..1000000");
        // Each NPC may hold one timer, and the timer wheel holds at most 2^20.
        require(npcs >= 0 && npcs <= 1_000_000, "--npcs must be 0..1000000");
        require(wallDensity >= 0 && wallDensity <= 0.25, "--wall-density must be 0..0.25");
        require(npcRespawnMs >= 1 && npcRespawnMs <= 86_400_000L, "--npc-respawn-ms must be 1..86400000");
        require(npcActMs >= 10 && npcActMs <= 60_000, "--npc-act-ms must be 10..60000");
        for (String k : npcKindNames()) {
            require(!k.isEmpty(), "--npc-kinds must list kinds by name or number, e.g. slime,orc,troll");
        }
        require(!scriptsWatch || scriptsFromFolder(), "--scripts-watch watches a --scripts DIR folder; with --scripts "
                + scripts + " there is nothing to watch");
        require(idleTimeoutMs >= 1 && idleTimeoutMs <= 1_000_000_000L, "--idle-timeout-ms must be 1..1000000000");
        require(loginTimeoutMs >= 1 && loginTimeoutMs <= 1_000_000_000L, "--login-timeout-ms must be 1..1000000000");
        require(maxConnectionsPerAddress >= 0, "--max-connections-per-address must be >= 0 (0 = no cap)");
        require(statsIntervalS >= 0, "--stats-interval-s must be >= 0 (0 = off)");
        require(maxPendingBytes >= 4096, "--max-pending-bytes must be >= 4096");
        require(engine.equals("auto") || engine.equals("java") || engine.equals("native"),
                "--engine must be auto, native or java");
        require(workers >= 0 && workers <= 64, "--workers must be 0..64");
        require(batchUs >= 0 && batchUs <= 100_000, "--batch-us must be 0..100000");
        require(flushMs >= 0 && flushMs <= 10_000, "--flush-ms must be 0..10000");
        require(db.equals("none") || db.startsWith("jdbc:h2:") || db.startsWith("jdbc:postgresql:"),
                "--db must be none, a jdbc:h2: URL or a jdbc:postgresql: URL");
        require(saveIntervalS >= 1 && saveIntervalS <= 3600, "--save-interval-s must be 1..3600");
        require(httpPort >= -1 && httpPort <= 65535, "--http-port must be 0..65535");
        require(httpPort <= 0 || httpPort != port, "--http-port and --port must differ (" + port + ")");
        require(adminToken == null || adminToken.length() >= 8, "--admin-token must be at least 8 characters");
        require(loginDbTimeoutMs >= 1 && loginDbTimeoutMs <= 600_000, "--login-db-timeout-ms must be 1..600000");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
