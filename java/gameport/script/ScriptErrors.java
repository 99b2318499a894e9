package gameport.script;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.luaj.vm2.LuaError;

/**
 * Where in a script an error happened, as one line in Lua's own form: "orc.lua:12: attempt to
 * index ? (a nil value)". The place may be a module the script required: "lib/chase.lua:12: ...".
 */
final class ScriptErrors {
    /**
     * LuaJ's interpreter writes "@orc.lua:12 message" (the chunk name keeps its "@"), followed,
     * with a debug library installed, by a traceback from the next line on. The chunk is the
     * script's file, or a module's ("@lib/chase.lua:12 ...").
     */
    private static final Pattern INTERPRETED = Pattern.compile("@?([^:\\s]+\\.lua):(\\d+):? (.*)", Pattern.DOTALL);

    private ScriptErrors() {
    }

    /**
     * The error's message with the file and line where it happened (a LuaError, or any exception
     * that a script's code let through); {@code file} is the script whose callback ran, named
     * when nothing else is known. Interpreted code names file and line in the message; bytecode
     * compiled by LuaJC ({@link ScriptCode}) does not, but its classes' frames carry the chunk's
     * name as their source file ("orc.lua", "lib/chase.lua") and its line numbers, so the
     * innermost frame of a .lua file gives them.
     */
    static String located(RuntimeException e, String file) {
        // LuaError says what went wrong in Lua's words; any other exception (compiled code lets
        // Java's through, e.g. a string too long for an array) says which exception it was.
        String message = firstLine(e instanceof LuaError ? e.getMessage() : e.toString());
        Matcher m = INTERPRETED.matcher(message);
        if (m.matches()) {
            return m.group(1) + ":" + m.group(2) + ": " + m.group(3);
        }
        for (StackTraceElement frame : e.getStackTrace()) {
            String source = frame.getFileName();
            if (source != null && source.endsWith(".lua") && frame.getLineNumber() > 0) {
                return source + ":" + frame.getLineNumber() + ": " + message;
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
