package gameport.script;

import gameport.game.NpcKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.Bit32Lib;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.StringLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.jse.JseBaseLib;
import org.luaj.vm2.lib.jse.JseMathLib;

/**
 * The NPC kinds' scripts, compiled into one shared Lua runtime (LuaJ): one {@code .lua} file per
 * kind, from a folder ({@code --scripts DIR}) or the jar's defaults ({@code resources/scripts}).
 *
 * <p>A script declares its kind in a global table {@code kind} (name, visual, hp, damage, exp,
 * weight, chase_range, respawn_ms) and defines the callbacks it wants: {@code on_wake(npc)},
 * {@code on_act(npc)}, {@code on_player_enters(npc, player)}, {@code on_player_moves(npc, player)},
 * {@code on_hit(npc, player, damage)}, {@code on_death(npc, killer)}. Each script runs in an
 * environment of its own holding a copy of the sandbox: the API table {@code gp} ({@link LuaBrain}),
 * {@code require} for the shared modules of lib/ ({@link ScriptModules}), Lua's base functions and
 * its math and bit32 libraries, and the string and table libraries without what one call could
 * spend minutes on ({@link ScriptLibs}: no patterns); no io, os, debug, luajava or file loading.
 * The library tables and {@code gp} are the script's own copies: a script that changes them
 * ({@code gp.attack = nil}) changes them for itself only.
 */
public final class LuaKinds {
    /** The jar's default kinds: today's slime, orc and troll, and the course's greeting exercise. */
    static final List<String> BUILT_IN = List.of("slime.lua", "orc.lua", "troll.lua", "greeter.lua");
    /** Instructions a script's top level may spend when it is loaded. */
    private static final long LOAD_BUDGET = 1_000_000;

    /** One kind's compiled script; a reload replaces it whole (fresh runaway count, not faulty). */
    static final class Kind {
        final String file;
        /** JVM bytecode (it cannot loop) or interpreted with the instruction budget: {@link ScriptCode}. */
        final boolean compiled;
        /** The text it was compiled from: a reload recompiles only a file whose text differs. */
        final String source;
        final NpcKind stats;
        final LuaTable env;
        final LuaValue onWake;
        final LuaValue onAct;
        final LuaValue onPlayerEnters;
        final LuaValue onPlayerMoves;
        final LuaValue onHit;
        final LuaValue onDeath;
        /** Budget overruns so far; past a few the kind is faulty and runs no more script. */
        int runaways;
        boolean faulty;

        Kind(String file, String source, NpcKind stats, LuaTable env, boolean compiled) {
            this.file = file;
            this.compiled = compiled;
            this.source = source;
            this.stats = stats;
            this.env = env;
            this.onWake = callback(env, "on_wake");
            this.onAct = callback(env, "on_act");
            this.onPlayerEnters = callback(env, "on_player_enters");
            this.onPlayerMoves = callback(env, "on_player_moves");
            this.onHit = callback(env, "on_hit");
            this.onDeath = callback(env, "on_death");
        }

        private static LuaValue callback(LuaTable env, String name) {
            LuaValue f = env.rawget(name);
            return f.isfunction() ? f : null;
        }
    }

    final InstructionBudget budget = new InstructionBudget();
    final Globals globals = runtime(budget);
    /** The API table {@code gp}, filled by {@link LuaBrain} before any script runs; each script gets its own copy. */
    final LuaTable api = new LuaTable();
    /**
     * What every script sees besides its own globals: the safe part of Lua's libraries
     * ({@code gp} is {@link #api}). Copied into each script's environment rather than reached
     * through an __index metatable: a global read is then one table lookup, not three (a miss, the
     * metatable, the sandbox), and scripts read {@code gp} and {@code math} at nearly every line.
     * The library tables among them ({@link #LIBRARIES}) are copied too, one level down.
     */
    final LuaTable sandbox = new LuaTable();
    /** By visual; index 0 unused. Set by {@link #load}; a reload replaces elements (game thread). */
    Kind[] kinds;
    /**
     * Whether a kind that spawns answers on_player_moves: a move then visits every awake NPC in
     * the mover's view, which a world without such NPCs should not pay for.
     */
    boolean wantsMoves;
    /** The visuals that spawn (--npc-kinds); null until {@link #spawning} (then: all loaded). */
    private int[] spawning;
    private final Map<String, Integer> visualsByName = new LinkedHashMap<>();
    /** Where the scripts came from, for the log: a folder, or "built-in". */
    final String source;
    /** The scripts' folder, or null for the jar's (which never change). */
    final Path dir;
    /** The behaviour these scripts give NPCs; its API functions are in every script's gp. */
    private LuaBrain brain;
    /** {@code require}: the modules of lib/ the kinds share. */
    final ScriptModules modules;

    /**
     * What scripts may use of Lua's own globals: no loading of code or files, no io, os or debug
     * ({@code require} is {@link ScriptModules}, which loads only lib/NAME.lua). LuaJ 3.0.1 has no
     * global {@code unpack} (Lua 5.2's is a compatibility option): it is {@code table.unpack}.
     */
    private static final List<String> SAFE_GLOBALS = List.of("assert", "error", "ipairs", "next", "pairs", "pcall",
            "rawequal", "rawget", "rawlen", "rawset", "select", "setmetatable", "getmetatable", "tonumber",
            "tostring", "type", "xpcall", "_VERSION", "math", "bit32");
    /** The library tables of the sandbox: each environment gets its own copy of each. */
    static final List<String> LIBRARIES = List.of("string", "table", "math", "bit32");

    private LuaKinds(Path dir) {
        this.dir = dir;
        this.source = dir == null ? "built-in" : dir.toString();
        for (String name : SAFE_GLOBALS) {
            sandbox.rawset(name, globals.get(name));
        }
        sandbox.rawset("string", ScriptLibs.STRING);
        sandbox.rawset("table", ScriptLibs.TABLE);
        modules = new ScriptModules(this, dir == null ? LuaKinds::builtInModule : name -> {
            Path f = dir.resolve("lib").resolve(name + ".lua");
            return Files.isRegularFile(f) ? Files.readString(f, StandardCharsets.UTF_8) : null;
        });
        sandbox.rawset("require", modules);
    }

    private static String builtInModule(String name) throws IOException {
        try (InputStream in = LuaKinds.class.getResourceAsStream("/scripts/lib/" + name + ".lua")) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * The shared runtime with the sandbox's libraries; the debug library only counts instructions.
     * Its own string and table libraries are LuaJ's, but scripts get {@link ScriptLibs}' (and so
     * do strings' methods: the JVM-wide strings' metatable is set here).
     */
    static Globals runtime(InstructionBudget budget) {
        Globals g = new Globals();
        g.load(new JseBaseLib());
        g.load(new PackageLib());
        g.load(new Bit32Lib());
        g.load(new TableLib());
        g.load(new StringLib());
        g.load(new JseMathLib());
        g.load(budget);
        LoadState.install(g);
        LuaC.install(g);
        ScriptLibs.install();
        return g;
    }

    /** Loads the kinds of {@code dir}, or the jar's built-in ones when {@code dir} is null. */
    public static LuaKinds load(Path dir) throws ScriptException {
        Map<String, String> sources = new LinkedHashMap<>();
        if (dir == null) {
            for (String file : BUILT_IN) {
                sources.put(file, builtIn(file));
            }
        } else {
            try {
                sources = read(dir);
            } catch (IOException e) {
                throw new ScriptException("--scripts " + dir + ": cannot read that folder (" + e + ")");
            }
            if (sources.isEmpty()) {
                throw new ScriptException("--scripts " + dir + ": no .lua files there");
            }
        }
        LuaKinds loaded = new LuaKinds(dir);
        loaded.brain = new LuaBrain(loaded); // gp is whole before any script runs
        List<Kind> list = new ArrayList<>();
        for (Map.Entry<String, String> s : sources.entrySet()) {
            list.add(loaded.compile(s.getKey(), s.getValue()));
        }
        int max = 0;
        for (Kind k : list) {
            max = Math.max(max, k.stats.visual());
        }
        Kind[] table = new Kind[max + 1];
        for (Kind k : list) {
            if (table[k.stats.visual()] != null) {
                throw new ScriptException(k.file + ": kind.visual " + k.stats.visual() + " is also "
                        + table[k.stats.visual()].file + "'s");
            }
            table[k.stats.visual()] = k;
            loaded.visualsByName.put(k.file.substring(0, k.file.length() - 4).toLowerCase(java.util.Locale.ROOT),
                    k.stats.visual());
        }
        loaded.kinds = table;
        loaded.kindsChanged();
        return loaded;
    }

    /** The {@code .lua} files of {@code dir} by name, sorted, with their text. */
    static Map<String, String> read(Path dir) throws IOException {
        Map<String, String> sources = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".lua")).sorted().toList()) {
                sources.put(f.getFileName().toString(), Files.readString(f, StandardCharsets.UTF_8));
            }
        }
        return sources;
    }

    /** After {@link #kinds} changed (load, reload): what is derived from the whole set. */
    void kindsChanged() {
        boolean moves = false;
        for (int v = 1; v < kinds.length; v++) {
            moves |= kinds[v] != null && kinds[v].onPlayerMoves != null && spawns(v);
        }
        wantsMoves = moves;
    }

    private static String builtIn(String file) throws ScriptException {
        try (InputStream in = LuaKinds.class.getResourceAsStream("/scripts/" + file)) {
            if (in == null) {
                throw new ScriptException("built-in script " + file + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ScriptException("built-in script " + file + ": " + e.getMessage());
        }
    }

    /**
     * A fresh environment for one script or module: its own globals, the sandbox copied in, with
     * its own copies of the library tables and of {@code gp}.
     */
    Globals environment() {
        // A Globals, not a plain table: LuaJ's closures count instructions through their env's
        // debuglib (LuaClosure.globals), and a plain table would leave the script unbudgeted.
        Globals env = new Globals();
        env.debuglib = budget;
        for (Varargs entry = sandbox.next(LuaValue.NIL); !entry.arg1().isnil(); entry = sandbox.next(entry.arg1())) {
            env.rawset(entry.arg1(), entry.arg(2));
        }
        for (String library : LIBRARIES) {
            env.rawset(library, ScriptLibs.copy((LuaTable) sandbox.rawget(library)));
        }
        env.rawset("gp", ScriptLibs.copy(api));
        return env;
    }

    /** Compiles and runs one script's top level in its own environment, then reads its kind table. */
    Kind compile(String file, String source) throws ScriptException {
        Globals env = environment();
        ScriptCode.Loaded code;
        try {
            code = ScriptCode.load(globals, file, source, env);
        } catch (LuaError e) {
            throw new ScriptException(e.getMessage());
        } catch (IOException e) {
            throw new ScriptException(file + ": " + e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            // Not expected: LuaJC's failures fall back to the interpreter in ScriptCode; anything
            // else LuaJ's compiler throws still must not end a reload on the game thread.
            throw new ScriptException(file + ": LuaJ could not compile it (" + e + ")");
        }
        try {
            budget.start(LOAD_BUDGET);
            code.chunk().call();
        } catch (RuntimeException e) { // LuaError, or a Java exception that compiled code let through
            throw new ScriptException(ScriptErrors.located(e, file));
        } catch (InstructionBudget.Runaway e) {
            throw new ScriptException(file + ": its top level ran past " + LOAD_BUDGET + " instructions");
        } catch (StackOverflowError e) {
            // At a reload this runs on the game thread: a script's recursion must not end it.
            throw new ScriptException(file + ": its top level overflowed the stack");
        } catch (OutOfMemoryError e) {
            throw new ScriptException(file + ": its top level ran out of memory");
        } finally {
            budget.stop();
        }
        return new Kind(file, source, stats(file, env.rawget("kind")), env, code.compiled());
    }

    /**
     * The kind table's fields, read raw: a metamethod of it would run outside the budget (the
     * top level's has ended), so none runs.
     */
    private static NpcKind stats(String file, LuaValue kind) throws ScriptException {
        if (!kind.istable()) {
            throw new ScriptException(file + ": no kind table (kind = { name = ..., visual = ..., hp = ... })");
        }
        LuaValue nameValue = kind.rawget("name");
        String name = nameValue.isstring() ? nameValue.tojstring() : null;
        if (name == null || name.isEmpty()) {
            throw new ScriptException(file + ": kind.name must be a non-empty string");
        }
        return new NpcKind(field(file, kind, "visual", -1, 1, 255), name, field(file, kind, "hp", -1, 1, 1_000_000),
                field(file, kind, "damage", 0, 0, 1_000_000), field(file, kind, "exp", 0, 0, 1_000_000),
                field(file, kind, "weight", 1, 1, 1000), field(file, kind, "chase_range", 0, 0, 64),
                field(file, kind, "respawn_ms", 0, 0, 86_400_000));
    }

    /** An integer field of the kind table, or its default (-1: required), within [min, max]. */
    private static int field(String file, LuaValue kind, String name, int absent, int min, int max)
            throws ScriptException {
        LuaValue v = kind.rawget(name);
        if (v.isnil()) {
            if (absent < 0) {
                throw new ScriptException(file + ": kind." + name + " is required");
            }
            return absent;
        }
        if (!v.isinttype() && !(v.isnumber() && v.todouble() == Math.rint(v.todouble()))) {
            throw new ScriptException(file + ": kind." + name + " must be a whole number, not " + v.tojstring());
        }
        int i = v.toint();
        if (i < min || i > max) {
            throw new ScriptException(file + ": kind." + name + " must be " + min + ".." + max + ", not " + i);
        }
        return i;
    }

    /** The kinds' stats by visual, as the world's kind table (index 0 unused). */
    public NpcKind[] table() {
        NpcKind[] t = new NpcKind[kinds.length];
        for (int v = 1; v < kinds.length; v++) {
            t[v] = kinds[v] == null ? null : kinds[v].stats;
        }
        return t;
    }

    /** The visual of a kind named by its script's file name (e.g. "orc"), or -1. */
    public int visualOf(String name) {
        return visualsByName.getOrDefault(name.toLowerCase(java.util.Locale.ROOT), -1);
    }

    /** Only these visuals have NPCs (the world spawns nothing else, and a reload adds no kind). */
    public void spawning(int[] visuals) {
        spawning = visuals.clone();
        kindsChanged();
    }

    private boolean spawns(int visual) {
        if (spawning == null) {
            return true;
        }
        for (int v : spawning) {
            if (v == visual) {
                return true;
            }
        }
        return false;
    }

    /**
     * How the scripts run, for the start-up log: "compiled: slime.lua, orc.lua; interpreted with
     * the instruction budget: greeter.lua" (it loops, or LuaJC could not compile it).
     */
    public String modes() {
        List<String> compiled = new ArrayList<>();
        List<String> interpreted = new ArrayList<>();
        for (Kind k : kinds) {
            if (k != null) {
                (k.compiled ? compiled : interpreted).add(k.file);
            }
        }
        return "compiled to JVM bytecode: " + (compiled.isEmpty() ? "none" : String.join(", ", compiled))
                + "; interpreted with the instruction budget: "
                + (interpreted.isEmpty() ? "none" : String.join(", ", interpreted));
    }

    /** The NPCs' behaviour from these scripts, to bind to the world once it exists. */
    public LuaBrain brain() {
        return brain;
    }

    public String source() {
        return source;
    }
}
