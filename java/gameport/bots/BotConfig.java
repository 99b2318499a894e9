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

    public void validate() {
        require(clients >= 1, "--clients must be >= 1");
        require(connectRate >= 1, "--connect-rate must be >= 1");
        require(moveIntervalMs >= 1, "--move-interval-ms must be >= 1");
        require(warmupS >= 0, "--warmup-s must be >= 0");
        require(durationS >= 1, "--duration-s must be >= 1");
        require(threads >= 1, "--threads must be >= 1");
        require(port >= 1 && port <= 65535, "--port must be 1..65535");
        require(namePrefix.length() + String.valueOf(clients).length() <= 20, "--name-prefix too long for 20-byte names");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
