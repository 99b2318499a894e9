package gameport.script;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.luaj.vm2.LuaError;

/**
 * Where in a script an error happened, as one line in Lua's own form: "orc.lua:12: attempt to
 * index ? (a nil value)".
 */
final class ScriptErrors {
    /**
     * LuaJ's interpreter writes "@orc.lua:12 message" (the chunk name keeps its "@"), followed,
     * with a debug library installed, by a traceback from the next line on.
     */
    private static final Pattern INTERPRETED = Pattern.compile("@?([^:\\s]+):(\\d+):? (.*)", Pattern.DOTALL);

    private ScriptErrors() {
    }

    /**
     * The error's message with the script's file and line (a LuaError, or any exception that a
     * script's code let through). Interpreted code names them in the
     * message; bytecode compiled by LuaJC ({@link ScriptCode}) does not, but its frames carry the
     * script's file and line numbers, so the innermost frame of that file gives them.
     */
    static String located(RuntimeException e, String file) {
        // LuaError says what went wrong in Lua's words; any other exception (compiled code lets
        // Java's through, e.g. a string too long for an array) says which exception it was.
        String message = firstLine(e instanceof LuaError ? e.getMessage() : e.toString());
        Matcher m = INTERPRETED.matcher(message);
        if (m.matches() && m.group(1).equals(file)) {
            return file + ":" + m.group(2) + ": " + m.group(3);
        }
        for (StackTraceElement frame : e.getStackTrace()) {
            if (file.equals(frame.getFileName()) && frame.getLineNumber() > 0) {
                return file + ":" + frame.getLineNumber() + ": " + message;
            }
        }
        return file + ": " + message;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "error";
        }
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end);
    }
}
