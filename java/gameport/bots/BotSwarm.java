package gameport.bots;

import gameport.protocol.Protocol;
import java.io.IOException;
import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;

/**
 * Runs the bots on a few I/O threads (never a thread per bot). Fixed mode: warm-up, then the
 * measured phase with a progress line a second, then a drain and the summary. Ramp mode (the
 * course's method): keeps adding bots while the last second's p99 delay stays under the limit,
 * fast while far under, slowly when close, and sheds bots above it; reports the largest number
 * that held under the limit. The warm-up holds the starting number before ramping begins.
 * {@code --ramp-step N} adds a fixed N a second instead of the adaptive steps, and
 * {@code --ramp-window-s S} judges the p99 of the last S seconds instead of the last one.
 *
 * <p>{@code --churn-pct P}: during the measured phase P% of the bots a minute leave and are
 * replaced (new connection, new name, new login), spread evenly over the minute (a few each
 * second, never a wave). {@code --interval-s S}: every S seconds (warm-up included) an "interval"
 * line with that span's moves, echoes and delay percentiles, and its logins and their p99, for
 * tools that sample slower than the progress lines (tools/soak, tools/dbbench).
 *
 * <p>Logins are timed from CS_LOGIN to SC_LOGIN_INFO over the whole run, warm-up included: most
 * logins of a run happen in its warm-up, and a login storm is what tools/dbbench measures.
 *
 * <p>{@code --websocket N}: the first N bots connect over WebSocket (the server's
 * {@code --http-port}, path /ws) instead of TCP. Their moves are timed as the TCP bots' are, into
 * a histogram of their own: the progress lines add {@code p99(tcp)} and {@code p99(ws)}, the
 * interval lines are followed by one {@code interval-tcp} and one {@code interval-websocket} line,
 * and the summary by a {@code tcp:} and a {@code websocket:} line (JSON: {@code byTransport}).
 */
public final class BotSwarm {
    private static final long SECOND = 1_000_000;
    private static final long DRAIN_MICROS = 3_000_000;

    private final BotConfig config;
    private final PrintStream out;
    private final BotStats stats = new BotStats();
    private final long epochNanos = System.nanoTime();
    private BotWorker[] workers;

    public BotSwarm(BotConfig config, PrintStream out) {
        this.config = config;
        this.out = out;
    }

    private long micros() {
        return (System.nanoTime() - epochNanos) / 1000;
    }

    /** Runs to the end and returns the summary. */
    public BotSummary run() throws IOException, InterruptedException {
        int threads = Math.min(config.threads, config.clients);
        workers = new BotWorker[threads];
        Thread[] running = new Thread[threads];
        AtomicInteger names = new AtomicInteger();
        int perWorkerCapacity = (config.clients + threads - 1) / threads;
        boolean ramp = config.rampUntilMs > 0;
        for (int i = 0; i < threads; i++) {
            int websocketShare = config.websocket / threads + (i < config.websocket % threads ? 1 : 0);
            workers[i] = new BotWorker(config, stats, this::micros, names, perWorkerCapacity,
                    Math.max(1, config.connectRate / threads), websocketShare, config.seed * 31 + i);
        }
        setTarget(ramp ? Math.min(config.rampStart, config.clients) : config.clients);
        for (int i = 0; i < threads; i++) {
            running[i] = new Thread(workers[i], "gameport-bots-" + i);
            running[i].start();
        }
        boolean byTransport = config.websocket > 0;
        if (byTransport) {
            out.printf("bots: %d of them over WebSocket -> ws://%s:%d/ws%n", config.websocket, config.host,
                    config.httpPort);
        }
        if (ramp) {
            out.printf("bots: ramp from %d up to %d clients -> %s:%d while p99 < %d ms, %d I/O threads, "
                            + "a move every %d ms, for %d s%n", config.rampStart, config.clients, config.host,
                    config.port, config.rampUntilMs, threads, config.moveIntervalMs, config.warmupS + config.durationS);
        } else {
            out.printf("bots: %d clients -> %s:%d, %d I/O threads, a move every %d ms, warm-up %d s, measure %d s%n",
                    config.clients, config.host, config.port, threads, config.moveIntervalMs, config.warmupS,
                    config.durationS);
        }

        long measureStart = config.warmupS * SECOND;
        long measureEnd = measureStart + config.durationS * SECOND;
        long lastMoves = 0;
        long lastEchoes = 0;
        long movesAtStart = 0;
        long echoesAtStart = 0;
        Histogram interval = new Histogram(BotStats.MAX_DELAY_MICROS, 3);
        Histogram[] transportInterval = new Histogram[2];
        Histogram loginInterval = null;
        // Ramp mode: the last rampWindowS seconds' intervals, judged together.
        Histogram[] recent = new Histogram[ramp ? config.rampWindowS : 0];
        Histogram window = ramp ? new Histogram(BotStats.MAX_DELAY_MICROS, 3) : null;
        int slot = 0;
        boolean measuring = measureStart == 0;
        if (measuring) {
            out.println("MEASURE start");
        }
        int target = currentTarget();
        int sustained = 0;
        int previousGood = -1;
        int ceiling = Integer.MAX_VALUE;
        double churnOwed = 0;
        int churnNext = 0;
        Histogram span = config.intervalS > 0 ? new Histogram(BotStats.MAX_DELAY_MICROS, 3) : null;
        Histogram loginSpan = config.intervalS > 0 ? new Histogram(BotStats.MAX_DELAY_MICROS, 3) : null;
        Histogram[] transportSpan = new Histogram[2];
        long[] transportSpanMoves = new long[2];
        long[] transportSpanEchoes = new long[2];
        if (span != null && byTransport) {
            for (int t = 0; t < 2; t++) {
                transportSpan[t] = new Histogram(BotStats.MAX_DELAY_MICROS, 3);
            }
        }
        long spanMoves = 0;
        long spanEchoes = 0;
        long spanLoginFailures = 0;
        for (long tick = SECOND; tick <= measureEnd; tick += SECOND) {
            sleepUntil(tick);
            interval.reset();
            for (int t = 0; t < 2; t++) {
                transportInterval[t] = stats.transports[t].delay.getIntervalHistogram(transportInterval[t]);
                interval.add(transportInterval[t]);
            }
            loginInterval = stats.login.getIntervalHistogram(loginInterval);
            stats.logins.add(loginInterval);
            if (tick == measureStart) {
                // Everything recorded so far was warm-up.
                out.println("MEASURE start");
                movesAtStart = stats.movesSent.get();
                echoesAtStart = stats.echoes.get();
                measuring = true;
            } else if (measuring) {
                stats.measured.add(interval);
                for (int t = 0; t < 2; t++) {
                    stats.transports[t].measured.add(transportInterval[t]);
                }
            }
            long moves = stats.movesSent.get();
            long echoes = stats.echoes.get();
            long p99 = interval.getValueAtPercentile(99);
            long judged = p99;
            long judgedCount = interval.getTotalCount();
            if (ramp && recent.length > 1) {
                if (recent[slot] == null) {
                    recent[slot] = interval.copy();
                } else {
                    recent[slot].reset();
                    recent[slot].add(interval);
                }
                slot = (slot + 1) % recent.length;
                window.reset();
                for (Histogram h : recent) {
                    if (h != null) {
                        window.add(h);
                    }
                }
                judged = window.getValueAtPercentile(99);
                judgedCount = window.getTotalCount();
            }
            if (config.churnPct > 0 && measuring && tick > measureStart) {
                churnOwed += currentTarget() * config.churnPct / 100.0 / 60.0;
                for (int n = (int) churnOwed; n > 0; n--, churnOwed--) {
                    workers[churnNext].churnRequests.incrementAndGet();
                    churnNext = (churnNext + 1) % workers.length;
                }
            }
            int shownTarget = target;
            if (ramp && measuring) {
                boolean good = judged < config.rampUntilMs * 1000L && judgedCount > 0
                        && stats.loggedIn.get() >= target;
                // A count is sustained when two seconds in a row stayed under the limit with all
                // bots in: the second shows the count's full effect, not the start of it.
                if (good && previousGood > 0) {
                    sustained = Math.max(sustained, Math.min(previousGood, target));
                }
                previousGood = good ? target : -1;
                if (judged >= config.rampUntilMs * 1000L) {
                    ceiling = Math.min(ceiling, target);
                }
                target = nextTarget(target, judged, good, ceiling);
                setTarget(target);
            }
            // Ramp mode: target = the bots this second was run with, sustained = the largest
            // count sustained so far (this second included).
            // By transport: "p99(tcp)=" and "p99(ws)=", which the tools' "p99=" patterns do not match.
            out.printf("t=%ds%s %sconnected=%d loggedIn=%d moves/s=%d echoes/s=%d p50=%.2fms p99=%.2fms%s max=%.2fms errors=%d%s%s%n",
                    tick / SECOND, measuring ? "" : " (warm-up)",
                    ramp ? "target=" + shownTarget + " sustained=" + sustained + " " : "",
                    stats.connected.get(), stats.loggedIn.get(), moves - lastMoves, echoes - lastEchoes,
                    interval.getValueAtPercentile(50) / 1000.0, p99 / 1000.0,
                    ramp && recent.length > 1 ? String.format(" p99(%ds)=%.2fms", recent.length, judged / 1000.0) : "",
                    interval.getMaxValue() / 1000.0, stats.errors.get(),
                    config.churnPct > 0 ? " churned=" + stats.churned.get() : "",
                    byTransport ? String.format(" p99(tcp)=%.2fms p99(ws)=%.2fms",
                            transportInterval[0].getValueAtPercentile(99) / 1000.0,
                            transportInterval[1].getValueAtPercentile(99) / 1000.0) : "");
            if (span != null) {
                span.add(interval);
                loginSpan.add(loginInterval);
                if (byTransport) {
                    for (int t = 0; t < 2; t++) {
                        transportSpan[t].add(transportInterval[t]);
                    }
                }
                if (tick / SECOND % config.intervalS == 0) {
                    // A span that began in the warm-up is a warm-up span (measuring starts at its end).
                    boolean warm = tick - config.intervalS * SECOND < measureStart;
                    long loginFailures = stats.loginFailures.get();
                    // unanswered: every move sent and not (yet) echoed, the ones in flight included.
                    // p50..max: the moves' delays; login_*: the logins answered in the span.
                    out.printf("interval t=%ds%s seconds=%d moves=%d echoes=%d unanswered=%d churned=%d connected=%d "
                                    + "loggedIn=%d errors=%d p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms "
                                    + "logins=%d login_fails=%d login_p99=%.2fms%n",
                            tick / SECOND, warm ? " (warm-up)" : "", config.intervalS, moves - spanMoves,
                            echoes - spanEchoes, moves - echoes - stats.shedMoves.get(), stats.churned.get(),
                            stats.connected.get(), stats.loggedIn.get(), stats.errors.get(),
                            span.getValueAtPercentile(50) / 1000.0, span.getValueAtPercentile(90) / 1000.0,
                            span.getValueAtPercentile(99) / 1000.0, span.getMaxValue() / 1000.0,
                            loginSpan.getTotalCount(), loginFailures - spanLoginFailures,
                            loginSpan.getValueAtPercentile(99) / 1000.0);
                    if (byTransport) {
                        // The same span per transport, on lines of their own ("interval-tcp",
                        // "interval-websocket"): the tools' "^interval " patterns skip them.
                        for (int t = 0; t < 2; t++) {
                            BotStats.Transport tr = stats.transports[t];
                            Histogram h = transportSpan[t];
                            long tMoves = tr.movesSent.get();
                            long tEchoes = tr.echoes.get();
                            out.printf("interval-%s t=%ds%s seconds=%d moves=%d echoes=%d logins=%d errors=%d "
                                            + "p50=%.2fms p90=%.2fms p99=%.2fms p99.9=%.2fms max=%.2fms%n",
                                    tr.name, tick / SECOND, warm ? " (warm-up)" : "", config.intervalS,
                                    tMoves - transportSpanMoves[t], tEchoes - transportSpanEchoes[t],
                                    tr.logins.get(), tr.errors.get(),
                                    h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
                                    h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0,
                                    h.getMaxValue() / 1000.0);
                            h.reset();
                            transportSpanMoves[t] = tMoves;
                            transportSpanEchoes[t] = tEchoes;
                        }
                    }
                    span.reset();
                    loginSpan.reset();
                    spanMoves = moves;
                    spanEchoes = echoes;
                    spanLoginFailures = loginFailures;
                }
            }
            lastMoves = moves;
            lastEchoes = echoes;
        }
        long movesInWindow = stats.movesSent.get() - movesAtStart;
        long echoesInWindow = stats.echoes.get() - echoesAtStart;
        out.println("MEASURE end moves=" + movesInWindow + " echoes=" + echoesInWindow);

        for (BotWorker w : workers) {
            w.sendingMoves = false;
            w.wakeup();
        }
        long drainUntil = micros() + DRAIN_MICROS;
        while (stats.echoes.get() + stats.shedMoves.get() < stats.movesSent.get() && micros() < drainUntil) {
            Thread.sleep(20);
        }
        for (int t = 0; t < 2; t++) {
            Histogram last = stats.transports[t].delay.getIntervalHistogram();
            stats.measured.add(last);
            stats.transports[t].measured.add(last);
        }
        for (int i = 0; i < threads; i++) {
            workers[i].stop = true;
            workers[i].wakeup();
            running[i].join();
        }
        stats.logins.add(stats.login.getIntervalHistogram()); // logins answered during the drain
        long[] byType = new long[Protocol.SC_STAT_CHANGE + 1];
        for (int t = 0; t < byType.length; t++) {
            byType[t] = stats.packetsByType.get(t);
        }
        BotSummary.ByTransport[] transports = new BotSummary.ByTransport[byTransport ? 2 : 0];
        for (int t = 0; t < transports.length; t++) {
            BotStats.Transport tr = stats.transports[t];
            transports[t] = new BotSummary.ByTransport(tr.name,
                    t == BotStats.WEBSOCKET ? config.websocket : config.clients - config.websocket,
                    tr.movesSent.get(), tr.echoes.get(), tr.logins.get(), tr.errors.get(), tr.measured);
        }
        return new BotSummary(config, stats.movesSent.get(), stats.echoes.get(), stats.shedMoves.get(),
                movesInWindow, stats.errors.get(), stats.churned.get(), stats.measured, stats.logins,
                stats.loginFailures.get(), byType, ramp ? sustained : -1, transports);
    }

    /**
     * Fast while far under the limit and below any count that crossed it before, slowly when close
     * to either, shed above the limit; with --ramp-step N, always N while under the limit.
     */
    private int nextTarget(int target, long p99Micros, boolean good, int ceiling) {
        long limit = config.rampUntilMs * 1000L;
        if (p99Micros >= limit) {
            return Math.max(1, target - Math.max(10, target / 20));
        }
        if (!good) {
            return target; // still connecting: wait for every bot to be in
        }
        if (config.rampStep > 0) {
            return Math.min(config.clients, target + config.rampStep);
        }
        int fast = Math.max(20, target / 10);
        int slow = Math.max(5, target / 50);
        int step = p99Micros < limit / 2 && target + fast < ceiling ? fast : slow;
        return Math.min(config.clients, target + step);
    }

    private int currentTarget() {
        int sum = 0;
        for (BotWorker w : workers) {
            sum += w.target;
        }
        return sum;
    }

    private void setTarget(int total) {
        int n = workers.length;
        for (int i = 0; i < n; i++) {
            workers[i].target = total / n + (i < total % n ? 1 : 0);
            workers[i].wakeup();
        }
    }

    private void sleepUntil(long micros) throws InterruptedException {
        long left;
        while ((left = micros - micros()) > 0) {
            Thread.sleep(Math.max(1, left / 1000));
        }
    }
}
