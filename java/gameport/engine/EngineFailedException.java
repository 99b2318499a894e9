package gameport.engine;

/**
 * The engine cannot go on: an I/O thread hit an unrecoverable error (out of memory, a hard
 * io_uring or completion-port error) and dropped its connections. Thrown on the game thread by
 * {@link Engine#endRound} and {@link Engine#requestsFull}; the game loop lets it end the thread,
 * which stops the server (exit code 1). The engine still has to be closed.
 */
public final class EngineFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Also the constructor the JNI bridge calls (ThrowNew). */
    public EngineFailedException(String reason) {
        super(reason);
    }
}
