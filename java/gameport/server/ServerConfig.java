package gameport.server;

/** Everything the server can be told on its command line, with the defaults --help prints. */
public final class ServerConfig {
    public String engine = "auto";
    /** I/O worker threads of the native engine. */
    public int workers = 1;
    public String host = "0.0.0.0";
    public int port = 4000;
    public int width = 2000;
    public int height = 2000;
    public int viewRange = 7;
    public int maxUsers = 10_000;
    public int npcs = 0;
    public long idleTimeoutMs = 60_000;
    public long seed = 1;
    public int statsIntervalS = 10;
    /** Bytes queued for one client beyond which it is closed as a slow consumer. */
    public int maxPendingBytes = 1 << 20;
    /** Where per-stage latency histograms go; null = not written. */
    public String histogramDir;

    public ServerConfig engine(String v) { engine = v; return this; }
    public ServerConfig workers(int v) { workers = v; return this; }
    public ServerConfig host(String v) { host = v; return this; }
    public ServerConfig port(int v) { port = v; return this; }
    public ServerConfig width(int v) { width = v; return this; }
    public ServerConfig height(int v) { height = v; return this; }
    public ServerConfig viewRange(int v) { viewRange = v; return this; }
    public ServerConfig maxUsers(int v) { maxUsers = v; return this; }
    public ServerConfig npcs(int v) { npcs = v; return this; }
    public ServerConfig idleTimeoutMs(long v) { idleTimeoutMs = v; return this; }
    public ServerConfig seed(long v) { seed = v; return this; }
    public ServerConfig statsIntervalS(int v) { statsIntervalS = v; return this; }
    public ServerConfig maxPendingBytes(int v) { maxPendingBytes = v; return this; }
    public ServerConfig histogramDir(String v) { histogramDir = v; return this; }

    /** Rejects values the server cannot run with, naming the flag. */
    public void validate() {
        require(width >= 1 && width <= Short.MAX_VALUE + 1, "--width must be 1..32768");
        require(height >= 1 && height <= Short.MAX_VALUE + 1, "--height must be 1..32768");
        require(port >= 0 && port <= 65535, "--port must be 0..65535");
        require(viewRange >= 0, "--view-range must be >= 0");
        require(maxUsers >= 1, "--max-users must be >= 1");
        require(npcs == 0, "--npcs must be 0: NPCs are not implemented yet");
        require(idleTimeoutMs >= 1, "--idle-timeout-ms must be >= 1");
        require(statsIntervalS >= 0, "--stats-interval-s must be >= 0 (0 = off)");
        require(maxPendingBytes >= 4096, "--max-pending-bytes must be >= 4096");
        require(engine.equals("auto") || engine.equals("java") || engine.equals("native"),
                "--engine must be auto, native or java");
        require(workers >= 1 && workers <= 64, "--workers must be 1..64");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
