package gameport.script;

import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.DebugLib;

/**
 * LuaJ calls its debug library's {@code onInstruction} before every Lua instruction once the
 * library is loaded (LuaClosure.execute); counting there bounds every callback, whatever it
 * does, with no thread and no timer. Past the budget every further instruction throws
 * {@link Runaway}: an Error, which Lua's pcall does not catch, so a script cannot swallow it.
 * Game thread only.
 */
final class InstructionBudget extends DebugLib {
    /** Thrown past the budget; no stack trace (it is expected, and it is thrown per instruction). */
    static final class Runaway extends Error {
        Runaway() {
            super("instruction budget exceeded", null, false, false);
        }
    }

    private long remaining = Long.MAX_VALUE;

    /** Starts a callback with {@code instructions} to spend. */
    void start(long instructions) {
        remaining = instructions;
    }

    /** No limit (between callbacks). */
    void stop() {
        remaining = Long.MAX_VALUE;
    }

    // LuaJ's debug library also keeps a frame per call for hooks and tracebacks; scripts can set no
    // hook, and an error's file and line come from the failing function's own line table
    // (LuaClosure), so the frames are not kept: a call costs no allocation here.
    @Override
    public void onCall(LuaFunction f) {
    }

    @Override
    public void onCall(LuaClosure c, Varargs varargs, LuaValue[] stack) {
    }

    @Override
    public void onReturn() {
    }

    @Override
    public void onInstruction(int pc, Varargs v, int top) {
        if (--remaining < 0) {
            throw new Runaway();
        }
        // Not super's: it tracks each frame's pc for debug hooks, which scripts cannot set (no debug
        // library in their sandbox). Error lines come from the frame that fails, not from here.
    }
}
