package gameport.script;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * "The scripts changed, reload them": asked by any thread (the folder's watcher, the SIGHUP
 * handler), taken by the game thread ({@link ScriptReloader}), which alone may touch the scripts'
 * runtime. Requests that come before the game thread takes them are one reload: it reads the
 * folder after taking the request, so it sees every change made before the last ask.
 */
public final class ReloadRequest {
    private final AtomicBoolean asked = new AtomicBoolean();

    /** Any thread; never blocks. */
    public void ask() {
        asked.set(true);
    }

    /** Game thread, once a round: one volatile read. */
    boolean asked() {
        return asked.get();
    }

    /** Game thread: whether a reload was asked for, clearing the request (the write only when set). */
    boolean take() {
        return asked.get() && asked.getAndSet(false);
    }
}
