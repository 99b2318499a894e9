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
 * the scripts' folder or of its lib/ is written, created, renamed or deleted, or when lib/ itself
 * is created or deleted. lib/ is watched while it is there: a lib/ made after the start is
 * watched from when the folder reports it, and one that is deleted just stops being watched. It
 * runs on a daemon thread of its own, "gameport-scripts-watch", and touches nothing but the
 * request: the reload is the game thread's ({@link ScriptReloader}).
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
    private final Path lib;
    private final ReloadRequest request;
    private final WatchService service;
    private final Thread thread;
    /** The folder's key (lib/'s are the others). */
    private final WatchKey dirKey;
    /** close() was called: a key that goes invalid now is the shutdown's doing, not the folder's. */
    private volatile boolean closing;

    private ScriptWatcher(Path dir, ReloadRequest request) throws IOException {
        this.dir = dir;
        this.lib = dir.resolve("lib"); // the shared modules (ScriptModules)
        this.request = request;
        this.service = FileSystems.getDefault().newWatchService();
        try {
            dirKey = dir.register(service, ENTRY_CREATE, ENTRY_MODIFY, ENTRY_DELETE);
            watchLib();
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

    /** Watches lib/ if it is there (registering a folder watched already gives its key again). */
    private void watchLib() throws IOException {
        if (Files.isDirectory(lib)) {
            lib.register(service, ENTRY_CREATE, ENTRY_MODIFY, ENTRY_DELETE);
        }
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
        } catch (FolderGone gone) {
            if (!closing) {
                LOG.warning("--scripts-watch: " + dir + " cannot be watched any more (it was removed or renamed);"
                        + " script edits are not picked up until a restart (SIGHUP still reloads)");
            }
        }
    }

    /** The scripts' folder itself went away: nothing is left to watch. */
    private static final class FolderGone extends Exception {
        FolderGone() {
            super(null, null, false, false);
        }
    }

    /** Whether the key's events touch a script or lib/; re-arms the key. */
    private boolean drain(WatchKey key) throws FolderGone {
        boolean scripts = false;
        for (WatchEvent<?> e : key.pollEvents()) {
            // OVERFLOW: events were lost, so anything may have changed (lib/ may have come, too).
            boolean libItself = key == dirKey && (e.kind() == OVERFLOW || e.context().toString().equals("lib"));
            scripts |= libItself || e.kind() == OVERFLOW || e.context().toString().endsWith(".lua");
            if (libItself && e.kind() != ENTRY_DELETE) {
                try {
                    watchLib(); // a lib/ created (or renamed in) after the start
                } catch (IOException | RuntimeException failed) {
                    if (!closing) {
                        LOG.warning("--scripts-watch: cannot watch " + lib + " (" + failed + "); edits there are"
                                + " not picked up until a restart (SIGHUP still reloads)");
                    }
                }
            }
        }
        if (!key.reset() && key == dirKey) {
            throw new FolderGone();
        }
        // An invalid lib/ key: lib/ was deleted or renamed. It is watched again when the folder
        // reports a new one.
        return scripts;
    }

    /** Stops watching; any thread. */
    @Override
    public void close() {
        closing = true;
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
