package gameport.script;

import static org.junit.jupiter.api.Assertions.*;

import java.io.StringReader;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

/**
 * Which scripts may run as JVM bytecode: only those that cannot loop, since compiled code passes
 * no instruction budget. Each snippet goes through LuaJ's real compiler; the loaded forms are run.
 */
class ScriptCodeTest {
    private final InstructionBudget budget = new InstructionBudget();
    private final Globals globals = LuaKinds.runtime(budget);

    private boolean canLoop(String source) throws Exception {
        return ScriptCode.canLoop(globals.compilePrototype(new StringReader(source), "@t.lua"));
    }

    @Test
    void everyKindOfLoopOrTailCallKeepsAScriptInTheInterpreter() throws Exception {
        assertTrue(canLoop("while true do end"));
        assertTrue(canLoop("local i = 0 repeat i = i + 1 until i > 3"));
        assertTrue(canLoop("for i = 1, 3 do end"));
        assertTrue(canLoop("for k, v in pairs({}) do end"));
        assertTrue(canLoop("::top:: if math.random() > 2 then goto top end"));
        assertTrue(canLoop("function f(n) return f(n) end"), "a tail call loops without growing the stack");
        assertTrue(canLoop("function outer() local function inner() while true do end end return 1 end"),
                "a loop in a nested function counts");
    }

    @Test
    void straightLineCodeAndPlainCallsAreCompiled() throws Exception {
        assertFalse(canLoop("function on_act(npc) gp.step(npc, gp.random(4)) end"));
        assertFalse(canLoop("function f(a) if a then return 1 elseif a == nil then return 2 else return 3 end end"));
        assertFalse(canLoop("function f(n) local x = f(n) return x end"), "recursion: bounded by depth and budget");
        assertFalse(canLoop("local t = { a = 1, b = function() return 2 end } t.c = t.b()"));
        java.util.List<String> files = new java.util.ArrayList<>(LuaKinds.BUILT_IN);
        files.add("lib/chase.lua");
        for (String file : files) {
            if (!file.equals("greeter.lua")) { // the greeter tries directions in a for loop
                assertFalse(canLoop(new String(LuaKinds.class.getResourceAsStream("/scripts/" + file).readAllBytes())),
                        file);
            }
        }
    }

    /** An environment whose interpreted functions report to the budget (as LuaKinds makes them). */
    private Globals env() {
        Globals env = new Globals();
        env.debuglib = budget;
        env.set("pcall", globals.get("pcall"));
        return env;
    }

    private ScriptCode.Loaded load(String source, Globals env) throws Exception {
        ScriptCode.Loaded loaded = ScriptCode.load(globals, "t.lua", source, env);
        loaded.chunk().call();
        return loaded;
    }

    /**
     * Compiled code has no loop but can still fan out: f(n-1) twice per level is 2^60 calls at
     * depth 60. Every compiled call pays its length, so the budget stops it, as it stops an
     * interpreted loop; pcall cannot catch that.
     */
    @Test
    void aRecursionThatFansOutRunsOutOfBudgetCompiledOrNot() throws Exception {
        String fan = "function f(n) if n > 0 then f(n - 1) f(n - 1) end end\n"
                + "function run() pcall(f, 60) end\n";
        for (String extra : new String[] {"", "function spin() while true do end end\n"}) {
            Globals env = env();
            assertEquals(extra.isEmpty(), load(fan + extra, env).compiled());
            budget.start(100_000);
            long t0 = System.nanoTime();
            assertThrows(InstructionBudget.Runaway.class, () -> env.get("run").call());
            assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "stopped at the budget");
            budget.stop();
        }
    }

    /**
     * A recursion without end stops at the depth limit with a Lua error (which pcall may catch),
     * long before Java's stack would overflow; the depth is given back on the way out.
     */
    @Test
    void aRecursionWithoutEndStopsAtTheDepthLimitAndGivesItBack() throws Exception {
        String deep = "function f(n) local x = f(n + 1) return x end\n"
                + "function run() local ok, e = pcall(f, 0) return e end\n";
        for (String extra : new String[] {"", "function spin() while true do end end\n"}) {
            Globals env = env();
            assertEquals(extra.isEmpty(), load(deep + extra, env).compiled());
            budget.start(1_000_000);
            String error = env.get("run").call().tojstring();
            assertTrue(error.contains("stack overflow (calls nested over " + InstructionBudget.MAX_DEPTH), error);
            assertEquals(0, budget.depth(), "every level given back");
            budget.stop();
        }
    }

    @Test
    void bothFormsRunAndTheirErrorsNameFileAndLine() throws Exception {
        String body = "function f(t)\n  local n = 0\n  return t.x + n\nend\n";
        for (String extra : new String[] {"", "function spin() while true do end end\n"}) {
            LuaTable env = new LuaTable();
            ScriptCode.Loaded loaded = ScriptCode.load(globals, "t.lua", body + extra, env);
            assertEquals(extra.isEmpty(), loaded.compiled());
            loaded.chunk().call();
            LuaTable arg = new LuaTable();
            arg.set("x", 41);
            assertEquals(41, env.get("f").call(arg).toint());
            LuaError e = assertThrows(LuaError.class, () -> env.get("f").call(LuaValue.valueOf(1)));
            assertTrue(ScriptErrors.located(e, "t.lua").startsWith("t.lua:3: attempt to index"),
                    ScriptErrors.located(e, "t.lua"));
        }
    }
}
