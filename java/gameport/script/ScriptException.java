package gameport.script;

/**
 * A kind's script cannot be used: the message names the file, the line where known, and why. A
 * bad argument to the server, like a bad flag: at start-up it ends the start with exit code 2.
 */
public final class ScriptException extends IllegalArgumentException {
    public ScriptException(String message) {
        super(message);
    }
}
