package gameport.script;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Logger;
import org.apache.bcel.Const;
import org.apache.bcel.classfile.ClassParser;
import org.apache.bcel.classfile.Method;
import org.apache.bcel.generic.ClassGen;
import org.apache.bcel.generic.ConstantPoolGen;
import org.apache.bcel.generic.InstructionConst;
import org.apache.bcel.generic.InstructionFactory;
import org.apache.bcel.generic.InstructionHandle;
import org.apache.bcel.generic.InstructionList;
import org.apache.bcel.generic.MethodGen;
import org.apache.bcel.generic.PUSH;
import org.apache.bcel.generic.ReturnInstruction;
import org.apache.bcel.generic.Type;
import org.luaj.vm2.Globals;
import org.luaj.vm2.Lua;
import org.luaj.vm2.LuaClosure;
import org.luaj.vm2.LuaFunction;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.Prototype;
import org.luaj.vm2.luajc.JavaGen;

/**
 * Turns a script's text into its top-level function, in one of two forms (LuaJ):
 * <ul>
 *   <li><b>Compiled</b> to JVM bytecode (LuaJC, with BCEL) when no function of the script can
 *       loop: no backward jump (while, repeat, for, goto back) and no tail call. The JIT then
 *       treats it as Java: the shipped kinds act several times faster than interpreted. LuaJC's
 *       code passes no debug hook, so each compiled function is given two calls here, to
 *       {@link CompiledCallGate}: on entry it charges the budget the function's length in Lua
 *       instructions (with no loop, at most that many run per call) and one level of depth; on
 *       exit, normal or not, it gives the level back. Work without a loop comes only from calls,
 *       so this bounds it: a recursion that fans out ({@code f(n-1); f(n-1)}) runs out of budget,
 *       one without end out of depth.</li>
 *   <li><b>Interpreted</b> (LuaJ's LuaClosure) otherwise, or if LuaJC cannot compile it (a
 *       function too large for one JVM method): every instruction and call passes the
 *       {@link InstructionBudget} as LuaJ's debug hook.</li>
 * </ul>
 * Compiled code reports no line in its errors' messages; {@link ScriptErrors} finds it in the
 * stack trace, where the compiled classes carry the script's file name and line numbers.
 */
final class ScriptCode {
    private static final Logger LOG = Logger.getLogger("gameport.script");
    private static final String GATE = CompiledCallGate.class.getName();

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
        if (!canLoop(p)) {
            try {
                return new Loaded(compile(p, file, env), true);
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                LOG.info(file + ": LuaJC cannot compile it (" + e + "); it is interpreted");
            }
        }
        return new Loaded(new LuaClosure(p, env), false);
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

    private static LuaFunction compile(Prototype p, String file, LuaTable env) throws ReflectiveOperationException {
        JavaGen gen = new JavaGen(p, className(file), file, false);
        Map<String, byte[]> classes = new HashMap<>();
        gate(gen, p, classes);
        Loader loader = new Loader(classes);
        LuaFunction f = (LuaFunction) loader.loadClass(gen.classname).getDeclaredConstructor().newInstance();
        f.initupvalue1(env);
        return f;
    }

    /** A class name of the file's letters ("orc.lua" -> "lua_orc_lua"); a loader of its own per load. */
    private static String className(String file) {
        return "lua_" + file.replaceAll("[^A-Za-z0-9_]", "_");
    }

    /** Adds the gate's calls to the class of {@code p} and of every function nested in it. */
    private static void gate(JavaGen gen, Prototype p, Map<String, byte[]> into) {
        into.put(gen.classname, gated(gen, p.code.length));
        JavaGen[] inners = gen.inners == null ? new JavaGen[0] : gen.inners;
        if (inners.length != p.p.length) {
            throw new IllegalStateException("LuaJC made " + inners.length + " inner classes for " + p.p.length
                    + " functions");
        }
        for (int i = 0; i < inners.length; i++) {
            gate(inners[i], p.p[i], into);
        }
    }

    /**
     * The class with its entry points (call, invoke, onInvoke) wrapped: enter(length) first;
     * exit() before each return and in a handler that rethrows whatever the body throws.
     */
    private static byte[] gated(JavaGen gen, int length) {
        try {
            ClassGen cg = new ClassGen(new ClassParser(new ByteArrayInputStream(gen.bytecode), gen.classname).parse());
            ConstantPoolGen cp = cg.getConstantPool();
            InstructionFactory factory = new InstructionFactory(cg, cp);
            for (Method m : cg.getMethods()) {
                String name = m.getName();
                if (m.isAbstract() || !(name.equals("call") || name.equals("invoke") || name.equals("onInvoke"))) {
                    continue;
                }
                MethodGen mg = new MethodGen(m, cg.getClassName(), cp);
                InstructionList body = mg.getInstructionList();
                InstructionHandle first = body.getStart();
                InstructionHandle last = body.getEnd();
                for (InstructionHandle h = first; h != null; h = h.getNext()) {
                    if (h.getInstruction() instanceof ReturnInstruction) {
                        // Jumps to the return now land on the exit call before it.
                        InstructionHandle exit = body.insert(h, factory.createInvoke(GATE, "exit", Type.VOID,
                                Type.NO_ARGS, Const.INVOKESTATIC));
                        body.redirectBranches(h, exit);
                        body.redirectExceptionHandlers(mg.getExceptionHandlers(), h, exit);
                    }
                }
                InstructionHandle handler = body.append(factory.createInvoke(GATE, "exit", Type.VOID, Type.NO_ARGS,
                        Const.INVOKESTATIC));
                body.append(InstructionConst.ATHROW);
                mg.addExceptionHandler(body.getStart(), last, handler, null);
                InstructionList prologue = new InstructionList();
                prologue.append(new PUSH(cp, length));
                prologue.append(factory.createInvoke(GATE, "enter", Type.VOID, new Type[] {Type.INT},
                        Const.INVOKESTATIC));
                body.insert(prologue);
                mg.setMaxStack();
                mg.setMaxLocals();
                cg.replaceMethod(m, mg.getMethod());
                body.dispose();
            }
            return cg.getJavaClass().getBytes();
        } catch (IOException e) {
            throw new IllegalStateException("reading LuaJC's class " + gen.classname, e);
        }
    }

    /** Defines one script's classes (the gate resolves through the parent: this class's loader). */
    private static final class Loader extends ClassLoader {
        private final Map<String, byte[]> classes;

        Loader(Map<String, byte[]> classes) {
            super(ScriptCode.class.getClassLoader());
            this.classes = classes;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] bytes = classes.remove(name);
            if (bytes == null) {
                throw new ClassNotFoundException(name);
            }
            return defineClass(name, bytes, 0, bytes.length);
        }
    }
}
