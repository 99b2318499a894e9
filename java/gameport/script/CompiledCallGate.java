package gameport.script;

/**
 * What every compiled script function calls when it starts and when it ends (returns or
 * throws): {@link ScriptCode} adds the two calls to the JVM bytecode LuaJC makes, since that
 * code passes no debug hook. Public because those classes live in a class loader of their own;
 * outside a callback (no budget on this thread) both do nothing.
 */
public final class CompiledCallGate {
    private CompiledCallGate() {
    }

    /** Charges {@code instructions} (the function's length) and one level of depth; may throw. */
    public static void enter(int instructions) {
        InstructionBudget b = InstructionBudget.active();
        if (b != null) {
            b.enter(instructions);
        }
    }

    /** The function that {@link #enter} let in is done. */
    public static void exit() {
        InstructionBudget b = InstructionBudget.active();
        if (b != null) {
            b.exit();
        }
    }
}
