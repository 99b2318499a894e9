package gameport.script;

import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.DebugLib;

/**
 * What one callback may spend: instructions, and how deep its calls may nest. Game thread only
 * (and the starting thread while the scripts load).
 *
 * <ul>
 *   <li><b>Interpreted code</b>: LuaJ calls its debug library's {@code onInstruction} before every
 *       Lua instruction once the library is loaded (LuaClosure.execute), and {@code onCall} /
 *       {@code onReturn} around every call; counting there bounds every callback, whatever it
 *       does, with no thread and no timer.</li>
 *   <li><b>Compiled code</b> (LuaJC) passes no hook: {@link ScriptCode} makes each compiled
 *       function call {@link CompiledCallGate} on entry and exit, which charges the function's
 *       length in instructions (with no loop, an upper bound of what one call runs) and counts
 *       the depth here, through {@link #active()}.</li>
 * </ul>
 * Past the budget every further instruction or call throws {@link Runaway}: an Error, which
 * Lua's pcall does not catch, so a script cannot swallow it. Past {@link #MAX_DEPTH} nested calls
 * a call is a Lua error ("stack overflow"), long before Java's stack runs out: a deep recursion
 * must never leave the world's own code (views, grid, packets) without stack in the middle of an
 * update.
 */
final class InstructionBudget extends DebugLib {
    /** Lua calls one callback may nest; a few hundred Java frames, far below a thread's stack. */
    static final int MAX_DEPTH = 200;

    /** Thrown past the budget; no stack trace (it is expected, and it is thrown per instruction). */
    static final class Runaway extends Error {
        Runaway() {
            super("instruction budget exceeded", null, false, false);
        }
    }

    /** The budget of the callback running on this thread, for compiled code (which has no hook). */
    private static final ThreadLocal<InstructionBudget> ACTIVE = new ThreadLocal<>();

    private long remaining = Long.MAX_VALUE;
    private int depth;

    /** This thread's running budget, or null outside any callback's. */
    static InstructionBudget active() {
        return ACTIVE.get();
    }

    /** Starts a callback with {@code instructions} to spend, on this thread. */
    void start(long instructions) {
        remaining = instructions;
        depth = 0;
        if (ACTIVE.get() != this) {
            ACTIVE.set(this);
        }
    }

    /** No limit (between callbacks). */
    void stop() {
        remaining = Long.MAX_VALUE;
        depth = 0;
    }

    /** Calls nested now (tests). */
    int depth() {
        return depth;
    }

    /** A compiled function starts: it may run up to {@code instructions}, one level deeper. */
    void enter(int instructions) {
        remaining -= instructions;
        if (remaining < 0) {
            throw new Runaway();
        }
        deeper();
    }

    /** A compiled function returns or throws (only after its {@link #enter} succeeded). */
    void exit() {
        depth--;
    }

    // LuaJ calls onCall before its try block and onReturn in its finally: a call refused here
    // (it throws) is not counted, so it must not be uncounted either.
    @Override
    public void onCall(LuaFunction f) {
        deeper();
    }

    @Override
    public void onCall(LuaClosure c, Varargs varargs, LuaValue[] stack) {
        deeper();
    }

    @Override
    public void onReturn() {
        depth--;
    }

    private void deeper() {
        if (depth >= MAX_DEPTH) {
            throw new LuaError("stack overflow (calls nested over " + MAX_DEPTH + " deep)");
        }
        depth++;
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
