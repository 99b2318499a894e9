package gameport.script;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import org.luaj.vm2.Globals;
import org.luaj.vm2.Lua;
import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.Prototype;
import org.luaj.vm2.luajc.LuaJC;

/**
 * Turns a script's text into its top-level function, in one of two forms (LuaJ):
 * <ul>
 *   <li><b>Compiled</b> to JVM bytecode (LuaJC, with BCEL) when no function of the script can
 *       loop: no backward jump (while, repeat, for, goto back) and no tail call. Such code can
 *       only run away by recursing, and recursion ends in a StackOverflowError, which the brain
 *       catches (LuaJ's pcall does not catch it, so nothing resumes a runaway recursion). The JIT
 *       then treats it as Java: the shipped kinds act several times faster than interpreted.</li>
 *   <li><b>Interpreted</b> (LuaJ's LuaClosure) otherwise: every instruction passes the
 *       {@link InstructionBudget}, so a loop that never ends is abandoned.</li>
 * </ul>
 * Compiled code reports no line in its errors' messages; {@link ScriptErrors} finds it in the
 * stack trace, where LuaJC's classes carry the script's file name and line numbers.
 */
final class ScriptCode {
    /** The top-level function, and whether it is JVM bytecode (true) or interpreted. */
    record Loaded(LuaFunction chunk, boolean compiled) {
    }

    private ScriptCode() {
    }

    /**
     * Compiles {@code source} (errors read "file:line: ..."), bound to {@code env}.
     *
     * @throws org.luaj.vm2.LuaError on a syntax error
     */
    static Loaded load(Globals globals, String file, String source, LuaTable env) throws IOException {
        Prototype p;
        try (Reader reader = new StringReader(source)) {
            p = globals.compilePrototype(reader, "@" + file); // "@": the source is the file name
        }
        if (canLoop(p)) {
            return new Loaded(new LuaClosure(p, env), false);
        }
        return new Loaded(LuaJC.instance.load(p, file, env), true);
    }

    /** Whether this function or one nested in it has a backward jump or a tail call. */
    static boolean canLoop(Prototype p) {
        for (int instruction : p.code) {
            int op = Lua.GET_OPCODE(instruction);
            if (op == Lua.OP_FORLOOP || op == Lua.OP_TFORLOOP || op == Lua.OP_TAILCALL
                    || (op == Lua.OP_JMP && Lua.GETARG_sBx(instruction) < 0)) {
                return true;
            }
        }
        for (Prototype nested : p.p) {
            if (canLoop(nested)) {
                return true;
            }
        }
        return false;
    }
}
