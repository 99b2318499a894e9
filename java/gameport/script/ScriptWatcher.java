package gameport.script;

import static java.nio.file.StandardWatchEventKinds.*;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * {@code --scripts-watch}: asks for a reload ({@link ReloadRequest}) when a {@code .lua} file of
 * the scripts' folder or of its lib/ (if it has one at the start) is written, created, renamed or
 * deleted. It runs on a daemon thread of its
 * own, "gameport-scripts-watch", and touches nothing but the request: the reload is the game
 * thread's ({@link ScriptReloader}).
 *
 * <p>Changes are gathered until the folder has been quiet for {@link #QUIET_MS}: an editor saves
 * in several steps (truncate then write, or write a temporary file and rename it), and a reload
 * between them would read half a file. On Linux the JDK's WatchService is inotify, so a save
 * reaches the game within a few hundred milliseconds; where the JDK has to poll (macOS) it can
 * take seconds.
 */
public final class ScriptWatcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger("gameport.script");
    /** A save is taken as finished after this long without another change in the folder. */
    static final long QUIET_MS = 100;

    private final Path dir;
    private final ReloadRequest request;
    private final WatchService service;
    private final Thread thread;

    private ScriptWatcher(Path dir, ReloadRequest request) throws IOException {
        this.dir = dir;
        this.request = request;
        this.service = FileSystems.getDefault().newWatchService();
        try {
            dir.register(service, ENTRY_CREATE, ENTRY_MODIFY, ENTRY_DELETE);
            Path lib = dir.resolve("lib"); // the shared modules (ScriptModules), if there are any now
            if (Files.isDirectory(lib)) {
                lib.register(service, ENTRY_CREATE, ENTRY_MODIFY, ENTRY_DELETE);
            }
        } catch (IOException | RuntimeException e) {
            service.close();
            throw e;
        }
        this.thread = new Thread(this::run, "gameport-scripts-watch");
        thread.setDaemon(true); // it must never keep the JVM alive
    }

    /** Watches {@code dir} from now on. */
    public static ScriptWatcher start(Path dir, ReloadRequest request) throws IOException {
        ScriptWatcher w = new ScriptWatcher(dir, request);
        w.thread.start();
        LOG.info("--scripts-watch: a changed script in " + dir + " is reloaded between two game rounds");
        return w;
    }

    private void run() {
        try {
            while (true) {
                boolean scripts = drain(service.take());
                WatchKey more;
                while ((more = service.poll(QUIET_MS, TimeUnit.MILLISECONDS)) != null) {
                    scripts |= drain(more);
                }
                if (scripts) {
                    request.ask();
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException closed) {
            // close(): the server stops
        } catch (IllegalStateException gone) {
            LOG.warning("--scripts-watch: " + dir + " cannot be watched any more (" + gone.getMessage()
                    + "); script edits are not picked up until a restart (SIGHUP still reloads)");
        }
    }

    /** Whether the key's events touch a script; re-arms the key. */
    private boolean drain(WatchKey key) {
        boolean scripts = false;
        for (WatchEvent<?> e : key.pollEvents()) {
            // OVERFLOW: events were lost, so anything may have changed.
            scripts |= e.kind() == OVERFLOW || e.context().toString().endsWith(".lua");
        }
        if (!key.reset()) {
            throw new IllegalStateException("the folder was removed or renamed");
        }
        return scripts;
    }

    /** Stops watching; any thread. */
    @Override
    public void close() {
        try {
            service.close();
        } catch (IOException e) {
            LOG.fine("--scripts-watch: closing the watch service: " + e);
        }
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
