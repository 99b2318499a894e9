package gameport.script;

import org.luaj.vm2.Buffer;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.PackageLib;
import org.luaj.vm2.lib.StringLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * The string and table libraries as scripts get them. The instruction budget
 * ({@link InstructionBudget}) counts Lua instructions, and a call of a library function is one
 * instruction however long it runs; compiled scripts ({@link ScriptCode}) pass no budget at all.
 * So no library function here may take long or allocate much in one call:
 * <ul>
 *   <li>No Lua patterns (match, gmatch, gsub): LuaJ's matcher has no step limit, and one pattern
 *       can backtrack for minutes ({@code ("a"):rep(3000):find(".-.-.-.-.-.-b")}).
 *       {@code find} is a plain find whatever its 4th argument, in linear time (LuaJ's plain find
 *       compares at every position: seconds for a 1 MiB string and a 16 KiB needle).</li>
 *   <li>{@code rep} makes at most {@link #MAX_REP_BYTES}; a count of 0 or less gives "" (LuaJ's
 *       threw NegativeArraySizeException), and the separator of Lua 5.2 is there.</li>
 *   <li>{@code string.byte} and {@code table.unpack} give at most {@link #MAX_RESULTS} values
 *       (LuaJ allocates the whole array before it looks at the table).</li>
 *   <li>{@code table.concat} reads the table raw, as Lua 5.2 does: LuaJ's calls __index for every
 *       index of the range, and a compiled __index could be called two billion times.</li>
 *   <li>No string.dump.</li>
 * </ul>
 * Strings' methods ({@code ("x"):rep(3)}) go through one JVM-wide metatable,
 * {@code LuaString.s_metatable}; {@link #install} makes it {@link #STRING_META}, whose __index is
 * {@link #STRING} and whose __metatable field hides it from {@code getmetatable("")}.
 */
final class ScriptLibs {
    /** The longest string {@code string.rep} makes. */
    static final int MAX_REP_BYTES = 1 << 20;
    /** The most values {@code string.byte} and {@code table.unpack} return. */
    static final int MAX_RESULTS = 4096;

    /** The string library scripts see (each environment holds a copy; strings' methods are these). */
    static final LuaTable STRING = new LuaTable();
    /** The table library scripts see (each environment holds a copy). */
    static final LuaTable TABLE = new LuaTable();
    /** Strings' metatable: {@code {__index = STRING, __metatable = "locked"}}. */
    static final LuaTable STRING_META = new LuaTable();

    static {
        Globals luaj = new Globals(); // LuaJ's own libraries, for the functions that are safe as they are
        luaj.load(new PackageLib());
        luaj.load(new StringLib());
        luaj.load(new TableLib());
        LuaValue string = luaj.get("string");
        for (String name : new String[] {"char", "format", "len", "lower", "upper", "reverse", "sub"}) {
            STRING.rawset(name, string.get(name));
        }
        STRING.rawset("byte", new ByteFunction(string.get("byte")));
        STRING.rawset("find", new PlainFind());
        STRING.rawset("rep", new Rep());
        LuaValue table = luaj.get("table");
        for (String name : new String[] {"insert", "pack", "remove", "sort"}) { // raw and bounded by the table
            TABLE.rawset(name, table.get(name));
        }
        TABLE.rawset("concat", new Concat());
        TABLE.rawset("unpack", new Unpack());
        STRING_META.rawset(LuaValue.INDEX, STRING);
        STRING_META.rawset(LuaValue.METATABLE, LuaValue.valueOf("locked"));
    }

    private ScriptLibs() {
    }

    /**
     * Makes {@link #STRING_META} strings' metatable, JVM-wide. Any Globals that loads LuaJ's
     * StringLib may set its own when there is none, so this runs after each load; it is idempotent.
     */
    static void install() {
        LuaString.s_metatable = STRING_META;
    }

    /** A table's entries in a new table: one environment's own copy of a library. */
    static LuaTable copy(LuaTable t) {
        LuaTable c = new LuaTable();
        for (Varargs e = t.next(LuaValue.NIL); !e.arg1().isnil(); e = t.next(e.arg1())) {
            c.rawset(e.arg1(), e.arg(2));
        }
        return c;
    }

    /** LuaJ's position rule for string.byte: negative counts from the end. */
    private static int posrelat(int pos, int len) {
        return pos >= 0 ? pos : len + pos + 1;
    }

    /** string.byte(s [, i [, j]]), at most {@link #MAX_RESULTS} codes. */
    private static final class ByteFunction extends VarArgFunction {
        private final LuaValue luaj;

        ByteFunction(LuaValue luaj) {
            this.luaj = luaj;
            this.name = "byte";
        }

        @Override
        public Varargs invoke(Varargs args) {
            int len = args.checkstring(1).length();
            int i = posrelat(args.optint(2, 1), len); // as LuaJ's byte_ reads them
            int j = posrelat(args.optint(3, i), len);
            long n = (long) Math.min(j, len) - Math.max(i, 1) + 1;
            if (n > MAX_RESULTS) {
                throw new LuaError("string.byte: " + n + " results; a script may take at most " + MAX_RESULTS
                        + " in one call");
            }
            return luaj.invoke(args);
        }
    }

    /**
     * string.find(s, text [, init]): where {@code text} first occurs in {@code s} from
     * {@code init} on, as LuaJ's plain find answers (init as LuaJ reads it), in O(|s| + |text|)
     * (Knuth-Morris-Pratt). Patterns are not read: every byte of {@code text} is itself.
     */
    static final class PlainFind extends VarArgFunction {
        PlainFind() {
            this.name = "find";
        }

        @Override
        public Varargs invoke(Varargs args) {
            LuaString s = args.checkstring(1);
            LuaString text = args.checkstring(2);
            int init = args.optint(3, 1);
            if (init > 0) {
                init = Math.min(init - 1, s.length());
            } else if (init < 0) {
                init = Math.max(0, s.length() + init);
            }
            int at = indexOf(s, text, init);
            return at < 0 ? NIL : varargsOf(valueOf(at + 1), valueOf(at + text.length()));
        }

        /** The first index from {@code from} on where {@code text} occurs in {@code s}, or -1. */
        static int indexOf(LuaString s, LuaString text, int from) {
            int n = s.length();
            int m = text.length();
            if (m == 0) {
                return from <= n ? from : -1;
            }
            if (n - from < m) {
                return -1;
            }
            byte[] sb = s.m_bytes;
            int so = s.m_offset;
            byte[] tb = text.m_bytes;
            int to = text.m_offset;
            // next[k]: the length of the longest proper border of text[0..k].
            int[] next = new int[m];
            for (int k = 1, b = 0; k < m; k++) {
                while (b > 0 && tb[to + k] != tb[to + b]) {
                    b = next[b - 1];
                }
                if (tb[to + k] == tb[to + b]) {
                    b++;
                }
                next[k] = b;
            }
            for (int i = from, matched = 0; i < n; i++) {
                while (matched > 0 && sb[so + i] != tb[to + matched]) {
                    matched = next[matched - 1];
                }
                if (sb[so + i] == tb[to + matched]) {
                    matched++;
                }
                if (matched == m) {
                    return i - m + 1;
                }
            }
            return -1;
        }
    }

    /** string.rep(s, n [, sep]), at most {@link #MAX_REP_BYTES}; "" for n of 0 or less. */
    private static final class Rep extends VarArgFunction {
        Rep() {
            this.name = "rep";
        }

        @Override
        public Varargs invoke(Varargs args) {
            LuaString s = args.checkstring(1);
            long n = args.checklong(2);
            LuaString sep = args.isnoneornil(3) ? LuaString.valueOf("") : args.checkstring(3);
            if (n <= 0 || s.length() + sep.length() == 0) {
                return LuaString.valueOf("");
            }
            // n is at most 2^63: compare before multiplying.
            long size = n > MAX_REP_BYTES ? Long.MAX_VALUE : n * s.length() + (n - 1) * sep.length();
            if (size > MAX_REP_BYTES) {
                throw new LuaError("string.rep: the result would be over 1 MiB (" + MAX_REP_BYTES
                        + " bytes), the most a script may make in one call");
            }
            byte[] out = new byte[(int) size];
            for (int at = 0, k = 0; k < n; k++) {
                if (k > 0) {
                    sep.copyInto(0, out, at, sep.length());
                    at += sep.length();
                }
                s.copyInto(0, out, at, s.length());
                at += s.length();
            }
            return LuaString.valueUsing(out);
        }
    }

    /** table.unpack(t [, i [, j]]), at most {@link #MAX_RESULTS} values. */
    private static final class Unpack extends VarArgFunction {
        Unpack() {
            this.name = "unpack";
        }

        @Override
        public Varargs invoke(Varargs args) {
            LuaTable t = args.checktable(1);
            int i = args.optint(2, 1);
            int j = args.isnoneornil(3) ? t.length() : args.checkint(3);
            long n = (long) j - i + 1;
            if (n > MAX_RESULTS) {
                throw new LuaError("table.unpack: " + n + " results; a script may take at most " + MAX_RESULTS
                        + " in one call");
            }
            return n <= 0 ? NONE : t.unpack(i, j);
        }
    }

    /** table.concat(t [, sep [, i [, j]]]), reading the table raw (Lua 5.2's rule). */
    private static final class Concat extends VarArgFunction {
        Concat() {
            this.name = "concat";
        }

        @Override
        public Varargs invoke(Varargs args) {
            LuaTable t = args.checktable(1);
            LuaString sep = args.optstring(2, LuaString.valueOf(""));
            int i = args.optint(3, 1);
            int j = args.isnoneornil(4) ? t.length() : args.checkint(4);
            Buffer b = new Buffer();
            for (long k = i; k <= j; k++) { // long: j may be Integer.MAX_VALUE
                LuaValue v = t.rawget((int) k);
                if (!v.isstring()) {
                    throw new LuaError("invalid value (at index " + k + ") in table for 'concat'");
                }
                b.append(v.checkstring());
                if (k < j) {
                    b.append(sep);
                }
            }
            return b.tostring();
        }
    }
}
