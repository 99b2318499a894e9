package gameport.bots;

/** What the swarm does; filled from the `bots` command line. */
public final class BotConfig {
    public String host = "127.0.0.1";
    public int port = 4000;
    public int clients = 100;
    public int connectRate = 1000;
    public int moveIntervalMs = 1000;
    public boolean teleport;
    public int warmupS = 5;
    public int durationS = 30;
    public int threads = 2;
    public String namePrefix = "bot";
    public long seed = 7;
    /** Ramp mode when > 0: add bots while the recent p99 delay stays under this many ms. */
    public int rampUntilMs;
    /** Bots at the start of ramp mode. */
    public int rampStart = 100;
    /** Ramp mode: add exactly this many bots a second while under the limit; 0 = adaptive steps. */
    public int rampStep;
    /** Ramp mode: judge the p99 delay of the last this many seconds. */
    public int rampWindowS = 1;
    /**
     * Churn: this percentage of the bots leaves and is replaced by a new bot (a new connection and
     * login) per minute of the measured phase, spread evenly over the minute; 0 = none.
     */
    public double churnPct;
    /** Every this many seconds an "interval" line with that span's counts and delays; 0 = none. */
    public int intervalS;
    /**
     * The first this many of the {@link #clients} bots connect over WebSocket ({@code ws://host:httpPort/ws})
     * instead of TCP; 0 = none. A replacement (failure, churn) keeps its worker's share of each transport.
     */
    public int websocket;
    /** The server's HTTP port (its READY line's {@code http=}); needed when {@link #websocket} > 0. */
    public int httpPort;

    public void validate() {
        require(clients >= 1, "--clients must be >= 1");
        require(connectRate >= 1, "--connect-rate must be >= 1");
        require(moveIntervalMs >= 1, "--move-interval-ms must be >= 1");
        require(warmupS >= 0, "--warmup-s must be >= 0");
        require(durationS >= 1, "--duration-s must be >= 1");
        require(threads >= 1, "--threads must be >= 1");
        require(rampUntilMs >= 0, "--ramp-until-ms must be >= 0");
        require(rampStart >= 1, "--ramp-start must be >= 1");
        require(rampStep >= 0, "--ramp-step must be >= 0");
        require(rampWindowS >= 1 && rampWindowS <= 60, "--ramp-window-s must be 1..60");
        require(churnPct >= 0 && churnPct <= 100, "--churn-pct must be 0..100");
        require(intervalS >= 0, "--interval-s must be >= 0");
        require(port >= 1 && port <= 65535, "--port must be 1..65535");
        require(websocket >= 0 && websocket <= clients, "--websocket must be 0..--clients (" + clients + ")");
        require(httpPort >= 0 && httpPort <= 65535, "--http-port must be 1..65535");
        require(websocket == 0 || httpPort >= 1,
                "--websocket needs --http-port P, the server's HTTP port (its READY line says http=P)");
        require(namePrefix.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 9 <= 20,
                "--name-prefix must be at most 11 bytes of UTF-8 (names are 20 bytes)");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
