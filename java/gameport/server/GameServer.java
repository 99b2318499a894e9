package gameport.server;

import gameport.engine.Engine;
import gameport.engine.NativeEngine;
import gameport.engine.NativeLibrary;
import gameport.engine.NioEngine;
import gameport.game.GameLoop;
import gameport.game.GameTimings;
import java.nio.file.Path;
import java.io.IOException;
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
    private boolean closed;

    private GameServer(Engine engine, GameLoop loop, Thread gameThread, int port, StageHistograms histograms) {
        this.histograms = histograms;
        this.engine = engine;
        this.loop = loop;
        this.gameThread = gameThread;
        this.port = port;
    }

    /** Validates the config, binds, starts the engine and the game thread; returns once listening. */
    public static GameServer start(ServerConfig config) throws IOException {
        config.validate();
        Engine engine = createEngine(config);
        int port;
        try {
            port = engine.start(config.host, config.port);
        } catch (IOException e) {
            engine.close();
            throw new IOException("cannot listen on " + config.host + ":" + config.port + ": " + e.getMessage(), e);
        }
        GameTimings timings = new GameTimings();
        StageHistograms histograms = null;
        if (config.histogramDir != null) {
            try {
                histograms = new StageHistograms(Path.of(config.histogramDir), timings, engine);
            } catch (IOException e) {
                engine.close();
                throw new IOException("--histogram-dir " + config.histogramDir + ": " + e.getMessage(), e);
            }
        }
        GameLoop loop = new GameLoop(engine, config, timings);
        Thread thread = new Thread(loop, "gameport-game");
        thread.start();
        LOG.info("listening on " + config.host + ":" + port + " with the " + engine.name() + " engine; map "
                + config.width + "x" + config.height + ", view range " + config.viewRange
                + ", max users " + config.maxUsers);
        return new GameServer(engine, loop, thread, port, histograms);
    }

    private static Engine createEngine(ServerConfig config) throws EngineUnavailableException {
        // Room beyond max users, so a client over the limit still hears "server full".
        int maxSessions = config.maxUsers + Math.max(64, config.maxUsers / 10);
        boolean nativeWanted = !config.engine.equals("java");
        if (nativeWanted && !NativeLibrary.isAvailable()) {
            if (config.engine.equals("native")) {
                throw new EngineUnavailableException("the native engine cannot start: " + NativeLibrary.unavailableReason());
            }
            LOG.info("native engine unavailable (" + NativeLibrary.unavailableReason() + "); using the java engine");
            nativeWanted = false;
        }
        if (nativeWanted) {
            return new NativeEngine(config.workers, config.maxPendingBytes, maxSessions, EVENT_RING_BYTES, REQUEST_RING_BYTES);
        }
        return new NioEngine(maxSessions, config.maxPendingBytes, EVENT_RING_BYTES, REQUEST_RING_BYTES);
    }

    public int port() {
        return port;
    }

    public String engineName() {
        return engine.name();
    }

    /** Stops the game thread, closes every connection and the listener. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        loop.stop();
        try {
            loop.awaitStopped();
            gameThread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (histograms != null) {
            histograms.close(); // while the engine can still report its send timings
        }
        engine.close();
        LOG.info("server stopped");
    }
}
