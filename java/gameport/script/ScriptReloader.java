package gameport.script;

import gameport.game.KindReload;
import gameport.game.KindTable;
import gameport.game.NpcKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reloads the changed scripts of {@code --scripts DIR} into the running server. Game thread only,
 * between two rounds ({@link gameport.game.GameLoop}): the scripts' runtime, the kinds and the
 * world are that thread's, and between rounds no callback is running. Others ask through a
 * {@link ReloadRequest}.
 *
 * <p>A reload reads the folder again and recompiles, in the same shared runtime and sandbox and
 * with the same instruction budget as at the start, each kind's file whose text changed; an
 * unchanged file is not touched. Per file:
 * <ul>
 *   <li>It loads: its kind is replaced whole (new callbacks, the script's own globals afresh, no
 *       runaways counted, not faulty) and its stats go into the world ({@link KindTable}); the NPCs
 *       of that kind run the new version from their next event. What they keep with {@code gp.set}
 *       stays: it is the NPC's, not the script's.</li>
 *   <li>It does not compile, fails at its top level, or has a bad kind table: the kind keeps the
 *       version it runs, and one warning says why, with file and line. That text is not tried
 *       again until the file changes.</li>
 *   <li>Its {@code kind.visual} changed, it is new, or it is gone: NPCs were made of the kinds at
 *       the start, so these take a restart; a warning says so and everything stays as it is.</li>
 *   <li>Compiling it fails in some other way (a RuntimeException or LinkageError that
 *       {@link LuaKinds#compile} does not turn into a ScriptException): that kind keeps its
 *       version, with a warning and the stack trace, and the other kinds still reload.</li>
 * </ul>
 * Whatever happens, what derives from the whole set of kinds ({@link LuaKinds#kindsChanged}) is
 * brought up to date with the kinds that were replaced.
 * When a module of lib/ ({@link ScriptModules}) changed, every kind compiles again, whatever its
 * own text: each holds what it required.
 */
public final class ScriptReloader implements KindReload {
    private static final Logger LOG = Logger.getLogger("gameport.script");

    private final LuaKinds kinds;
    private final ReloadRequest request;
    /** A file's text that was not loaded (it failed, or needs a restart): not tried or reported again. */
    private final Map<String, String> rejected = new HashMap<>();
    /** Kinds' files reported gone, so that each is reported once. */
    private final Set<String> gone = new HashSet<>();
    /** lib/*.lua as the kinds were last compiled against (a change there recompiles every kind). */
    private Map<String, String> libs = Map.of();

    /** Made on the starting thread; used on the game thread only (Thread.start orders the two). */
    public ScriptReloader(LuaKinds kinds, ReloadRequest request) {
        if (kinds.dir == null) {
            throw new IllegalArgumentException("the jar's scripts do not reload: only --scripts DIR does");
        }
        this.kinds = kinds;
        this.request = request;
        this.libs = libs();
    }

    @Override
    public boolean requested() {
        return request.asked();
    }

    @Override
    public void reload(KindTable table) {
        if (!request.take()) {
            return;
        }
        Map<String, String> now;
        try {
            now = LuaKinds.read(kinds.dir);
        } catch (IOException | UncheckedIOException e) {
            LOG.warning("reload: cannot read " + kinds.dir + " (" + e + "); every kind keeps its script");
            return;
        }
        Map<String, String> libsNow = libs();
        boolean libsChanged = !libsNow.equals(libs);
        int said = libsChanged ? 1 : 0;
        try {
            if (libsChanged) {
                // The kinds hold what they required: all of them compile again, against the new modules.
                LOG.info("reload: " + kinds.dir.resolve("lib") + " changed; every kind is compiled again");
                libs = libsNow;
                kinds.modules.forget();
            }
            rejected.keySet().retainAll(now.keySet());
            for (int v = 1; v < kinds.kinds.length; v++) {
                LuaKinds.Kind old = kinds.kinds[v];
                if (old != null && reload(old, now.get(old.file), table, libsChanged)) {
                    said++;
                }
            }
            for (Map.Entry<String, String> f : now.entrySet()) {
                if (kindOf(f.getKey()) == null && !f.getValue().equals(rejected.put(f.getKey(), f.getValue()))) {
                    LOG.warning("reload: " + f.getKey() + " is new; a new kind takes a restart, so it is not loaded");
                    said++;
                }
            }
        } finally {
            // Whatever was replaced before anything went wrong is in place: what derives from the set follows.
            kinds.kindsChanged();
        }
        if (said == 0) {
            LOG.info("reload: no script changed in " + kinds.dir
                    + (rejected.isEmpty() ? "" : "; not loaded (told before): " + rejected.keySet()));
        }
    }

    /** The modules' files (lib/*.lua) with their text; none if lib/ cannot be read (a warning says so). */
    private Map<String, String> libs() {
        Path lib = kinds.dir.resolve("lib");
        if (!Files.isDirectory(lib)) {
            return Map.of();
        }
        try {
            return LuaKinds.read(lib);
        } catch (IOException | UncheckedIOException e) {
            LOG.warning("reload: cannot read " + lib + " (" + e + "); the modules stay as they are");
            return libs;
        }
    }

    /**
     * One kind's file at its text now (null: gone); {@code force}: compile it even if its text is
     * the same (a module it may require changed). Returns whether it logged anything.
     */
    private boolean reload(LuaKinds.Kind old, String text, KindTable table, boolean force) {
        if (text == null) {
            if (gone.add(old.file)) {
                LOG.warning("reload: " + old.file + " is gone; kind " + old.stats.name()
                        + " keeps its script until a restart");
                return true;
            }
            return false;
        }
        gone.remove(old.file);
        if (!force && text.equals(old.source)) {
            rejected.remove(old.file); // changed back to what runs
            return false;
        }
        if (!force && text.equals(rejected.get(old.file))) {
            return false;
        }
        LuaKinds.Kind fresh;
        try {
            fresh = kinds.compile(old.file, text);
        } catch (ScriptException e) {
            rejected.put(old.file, text);
            LOG.warning("reload: " + e.getMessage() + "; keeping the previous " + old.file);
            return true;
        } catch (RuntimeException | LinkageError e) {
            // Not the script's fault as far as we can tell (compile() turns what a script can cause
            // into ScriptException): this kind keeps its version, and the others still reload.
            rejected.put(old.file, text);
            LOG.log(Level.WARNING, "reload: " + old.file + " could not be compiled (" + e + "); keeping the previous "
                    + old.file, e);
            return true;
        }
        if (fresh.stats.visual() != old.stats.visual()) {
            rejected.put(old.file, text);
            LOG.warning("reload: " + old.file + ": kind.visual " + old.stats.visual() + " -> "
                    + fresh.stats.visual() + " takes a restart (NPCs are made of their kind at the start); "
                    + "keeping the previous " + old.file);
            return true;
        }
        rejected.remove(old.file);
        kinds.kinds[old.stats.visual()] = fresh;
        table.replaceKind(fresh.stats);
        LOG.info("reloaded " + old.file + " (" + fresh.stats.name() + ", " + (fresh.compiled ? "compiled" : "interpreted")
                + ")" + changes(old.stats, fresh.stats));
        return true;
    }

    private LuaKinds.Kind kindOf(String file) {
        for (LuaKinds.Kind k : kinds.kinds) {
            if (k != null && k.file.equals(file)) {
                return k;
            }
        }
        return null;
    }

    /** The kind table's changes, for the log: ", hp 60 -> 80, damage 5 -> 7", or "". */
    static String changes(NpcKind a, NpcKind b) {
        StringBuilder s = new StringBuilder();
        change(s, "name", a.name(), b.name(), "");
        change(s, "hp", a.maxHp(), b.maxHp(), b.maxHp() > a.maxHp() ? " (NPCs get it at their next respawn)" : "");
        change(s, "damage", a.damage(), b.damage(), "");
        change(s, "exp", a.exp(), b.exp(), "");
        change(s, "chase_range", a.chaseRange(), b.chaseRange(), "");
        change(s, "respawn_ms", a.respawnMs(), b.respawnMs(), "");
        change(s, "weight", a.weight(), b.weight(), " (the spawns were mixed at the start: it shows after a restart)");
        return s.toString();
    }

    private static void change(StringBuilder s, String field, Object was, Object is, String note) {
        if (!was.equals(is)) {
            s.append(s.length() == 0 ? ": " : ", ").append(field).append(' ').append(was).append(" -> ").append(is)
                    .append(note);
        }
    }
}
