package gameport.script;

import static gameport.protocol.Protocol.*;

import gameport.game.NpcActions;
import gameport.game.NpcBrain;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Logger;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.lib.OneArgFunction;
import org.luaj.vm2.lib.TwoArgFunction;
import org.luaj.vm2.lib.VarArgFunction;

/**
 * NPC behaviour from the kinds' Lua scripts ({@link LuaKinds}), on the game thread, in one shared
 * Lua runtime: no Lua state per NPC. An NPC is its id (a number); what a script keeps about one
 * NPC lives in a table made only when it first stores something ({@code gp.set}) and dropped
 * when the NPC sleeps or dies, so 200,000 sleeping NPCs cost nothing here.
 *
 * <p>The API, table {@code gp}: {@code pos(id)} -> x, y; {@code hp(id)}; {@code name(player)};
 * {@code nearest_player(npc, range)} -> id or -1; {@code players_near(npc, range)} -> list;
 * {@code step(npc, dir)} -> moved (walls and edges checked by the server); {@code attack(npc,
 * player)} -> hit (next to it only); {@code say(npc, text)}; {@code act_in(npc, ms)};
 * {@code random(n)} -> 0..n-1; {@code get(npc, key)}, {@code set(npc, key, value)};
 * {@code log(text)}; {@code UP}, {@code DOWN}, {@code LEFT}, {@code RIGHT}. A script acts only for
 * the NPC whose callback runs: any other id is an error.
 *
 * <p>Safety: an interpreted callback runs with an instruction budget ({@link InstructionBudget});
 * a compiled one cannot loop ({@link ScriptCode}). A script error is logged with its file, line
 * and NPC id and that NPC goes to sleep; a callback past its budget, one that overflows the stack
 * and one that runs out of memory are abandoned and logged the same way, and after
 * {@link #MAX_RUNAWAYS} such callbacks a kind is faulty: its NPCs run no more script (they stand
 * still) until the scripts are reloaded.
 *
 * <p>A reload ({@link ScriptReloader}) swaps a kind's compiled script between two rounds; each
 * call looks its kind up afresh, so the next event runs the new version. What NPCs keep with
 * {@code gp.set} is not the script's but the NPC's, and stays across a reload.
 */
public final class LuaBrain implements NpcBrain {
    private static final Logger LOG = Logger.getLogger("gameport.script");
    /** Instructions one callback may spend: orders of magnitude above a real act (the orc's takes ~60). */
    static final long CALLBACK_BUDGET = 100_000;
    static final int MAX_RUNAWAYS = 3;

    private final LuaKinds kinds;
    /** The world, once it exists ({@link #bind}); the scripts' top levels run before it does. */
    private NpcActions world;
    private final Map<Integer, LuaTable> state = new HashMap<>();
    /** The NPC whose callback runs, or -1: the only one a script may act for. */
    private int current = -1;
    private final int[] nearBuffer = new int[256];

    /**
     * Fills the API table {@code gp} of {@code kinds} before any script runs, so that a script's
     * top level may keep {@code local step = gp.step}; the functions work once the world is bound.
     */
    LuaBrain(LuaKinds kinds) {
        this.kinds = kinds;
        api(kinds.api);
    }

    /** The world the NPCs live in, made after the scripts loaded; returns this brain. */
    public LuaBrain bind(NpcActions world) {
        this.world = world;
        return this;
    }

    private NpcActions world() {
        if (world == null) {
            throw new LuaError("gp functions work in callbacks (on_act, ...), not at a script's top level");
        }
        return world;
    }

    @Override
    public void act(int npc) {
        LuaKinds.Kind k = kind(npc);
        if (k.onAct != null) {
            call(k, k.onAct, npc, LuaValue.valueOf(npc), LuaValue.NIL, LuaValue.NIL, "on_act");
        }
    }

    @Override
    public void woke(int npc) {
        LuaKinds.Kind k = kind(npc);
        if (k.onWake != null) {
            call(k, k.onWake, npc, LuaValue.valueOf(npc), LuaValue.NIL, LuaValue.NIL, "on_wake");
        }
    }

    @Override
    public void playerEnters(int npc, int player) {
        LuaKinds.Kind k = kind(npc);
        if (k.onPlayerEnters != null) {
            call(k, k.onPlayerEnters, npc, LuaValue.valueOf(npc), LuaValue.valueOf(player), LuaValue.NIL,
                    "on_player_enters");
        }
    }

    @Override
    public boolean wantsPlayerMoves() {
        return kinds.wantsMoves; // a reload may add or drop on_player_moves
    }

    @Override
    public void playerMoved(int npc, int player) {
        LuaKinds.Kind k = kind(npc);
        if (k.onPlayerMoves != null) {
            call(k, k.onPlayerMoves, npc, LuaValue.valueOf(npc), LuaValue.valueOf(player), LuaValue.NIL,
                    "on_player_moves");
        }
    }

    @Override
    public void hit(int npc, int player, int damage) {
        LuaKinds.Kind k = kind(npc);
        if (k.onHit != null) {
            call(k, k.onHit, npc, LuaValue.valueOf(npc), LuaValue.valueOf(player), LuaValue.valueOf(damage), "on_hit");
        }
    }

    @Override
    public void died(int npc, int killer) {
        LuaKinds.Kind k = kind(npc);
        if (k.onDeath != null) {
            call(k, k.onDeath, npc, LuaValue.valueOf(npc), LuaValue.valueOf(killer), LuaValue.NIL, "on_death");
        }
    }

    @Override
    public void forget(int npc) {
        if (!state.isEmpty()) { // most scripts keep nothing: no boxing and hashing per NPC that sleeps
            state.remove(npc);
        }
    }

    private LuaKinds.Kind kind(int npc) {
        return kinds.kinds[world.kindOf(npc).visual()];
    }

    /**
     * Runs one callback within the budget. Whatever goes wrong stays with this NPC (it sleeps) or,
     * for repeated runaways, its kind; the world and the player who caused the event go on.
     */
    private void call(LuaKinds.Kind k, LuaValue f, int npc, LuaValue a, LuaValue b, LuaValue c, String what) {
        if (k.faulty) {
            return;
        }
        // A callback can cause another: an NPC's step brings a player into another NPC's view
        // (on_player_enters), a hit kills a player whose respawn wakes NPCs. The inner one runs on
        // what the outer one has left, one level deeper, and the outer one then acts for its own
        // NPC again: nesting neither refills the budget nor loses whose callback runs.
        int outer = current;
        current = npc;
        if (outer == -1) {
            kinds.budget.start(CALLBACK_BUDGET);
        }
        try {
            f.call(a, b, c);
        } catch (RuntimeException e) { // LuaError, or a Java exception that compiled code let through
            LOG.warning("script error in " + k.file + " " + what + " of NPC " + npc + ": " + ScriptErrors.located(e, k.file)
                    + "; that NPC sleeps");
            world.sleep(npc);
        } catch (InstructionBudget.Runaway e) {
            abandoned(k, npc, what, "ran past " + CALLBACK_BUDGET + " instructions");
        } catch (StackOverflowError e) {
            abandoned(k, npc, what, "overflowed the stack (a recursion without end?)");
        } catch (OutOfMemoryError e) {
            // A script can ask for more memory than there is in one step (s = s .. s, string.rep):
            // that allocation failed, so nothing was taken, and what the callback built is garbage.
            abandoned(k, npc, what, "ran out of memory");
        } finally {
            if (outer == -1) {
                kinds.budget.stop();
            }
            current = outer;
        }
    }

    /**
     * A callback that would not end (instructions, recursion) or that asked for all the memory:
     * abandoned; its NPC sleeps, and after {@link #MAX_RUNAWAYS} such callbacks its kind is faulty.
     */
    private void abandoned(LuaKinds.Kind k, int npc, String what, String why) {
        k.runaways++;
        LOG.warning("script " + k.file + " " + what + " of NPC " + npc + " " + why + " and was abandoned ("
                + k.runaways + " of " + MAX_RUNAWAYS + "); that NPC sleeps");
        world.sleep(npc);
        if (k.runaways >= MAX_RUNAWAYS) {
            k.faulty = true;
            LOG.warning("kind " + k.stats.name() + " (" + k.file + ") is faulty after " + MAX_RUNAWAYS
                    + " abandoned callbacks: its NPCs run no script until the scripts are reloaded");
        }
    }

    private int self(LuaValue id) {
        int npc = id.checkint();
        if (current == -1) {
            throw new LuaError("gp functions act for an NPC only in its callbacks, not at a script's top level");
        }
        if (npc != current) {
            throw new LuaError("a script acts only for its own NPC (" + current + "), not " + npc);
        }
        return npc;
    }

    /** Fills the API table {@code gp} that every script's environment holds. */
    private void api(LuaTable gp) {
        gp.rawset("UP", DIR_UP);
        gp.rawset("DOWN", DIR_DOWN);
        gp.rawset("LEFT", DIR_LEFT);
        gp.rawset("RIGHT", DIR_RIGHT);
        gp.rawset("pos", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                int id = args.checkint(1);
                int x = world().x(id);
                return x < 0 ? NIL : varargsOf(valueOf(x), valueOf(world().y(id)));
            }
        });
        gp.rawset("hp", new OneArgFunction() {
            @Override
            public LuaValue call(LuaValue id) {
                int hp = world().hp(id.checkint());
                return hp < 0 ? NIL : valueOf(hp);
            }
        });
        gp.rawset("name", new OneArgFunction() {
            @Override
            public LuaValue call(LuaValue id) {
                String name = world().playerName(id.checkint());
                return name == null ? NIL : valueOf(name);
            }
        });
        gp.rawset("nearest_player", new TwoArgFunction() {
            @Override
            public LuaValue call(LuaValue npc, LuaValue range) {
                return valueOf(world.nearestPlayer(self(npc), range.checkint()));
            }
        });
        gp.rawset("players_near", new TwoArgFunction() {
            @Override
            public LuaValue call(LuaValue npc, LuaValue range) {
                int n = world.playersNear(self(npc), range.checkint(), nearBuffer);
                LuaTable list = new LuaTable(n, 0);
                for (int i = 0; i < n; i++) {
                    list.rawset(i + 1, valueOf(nearBuffer[i]));
                }
                return list;
            }
        });
        gp.rawset("step", new TwoArgFunction() {
            @Override
            public LuaValue call(LuaValue npc, LuaValue dir) {
                return valueOf(world.step(self(npc), dir.checkint()));
            }
        });
        gp.rawset("attack", new TwoArgFunction() {
            @Override
            public LuaValue call(LuaValue npc, LuaValue player) {
                return valueOf(world.attack(self(npc), player.checkint()));
            }
        });
        gp.rawset("say", new TwoArgFunction() {
            @Override
            public LuaValue call(LuaValue npc, LuaValue text) {
                world.say(self(npc), text.checkjstring());
                return NONE;
            }
        });
        gp.rawset("act_in", new TwoArgFunction() {
            @Override
            public LuaValue call(LuaValue npc, LuaValue millis) {
                world.actIn(self(npc), millis.checklong());
                return NONE;
            }
        });
        gp.rawset("random", new OneArgFunction() {
            @Override
            public LuaValue call(LuaValue bound) {
                int n = bound.checkint();
                if (n < 1) {
                    throw new LuaError("gp.random needs a bound >= 1, not " + n);
                }
                return valueOf(world().random(n));
            }
        });
        gp.rawset("get", new TwoArgFunction() {
            @Override
            public LuaValue call(LuaValue npc, LuaValue key) {
                LuaTable t = state.get(self(npc));
                return t == null ? NIL : t.get(key);
            }
        });
        gp.rawset("set", new VarArgFunction() {
            @Override
            public Varargs invoke(Varargs args) {
                int npc = self(args.arg(1));
                LuaTable t = state.get(npc);
                if (t == null) {
                    if (args.arg(3).isnil()) {
                        return NONE;
                    }
                    t = new LuaTable();
                    state.put(npc, t);
                }
                t.set(args.arg(2), args.arg(3));
                return NONE;
            }
        });
        gp.rawset("log", new OneArgFunction() {
            @Override
            public LuaValue call(LuaValue text) {
                LOG.info("script: " + text.tojstring());
                return NONE;
            }
        });
    }
}
