package gameport.web;

import gameport.game.GameMap;
import gameport.game.LiveStats;
import gameport.ring.ManyToOneRing;
import gameport.server.StageSample;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Logger;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ResourceHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * The server's HTTP side (Jetty 12, on its own threads, in the game server's process):
 * <ul>
 *   <li>{@code /} and its files: the browser client, served from the jar's {@code web/} folder;</li>
 *   <li>{@code /ws}: the game protocol in WebSocket binary frames ({@link WebSocketGateway});</li>
 *   <li>{@code /api/config} and {@code /api/map}: what the client draws with (the map never changes);</li>
 *   <li>{@code /admin}, {@code /admin/api/state}, {@code /admin/api/heatmap} and {@code /metrics}:
 *       the operator's, behind {@link AdminAccess}.</li>
 * </ul>
 * Nothing here touches the game's state: it reads what the game thread publishes ({@link LiveStats}).
 */
public final class HttpFront implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("gameport.web");
    /** Larger than any frame a client needs (its packets are at most 303 bytes); more is a protocol error. */
    static final int MAX_FRAME_BYTES = 16 * 1024;

    /** What the pages show, read on Jetty's threads. */
    public record Sources(String engineName, GameMap map, int viewRange, Supplier<LiveStats.Snapshot> live,
                          Runnable wantHeatmap, Supplier<List<StageSample>> stages, ManyToOneRing events,
                          Map<String, ManyToOneRing> rings) {
    }

    private final Server server;
    private final ServerConnector connector;
    private final WebSocketGateway gateway;

    private HttpFront(Server server, ServerConnector connector, WebSocketGateway gateway) {
        this.server = server;
        this.connector = connector;
        this.gateway = gateway;
    }

    /**
     * Binds {@code host:port} (0 picks a free port) and serves; the gateway starts its sender.
     *
     * @param idleTimeoutMs the game's --idle-timeout-ms: Jetty's own idle timeout is longer, so the
     *        game's rule is the one that ends a quiet player
     */
    public static HttpFront start(String host, int port, String adminToken, long idleTimeoutMs,
                                  WebSocketGateway gateway, Sources sources) throws IOException {
        QueuedThreadPool pool = new QueuedThreadPool(64, 4);
        pool.setName("gameport-http");
        pool.setDaemon(true);
        Server server = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        // Jetty's per-connection header cache matches values ignoring case: on a reused connection a
        // token differing from the last one only in case would be read as that one (measured).
        http.setHeaderCacheCaseSensitive(true);
        http.setSendServerVersion(false);
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);

        Routes routes = new Routes(new AdminAccess(adminToken), sources);
        ResourceHandler files = new ResourceHandler();
        files.setBaseResource(ResourceFactory.of(server).newClassLoaderResource("web/"));
        files.setDirAllowed(false);
        files.setWelcomeFiles(List.of("index.html"));
        routes.setHandler(files);

        WebSocketUpgradeHandler upgrades = WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxFrameSize(MAX_FRAME_BYTES);
            container.setAutoFragment(false); // a frame over the limit is an error, not cut into pieces
            container.setMaxBinaryMessageSize(-1); // a stream: only frames are bounded
            container.setMaxTextMessageSize(MAX_FRAME_BYTES);
            container.setIdleTimeout(Duration.ofMillis(idleTimeoutMs + 30_000));
            container.addMapping("/ws", (request, response, callback) -> new WsConnection(gateway));
        });
        upgrades.setHandler(routes);
        server.setHandler(upgrades);
        try {
            server.start();
        } catch (Exception e) {
            try {
                server.stop();
            } catch (Exception ignored) {
                // the start's failure is the one to report
            }
            throw new IOException(e.getMessage(), e);
        }
        gateway.start(pool);
        return new HttpFront(server, connector, gateway);
    }

    public int port() {
        return connector.getLocalPort();
    }

    /** Stops serving: open WebSocket connections are closed (the game thread has already let them go). */
    @Override
    public void close() {
        gateway.close();
        try {
            server.setStopTimeout(2000);
            server.stop();
        } catch (Exception e) {
            LOG.warning("stopping the HTTP server: " + e);
        }
    }

    /** The server's own paths; anything else falls through to the files. */
    private static final class Routes extends Handler.Wrapper {
        private final AdminAccess access;
        private final Sources sources;
        private final Metrics metrics;
        private volatile byte[] mapBits;

        Routes(AdminAccess access, Sources sources) {
            this.access = access;
            this.sources = sources;
            this.metrics = new Metrics(sources.live(), sources.stages(), sources.rings());
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String path = Request.getPathInContext(request);
            switch (path) {
                case "/api/config":
                    Replies.json(response, "{\"viewRange\":" + sources.viewRange() + ",\"width\":"
                            + sources.map().width() + ",\"height\":" + sources.map().height() + "}", callback);
                    return true;
                case "/api/map":
                    Replies.send(response, 200, "application/octet-stream", mapBits(), callback);
                    return true;
                case "/admin", "/admin/", "/metrics", "/admin/api/state", "/admin/api/heatmap":
                    if (!access.allows(request)) {
                        Replies.text(response, 403, "text/plain; charset=utf-8", access.refusal(), callback);
                        return true;
                    }
                    return admin(path, request, response, callback);
                default:
                    return super.handle(request, response, callback);
            }
        }

        private boolean admin(String path, Request request, Response response, Callback callback) throws Exception {
            switch (path) {
                case "/metrics":
                    Replies.send(response, 200, metrics.contentType(), metrics.scrape(), callback);
                    return true;
                case "/admin/api/state":
                    sources.wantHeatmap().run();
                    Replies.json(response, AdminJson.state(sources.live().get(), sources.stages().get(),
                            sources.engineName(), sources.events()), callback);
                    return true;
                case "/admin/api/heatmap": {
                    sources.wantHeatmap().run();
                    LiveStats.Snapshot s = sources.live().get();
                    Replies.json(response, AdminJson.heatmap(s == null ? null : s.heatmap()), callback);
                    return true;
                }
                default: // the page itself
                    return super.handle(Request.serveAs(request,
                            org.eclipse.jetty.http.HttpURI.build(request.getHttpURI()).path("/admin.html")),
                            response, callback);
            }
        }

        /** u32 width, u32 height (little-endian), then one bit per tile, row-major, LSB first; 1 = wall. */
        private byte[] mapBits() {
            byte[] bits = mapBits;
            if (bits == null) {
                GameMap map = sources.map();
                int w = map.width();
                int h = map.height();
                bits = new byte[8 + (int) (((long) w * h + 7) / 8)];
                java.nio.ByteBuffer.wrap(bits).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(w).putInt(h);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        if (map.isWall(x, y)) {
                            long i = (long) y * w + x;
                            bits[8 + (int) (i >>> 3)] |= (byte) (1 << (i & 7));
                        }
                    }
                }
                mapBits = bits;
            }
            return bits;
        }
    }
}
