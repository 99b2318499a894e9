package gameport.game;

import gameport.ring.CloseReason;
import java.util.ArrayDeque;
import java.util.List;

/**
 * What the game thread shows other threads (the /metrics and /admin pages): running totals since
 * start, the last closes, and on demand a heatmap of the world.
 *
 * <p>Threads: the game thread alone writes the counters below (plain fields) and, every
 * {@link #PUBLISH_NANOS}, copies them into a new immutable {@link Snapshot} stored in one volatile
 * field. Any thread reads {@link #latest()}: the volatile read orders every write that built the
 * snapshot before it, so a reader sees a whole snapshot of one moment, never a torn one, and the
 * game thread never waits for a reader. Readers ask for heatmaps with {@link #wantHeatmap()} (a
 * volatile deadline); the world is counted only while someone looks.
 */
public final class LiveStats {
    static final long PUBLISH_NANOS = 500_000_000L;
    private static final long HEATMAP_NANOS = 1_000_000_000L;
    private static final long HEATMAP_WANTED_NANOS = 5_000_000_000L;
    private static final int RECENT_CLOSES = 20;
    /** Heatmaps have at most this many cells per side. */
    private static final int HEATMAP_SIDE = 100;

    /** One session's end, for the operator's page. */
    public record Close(long timeMillis, String session, String reason, String text) {
    }

    /** Players and awake NPCs per cell of {@code cell} x {@code cell} tiles, row-major. */
    public record Heatmap(long timeMillis, int width, int height, int cell, int cols, int rows, int[] players,
                          int[] npcsAwake) {
    }

    /** Totals since start as of {@code timeMillis}; counts of now. Arrays are copies: never written after publication. */
    public record Snapshot(long timeMillis, long nanoTime, int sessions, int players, int npcsAwake, long packetsIn,
                           long packetsOut, long bytesIn, long bytesOut, long logins, long npcActs, long npcActTimeNanos, long busyNanos,
                           double busyRatio, long[] closesByReason, List<Close> recentCloses, Heatmap heatmap) {
        public long closes(CloseReason reason) {
            return closesByReason[reason.ordinal()];
        }
    }

    // Game thread only.
    long packetsIn;
    long bytesIn;
    long bytesOut;
    long busyNanos;
    private final long[] closes = new long[CloseReason.values().length];
    private final ArrayDeque<Close> recent = new ArrayDeque<>();
    private long nextPublish;
    private long nextHeatmap;
    private long lastBusyNanos;
    private long lastPublishNanos;
    private Heatmap heatmap;
    private int npcsAwake;

    private volatile Snapshot latest;
    private volatile long heatmapWantedUntil = Long.MIN_VALUE;

    /** Any thread: the last published snapshot, or null before the first round. */
    public Snapshot latest() {
        return latest;
    }

    /** Any thread: heatmaps are wanted for the next few seconds (the admin page polls this). */
    public void wantHeatmap() {
        heatmapWantedUntil = System.nanoTime() + HEATMAP_WANTED_NANOS;
    }

    void closed(ClientSession s, CloseReason reason, String text) {
        closes[reason.ordinal()]++;
        if (recent.size() == RECENT_CLOSES) {
            recent.removeFirst();
        }
        recent.addLast(new Close(System.currentTimeMillis(), s.describe(), reason.label, text));
    }

    /** When the game thread should publish next (its rounds wake up for it). */
    long nextPublishNanos() {
        return nextPublish;
    }

    /** Game thread, after a round: publishes a snapshot if one is due. */
    void maybePublish(long now, int sessions, World world, long packetsOut) {
        if (now - nextPublish < 0) {
            return;
        }
        nextPublish = now + PUBLISH_NANOS;
        boolean wanted = now - heatmapWantedUntil < 0;
        if (now - nextHeatmap >= 0) {
            // The census walks every NPC: once a second, not per publish. Heatmaps only while wanted.
            nextHeatmap = now + HEATMAP_NANOS;
            heatmap = wanted ? census(world) : null;
            if (!wanted) {
                npcsAwake = world.census(0, 0, null, null);
            }
        }
        double busy = lastPublishNanos == 0 ? 0 : (double) (busyNanos - lastBusyNanos) / (now - lastPublishNanos);
        lastBusyNanos = busyNanos;
        lastPublishNanos = now;
        latest = new Snapshot(System.currentTimeMillis(), now, sessions, world.online(), npcsAwake, packetsIn,
                packetsOut, bytesIn, bytesOut, world.logins, world.npcActs, world.npcActTimeNanos, busyNanos, Math.min(1.0, busy), closes.clone(),
                List.copyOf(recent), wanted ? heatmap : null);
    }

    private Heatmap census(World world) {
        int width = world.width();
        int height = world.height();
        int cell = Math.max(1, (Math.max(width, height) + HEATMAP_SIDE - 1) / HEATMAP_SIDE);
        int cols = (width + cell - 1) / cell;
        int rows = (height + cell - 1) / cell;
        int[] players = new int[cols * rows];
        int[] npcs = new int[cols * rows];
        npcsAwake = world.census(cell, cols, players, npcs);
        return new Heatmap(System.currentTimeMillis(), width, height, cell, cols, rows, players, npcs);
    }
}
