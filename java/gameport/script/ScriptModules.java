package gameport.script;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.OneArgFunction;

/**
 * {@code require(name)} for the kinds' scripts: Lua code several kinds share, in
 * {@code lib/NAME.lua} beside the kinds' files (the jar's {@code resources/scripts/lib}, or
 * {@code DIR/lib} with {@code --scripts DIR}). A module runs once, in an environment of its own,
 * compiled by the kinds' rule ({@link ScriptCode}); every require of it gets what it returned.
 * A name is letters, digits and underscores: no path, so scripts reach that folder and nothing
 * else. A reload that finds lib/ changed forgets every module and compiles every kind again
 * (they hold what they required). Game thread only.
 */
final class ScriptModules extends OneArgFunction {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_]+");

    /** A module's text by name, or null when there is none. */
    interface Source {
        String read(String name) throws IOException;
    }

    private record Module(String text, LuaValue value) {
    }

    private final LuaKinds kinds;
    private final Source source;
    private final Map<String, Module> loaded = new HashMap<>();
    /** Modules whose top level runs now: a require among them is a cycle. */
    private final Deque<String> loading = new ArrayDeque<>();

    ScriptModules(LuaKinds kinds, Source source) {
        this.kinds = kinds;
        this.source = source;
    }

    @Override
    public LuaValue call(LuaValue arg) {
        String name = arg.checkjstring();
        if (!NAME.matcher(name).matches()) {
            throw new LuaError("require: '" + name + "' is not a module name (lib/NAME.lua, NAME of letters,"
                    + " digits and _)");
        }
        Module m = loaded.get(name);
        if (m != null) {
            return m.value;
        }
        if (loading.contains(name)) {
            throw new LuaError("require: lib/" + name + ".lua requires itself through " + loading);
        }
        String text = text(name);
        if (text == null) {
            throw new LuaError("require: there is no lib/" + name + ".lua");
        }
        String file = "lib/" + name + ".lua";
        LuaValue value;
        loading.push(name);
        try {
            value = ScriptCode.load(kinds.globals, file, text, kinds.environment()).chunk().call();
        } catch (IOException e) {
            throw new LuaError("require: " + file + ": " + e.getMessage());
        } finally {
            loading.pop();
        }
        value = value.isnil() ? LuaValue.TRUE : value;
        loaded.put(name, new Module(text, value));
        return value;
    }

    /** Forgets every module: the next require runs the module's text as it is now (a reload). */
    void forget() {
        loaded.clear();
    }

    private String text(String name) {
        try {
            return source.read(name);
        } catch (IOException e) {
            throw new LuaError("require: cannot read lib/" + name + ".lua (" + e.getMessage() + ")");
        }
    }
}
