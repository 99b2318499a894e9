package gameport.game;

/**
 * Reloading the NPC kinds while the server runs (the scripts of --scripts DIR). Another thread
 * (a file watcher, a signal handler) only asks for it; the game loop looks once a round
 * ({@link #requested}) and reloads on its own thread between two rounds, because the kinds, their
 * scripts' runtime and the world belong to the game thread and nothing there locks.
 */
public interface KindReload {
    /** Whether a reload was asked for. Game thread, once a round: one volatile read, nothing more. */
    boolean requested();

    /**
     * Takes the request and reloads, on the game thread between two rounds; new stats go into the
     * world through {@code table}. A kind that fails to reload keeps its previous version: this
     * logs why and never throws for a script's sake.
     */
    void reload(KindTable table);
}
