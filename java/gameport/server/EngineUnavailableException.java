package gameport.server;

import java.io.IOException;

/** The engine asked for by name cannot run here; the message says why. */
public final class EngineUnavailableException extends IOException {
    public EngineUnavailableException(String message) {
        super(message);
    }
}
