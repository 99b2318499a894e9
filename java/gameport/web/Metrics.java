package gameport.web;

import gameport.game.LiveStats;
import gameport.ring.CloseReason;
import gameport.ring.ManyToOneRing;
import gameport.server.StageSample;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.SummaryWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * /metrics in the Prometheus text format, built with the Prometheus Java client. Every value is
 * read at scrape time from what the game thread and the stage sampler published (no counter is
 * kept twice): totals are counters ({@code _total}), levels are gauges, stage latencies are
 * summaries in seconds (quantiles of the last second, count and sum since start).
 */
final class Metrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    Metrics(Supplier<LiveStats.Snapshot> live, Supplier<List<StageSample>> stages, Map<String, ManyToOneRing> rings) {
        gauge("gameport_sessions", "Connections the game thread knows (TCP and WebSocket)", live, s -> s.sessions());
        gauge("gameport_players_online", "Players logged in", live, s -> s.players());
        gauge("gameport_npcs_awake", "NPCs awake (watched by a player); sleeping ones cost nothing", live,
                s -> s.npcsAwake());
        gauge("gameport_game_loop_busy_ratio", "Share of the last half second the game thread spent on game rules",
                live, s -> s.busyRatio());
        counter("gameport_game_loop_busy_seconds", "Time the game thread spent on game rules", live,
                s -> s.busyNanos() / 1e9);
        counter("gameport_logins", "Logins answered with SC_LOGIN_INFO", live, s -> s.logins());
        counter("gameport_npc_acts", "Acts of awake NPCs (their behaviour ran: a script callback or the Java kinds')",
                live, s -> s.npcActs());
        counter("gameport_npc_act_seconds", "Time the game thread spent in NPC acts (the behaviour and the moves,"
                + " views and hits it caused)", live, s -> s.npcActTimeNanos() / 1e9);
        counter("gameport_packets_received", "Client packets the game thread handled", live, s -> s.packetsIn());
        counter("gameport_packets_sent", "Packets the game thread produced for clients", live, s -> s.packetsOut());
        counter("gameport_received_bytes", "Bytes of client packets the game thread handled", live, s -> s.bytesIn());
        counter("gameport_sent_bytes", "Bytes the game thread handed to the transports", live, s -> s.bytesOut());
        CounterWithCallback.builder().name("gameport_session_closes").help("Sessions ended, by reason")
                .labelNames("reason").callback(cb -> {
                    LiveStats.Snapshot s = live.get();
                    for (CloseReason r : CloseReason.values()) {
                        cb.call(s == null ? 0 : s.closes(r), r.name().toLowerCase(java.util.Locale.ROOT));
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("gameport_ring_used_bytes")
                .help("Bytes waiting in a ring between the I/O side and the game thread").labelNames("ring")
                .callback(cb -> rings.forEach((name, ring) -> cb.call(ring.size(), name))).register(registry);
        GaugeWithCallback.builder().name("gameport_ring_capacity_bytes").help("Size of each ring").labelNames("ring")
                .callback(cb -> rings.forEach((name, ring) -> cb.call(ring.capacity(), name))).register(registry);
        SummaryWithCallback.builder().name("gameport_stage_latency_seconds")
                .help("Latency of each stage of a packet's path (--histogram-dir names them); quantiles over the "
                        + "last second, count and sum since start")
                .labelNames("stage").callback(cb -> {
                    for (StageSample s : stages.get()) {
                        double unit = s.perSecond();
                        cb.call(s.totalCount(), s.totalSeconds(), Quantiles.of(new Quantile(0.5, s.p50() / unit),
                                new Quantile(0.99, s.p99() / unit)), s.name());
                    }
                }).register(registry);
    }

    private interface Value {
        double of(LiveStats.Snapshot s);
    }

    private void gauge(String name, String help, Supplier<LiveStats.Snapshot> live, Value value) {
        GaugeWithCallback.builder().name(name).help(help).callback(cb -> {
            LiveStats.Snapshot s = live.get();
            cb.call(s == null ? 0 : value.of(s));
        }).register(registry);
    }

    private void counter(String name, String help, Supplier<LiveStats.Snapshot> live, Value value) {
        CounterWithCallback.builder().name(name).help(help).callback(cb -> {
            LiveStats.Snapshot s = live.get();
            cb.call(s == null ? 0 : value.of(s));
        }).register(registry);
    }

    String contentType() {
        return writer.getContentType();
    }

    byte[] scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        writer.write(out, registry.scrape(), io.prometheus.metrics.config.EscapingScheme.UNDERSCORE_ESCAPING);
        return out.toByteArray();
    }
}
