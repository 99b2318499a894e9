package gameport.game;

import static gameport.protocol.Protocol.*;

import gameport.store.PlayerState;
import java.util.SplittableRandom;

/**
 * The world's rules: who is where, players' actions (move, teleport, chat, attack), and NPCs that
 * sleep, wake, walk and fight. Who sees whom is {@link Views}'; who is online by name is the
 * {@link Roster}'. An NPC sleeps while no player watches it: it then has no timer and costs
 * nothing.
 */
final class World implements NpcActions, KindTable {
    static final int TIMER_NPC_ACT = 1;
    static final int TIMER_NPC_RESPAWN = 2;


    private final GameMap map;
    private final int viewRange;
    private final int maxUsers;
    private final Player[] players;
    private final int[] freeIds;
    private int freeHead;
    private int freeCount;
    private final Roster roster = new Roster();
    /** Positions of every object, by id: players in [0, maxUsers), NPCs after. */
    private final int[] xs;
    private final int[] ys;
    private final int idLimit;
    private final Npcs npcs;
    private final SectorGrid grid;
    private final TimerWheel timers;
    private final long respawnNanos;
    private final long npcActNanos;
    private final SplittableRandom random;
    private final Outboxes outboxes;
    private final PlayerSaves saves;

    /** The farthest a brain may put an NPC's next act (a day): no overflow in nanoseconds. */
    static final long MAX_ACT_IN_MS = 86_400_000L;
    /** Ranges a brain asks about are cut to the view range or this, whichever is larger (a bounded scan). */
    private static final int MAX_SCRIPT_RANGE = 16;
    private final Views views;
    private NpcBrain brain = new HardCodedBrain(this);
    /** Set by actIn during an act: the delay to the next act instead of one period; -1 = not set. */
    private long nextActOverrideNanos = -1;
    /** The NPC (id) whose act runs now, or -1: actIn for it sets the override, for others it reschedules. */
    private int actingNpc = -1;
    private final IdList near = new IdList();
    private final IdList nearby = new IdList();
    private final IdList targets = new IdList();
    private int[] viewCopy = new int[64];
    /** The game loop's clock for this batch (timers are scheduled from it). */
    long now;

    long npcWakeUps;
    long npcMoves;
    /** NPC acts run (brain.act calls): what tools/bench divides the game thread's CPU by. */
    long npcActs;
    /**
     * Time spent in those acts: the brain and the world work it caused (steps, views, hits), so
     * tools/bench can put the behaviour's own cost per act beside the whole game thread's. Two
     * clock reads per act (vDSO, tens of ns against the act's microseconds).
     */
    long npcActTimeNanos;
    long npcKills;
    /** Logins that got SC_LOGIN_INFO, since start. */
    long logins;

    World(GameMap map, int viewRange, int maxUsers, int npcCount, NpcKind[] kindTable, int[] npcKinds, long npcActMs,
          long respawnMs, long seed, Outboxes outboxes, TimerWheel timers, PlayerSaves saves) {
        this.saves = saves;
        this.npcActNanos = npcActMs * 1_000_000L;
        this.map = map;
        // A range past the map's size sees the whole map; clamping keeps the sector math in int range.
        this.viewRange = Math.min(viewRange, Math.max(map.width(), map.height()));
        this.maxUsers = maxUsers;
        this.players = new Player[maxUsers];
        this.freeIds = new int[maxUsers];
        for (int i = 0; i < maxUsers; i++) {
            freeIds[i] = i;
        }
        this.freeCount = maxUsers;
        this.idLimit = maxUsers + npcCount;
        this.xs = new int[idLimit];
        this.ys = new int[idLimit];
        this.random = new SplittableRandom(seed);
        this.outboxes = outboxes;
        this.timers = timers;
        this.respawnNanos = respawnMs * 1_000_000L;
        this.grid = new SectorGrid(map.width(), map.height(), this.viewRange, xs, ys);
        this.npcs = new Npcs(maxUsers, npcCount, kindTable);
        npcs.populate(map, random, xs, ys, npcKinds);
        for (int i = 0; i < npcCount; i++) {
            grid.add(npcs.firstId + i);
        }
        this.views = new Views(this.viewRange, maxUsers, idLimit, players, xs, ys, grid, npcs, outboxes,
                new Views.NpcWatch() {
                    @Override
                    public void watched(int i, int player) {
                        watch(i, player);
                    }

                    @Override
                    public void unwatched(int i) {
                        unwatch(i);
                    }
                });
    }

    int online() {
        return maxUsers - freeCount;
    }

    int maxUsers() {
        return maxUsers;
    }

    /** Replaces the NPCs' behaviour (the scripted kinds); before the first round. */
    void brain(NpcBrain b) {
        brain = b;
    }

    int width() {
        return map.width();
    }

    int height() {
        return map.height();
    }

    /**
     * Counts the awake NPCs and, when {@code players} is not null, adds every player and awake NPC
     * to its cell of {@code cell} x {@code cell} tiles (row-major, {@code cols} per row).
     */
    int census(int cell, int cols, int[] players, int[] npcsAwake) {
        if (players != null) {
            for (Player p : this.players) {
                if (p != null) {
                    players[ys[p.id] / cell * cols + xs[p.id] / cell]++;
                }
            }
        }
        int awake = 0;
        for (int i = 0; i < npcs.count; i++) {
            if (npcs.state[i] == Npcs.AWAKE) {
                awake++;
                if (npcsAwake != null) {
                    int id = npcs.firstId + i;
                    npcsAwake[ys[id] / cell * cols + xs[id] / cell]++;
                }
            }
        }
        return awake;
    }

    /** The player with this id, or null. */
    Player player(int id) {
        return players[id];
    }

    Roster roster() {
        return roster;
    }

    /** What is stored of {@code p} now. */
    PlayerState stateOf(Player p) {
        return new PlayerState(p.nameKey, p.name, xs[p.id], ys[p.id], p.hp, p.level, p.exp,
                System.currentTimeMillis());
    }

    int npcCount() {
        return npcs.count;
    }

    /** Why a login is refused; null = the player is in the world. */
    enum Refusal {
        NAME_IN_USE("name in use"),
        SERVER_FULL("server full");

        final String label;

        Refusal(String label) {
            this.label = label;
        }
    }

    /**
     * Puts a player named {@code name} (valid, NFC) in the world, or says why not: where
     * {@code stored} left it, with its stats (a tile that has become a wall: a free one), or, new
     * ({@code stored} null), on a free tile.
     */
    Refusal login(ClientSession s, String name, String nameKey, byte[] wireName, PlayerState stored) {
        if (roster.taken(nameKey)) {
            return Refusal.NAME_IN_USE;
        }
        if (freeCount == 0) {
            return Refusal.SERVER_FULL;
        }
        // Ids are reused oldest-freed first, which keeps a freed id idle as long as possible.
        int id = freeIds[freeHead];
        freeHead = (freeHead + 1) % maxUsers;
        freeCount--;
        Player p = new Player(id, name, nameKey, wireName, s);
        if (stored != null && map.isFree(stored.x(), stored.y())) {
            xs[id] = stored.x();
            ys[id] = stored.y();
        } else {
            placeOnFreeTile(id);
        }
        if (stored != null) {
            p.restore(stored.hp(), stored.level(), stored.exp());
        }
        players[id] = p;
        roster.add(p);
        s.player = p;
        s.loggedInAs = p;
        Packets.loginInfo(outboxes.touch(s), p, xs[id], ys[id]);
        logins++;
        grid.add(id);
        views.enter(p);
        return null;
    }

    void move(Player p, int direction, int moveTime) {
        int x = xs[p.id];
        int y = ys[p.id];
        switch (direction) {
            case DIR_UP: y--; break;
            case DIR_DOWN: y++; break;
            case DIR_LEFT: x--; break;
            case DIR_RIGHT: x++; break;
            default: break; // an unknown direction moves nowhere; the echo still goes out
        }
        if (map.isFree(x, y) && (x != xs[p.id] || y != ys[p.id])) {
            relocate(p, x, y, moveTime);
        } else {
            Packets.moveObject(outboxes.touch(p.session), p.id, xs[p.id], ys[p.id], moveTime);
        }
    }

    void teleport(Player p) {
        int tile = map.randomFreeTile(random);
        relocate(p, GameMap.tileX(tile), GameMap.tileY(tile), 0);
    }

    void chat(Player p, byte[] text, int offset, int length) {
        Packets.chat(outboxes.touch(p.session), p.id, text, offset, length);
        viewCopy = p.view.copyTo(viewCopy);
        for (int i = 0, n = p.view.size(); i < n; i++) {
            int id = viewCopy[i];
            if (id < maxUsers) {
                Packets.chat(outboxes.touch(players[id].session), p.id, text, offset, length);
            }
        }
    }

    /** Takes the player out of the world; every player who saw it gets SC_REMOVE_OBJECT. */
    void leave(Player p) {
        saves.left(p);
        views.clear(p, false);
        grid.remove(p.id);
        roster.remove(p);
        players[p.id] = null;
        freeIds[(freeHead + freeCount) % maxUsers] = p.id;
        freeCount++;
        p.session.player = null;
    }

    /** CS_ATTACK: hits every living NPC on the four tiles next to the player. */
    void attack(Player p) {
        int x = xs[p.id];
        int y = ys[p.id];
        grid.collect(x, y, 1, p.id, idLimit, targets); // not `nearby`: a kill below reuses that
        for (int k = 0, n = targets.size(); k < n; k++) {
            int id = targets.get(k);
            if (id >= maxUsers && Math.abs(xs[id] - x) + Math.abs(ys[id] - y) == 1) {
                int i = id - npcs.firstId;
                if (npcs.state[i] != Npcs.DEAD) {
                    npcs.hp[i] -= p.attackDamage();
                    if (npcs.hp[i] <= 0) {
                        killNpc(i, p);
                    } else if (npcs.state[i] == Npcs.AWAKE) {
                        brain.hit(id, p.id, p.attackDamage());
                    }
                }
            }
        }
    }

    /** A timer fired: {@code target} is the NPC index; stale handles (cancelled since) are ignored. */
    void onTimer(int handle, int kind, int target) {
        if (npcs.timer[target] != handle) {
            return;
        }
        npcs.timer[target] = TimerWheel.NONE;
        if (kind == TIMER_NPC_ACT) {
            npcAct(target);
        } else if (kind == TIMER_NPC_RESPAWN) {
            respawnNpc(target);
        }
    }

    /** Puts the player at (x, y); Views tells everyone concerned. */
    private void relocate(Player p, int x, int y, int moveTime) {
        xs[p.id] = x;
        ys[p.id] = y;
        grid.update(p.id);
        saves.changed(p);
        views.playerMoved(p, moveTime);
        if (brain.wantsPlayerMoves()) {
            viewCopy = p.view.copyTo(viewCopy);
            for (int k = 0, n = p.view.size(); k < n; k++) {
                int id = viewCopy[k];
                if (id >= maxUsers && npcs.state[id - npcs.firstId] == Npcs.AWAKE) {
                    brain.playerMoved(id, p.id);
                }
            }
        }
    }

    // ---- NPCs -----------------------------------------------------------------------------

    private void watch(int i, int player) {
        if (npcs.watchers[i]++ == 0 && npcs.state[i] == Npcs.SLEEPING) {
            npcs.state[i] = Npcs.AWAKE;
            npcs.timer[i] = timers.schedule(nextActAt(), TIMER_NPC_ACT, i);
            npcWakeUps++;
            brain.woke(npcs.firstId + i);
        }
        if (npcs.state[i] == Npcs.AWAKE) {
            brain.playerEnters(npcs.firstId + i, player);
        }
    }

    /** The NPC goes back to sleep at its next act, not here: a watcher that comes straight back costs nothing. */
    private void unwatch(int i) {
        npcs.watchers[i]--;
    }

    private void npcAct(int i) {
        if (npcs.state[i] != Npcs.AWAKE) {
            return;
        }
        int id = npcs.firstId + i;
        if (npcs.watchers[i] == 0) {
            npcs.state[i] = Npcs.SLEEPING;
            brain.forget(id);
            return;
        }
        nextActOverrideNanos = -1;
        npcActs++;
        long start = System.nanoTime();
        actingNpc = id;
        try {
            brain.act(id);
        } catch (RuntimeException | StackOverflowError e) {
            // A failing behaviour costs this NPC, not the world (the game loop logs the failure).
            sleep(id);
            throw e;
        } finally {
            actingNpc = -1;
            npcActTimeNanos += System.nanoTime() - start;
        }
        if (npcs.state[i] == Npcs.AWAKE) {
            long at = nextActOverrideNanos >= 0 ? now + Math.max(nextActOverrideNanos, timers.tickNanos()) : nextActAt();
            npcs.timer[i] = timers.schedule(at, TIMER_NPC_ACT, i);
        }
    }

    /**
     * One act period from now. The loop runs a little after a tick starts and a deadline fires at
     * the first tick at or after it, so a plain now + period would land one tick late every act.
     */
    private long nextActAt() {
        return now + npcActNanos - timers.tickNanos() + 1;
    }

    /** Moves NPC {@code i} one tile if it is free, updating the views of the players around it. */
    private boolean tryStep(int i, int x, int y) {
        if (!map.isFree(x, y)) {
            return false;
        }
        int id = npcs.firstId + i;
        xs[id] = x;
        ys[id] = y;
        grid.update(id);
        npcMoves++;
        views.npcMoved(id);
        return true;
    }

    private void killNpc(int i, Player killer) {
        int id = npcs.firstId + i;
        npcs.state[i] = Npcs.DEAD;
        npcKills++;
        timers.cancel(npcs.timer[i]);
        views.npcGone(id);
        npcs.watchers[i] = 0;
        grid.remove(id);
        long respawnMs = npcs.kindOf(i).respawnMs();
        npcs.timer[i] = timers.schedule(now + (respawnMs > 0 ? respawnMs * 1_000_000L : respawnNanos),
                TIMER_NPC_RESPAWN, i);
        killer.gainExp(npcs.exp(i));
        saves.changed(killer);
        Packets.statChange(outboxes.touch(killer.session), killer);
        brain.died(id, killer.id);
        brain.forget(id);
    }

    private void respawnNpc(int i) {
        int id = npcs.firstId + i;
        npcs.hp[i] = npcs.maxHp(i);
        npcs.state[i] = Npcs.SLEEPING;
        xs[id] = npcs.homeX[i];
        ys[id] = npcs.homeY[i];
        grid.add(id);
        views.npcAppeared(id);
    }

    private void hitPlayer(Player p, int damage) {
        p.hp -= damage;
        saves.changed(p);
        if (p.hp > 0) {
            Packets.statChange(outboxes.touch(p.session), p);
            return;
        }
        // Dead: everyone loses sight of it, and it comes back elsewhere with full hp and half its exp.
        views.clear(p, true);
        p.exp /= 2;
        p.hp = p.maxHp;
        int tile = map.randomFreeTile(random);
        xs[p.id] = GameMap.tileX(tile);
        ys[p.id] = GameMap.tileY(tile);
        grid.update(p.id);
        Packets.moveObject(outboxes.touch(p.session), p.id, xs[p.id], ys[p.id], 0);
        Packets.statChange(outboxes.touch(p.session), p);
        views.enter(p);
    }

    private void placeOnFreeTile(int id) {
        int tile = map.randomFreeTile(random);
        xs[id] = GameMap.tileX(tile);
        ys[id] = GameMap.tileY(tile);
    }

    // ---- NpcActions: what a brain may ask of the world --------------------------------------

    private boolean liveNpc(int id) {
        return npcs.isNpc(id) && npcs.state[id - npcs.firstId] != Npcs.DEAD;
    }

    private boolean livePlayer(int id) {
        return id >= 0 && id < maxUsers && players[id] != null;
    }

    @Override
    public int x(int id) {
        return liveNpc(id) || livePlayer(id) ? xs[id] : -1;
    }

    @Override
    public int y(int id) {
        return liveNpc(id) || livePlayer(id) ? ys[id] : -1;
    }

    @Override
    public int hp(int id) {
        if (liveNpc(id)) {
            return npcs.hp[id - npcs.firstId];
        }
        return livePlayer(id) ? players[id].hp : -1;
    }

    @Override
    public String playerName(int player) {
        return livePlayer(player) ? players[player].name : null;
    }

    @Override
    public NpcKind kindOf(int npc) {
        return npcs.kindOf(npc - npcs.firstId);
    }

    @Override
    public int nearestPlayer(int npc, int range) {
        int x = xs[npc];
        int y = ys[npc];
        grid.collect(x, y, Math.min(range, Math.max(viewRange, MAX_SCRIPT_RANGE)), -1, maxUsers, near);
        int best = -1;
        int bestDistance = Integer.MAX_VALUE;
        for (int k = 0, n = near.size(); k < n; k++) {
            int id = near.get(k);
            int d = Math.abs(xs[id] - x) + Math.abs(ys[id] - y);
            if (d < bestDistance) {
                bestDistance = d;
                best = id;
            }
        }
        return best;
    }

    @Override
    public int playersNear(int npc, int range, int[] into) {
        grid.collect(xs[npc], ys[npc], Math.min(range, Math.max(viewRange, MAX_SCRIPT_RANGE)), -1, maxUsers, near);
        int n = Math.min(near.size(), into.length);
        for (int k = 0; k < n; k++) {
            into[k] = near.get(k);
        }
        return n;
    }

    @Override
    public boolean step(int npc, int direction) {
        if (!liveNpc(npc)) {
            return false;
        }
        int x = xs[npc];
        int y = ys[npc];
        switch (direction) {
            case DIR_UP: return tryStep(npc - npcs.firstId, x, y - 1);
            case DIR_DOWN: return tryStep(npc - npcs.firstId, x, y + 1);
            case DIR_LEFT: return tryStep(npc - npcs.firstId, x - 1, y);
            case DIR_RIGHT: return tryStep(npc - npcs.firstId, x + 1, y);
            default: return false;
        }
    }

    @Override
    public boolean attack(int npc, int player) {
        if (!liveNpc(npc) || !livePlayer(player)
                || Math.abs(xs[player] - xs[npc]) + Math.abs(ys[player] - ys[npc]) > 1) {
            return false;
        }
        hitPlayer(players[player], npcs.damage(npc - npcs.firstId));
        return true;
    }

    @Override
    public void say(int npc, String text) {
        if (!liveNpc(npc) || text.isEmpty()) {
            return;
        }
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int length = Math.min(bytes.length, gameport.protocol.Protocol.MAX_CHAT_BYTES);
        while (length < bytes.length && (bytes[length] & 0xC0) == 0x80) {
            length--; // cut before a character, never inside one: clients decode what they get as UTF-8
        }
        grid.collect(xs[npc], ys[npc], viewRange, -1, maxUsers, near);
        for (int k = 0, n = near.size(); k < n; k++) {
            Player p = players[near.get(k)];
            if (p != null && p.view.contains(npc)) {
                Packets.chat(outboxes.touch(p.session), npc, bytes, 0, length);
            }
        }
    }

    @Override
    public void actIn(int npc, long millis) {
        long nanos = Math.min(Math.max(0, millis), MAX_ACT_IN_MS) * 1_000_000L;
        if (npc == actingNpc) {
            nextActOverrideNanos = nanos; // npcAct schedules the next act when the act returns
            return;
        }
        // From an event (wake, a player entering or moving, a hit): the next act moves now.
        int i = npc - npcs.firstId;
        if (liveNpc(npc) && npcs.state[i] == Npcs.AWAKE) {
            timers.cancel(npcs.timer[i]);
            npcs.timer[i] = timers.schedule(now + Math.max(nanos, timers.tickNanos()), TIMER_NPC_ACT, i);
        }
    }

    /**
     * The NPC stops acting: asleep, its act timer cancelled. It wakes when a player comes to see
     * it after everyone who sees it now has gone (the world's usual wake-up).
     */
    @Override
    public void sleep(int npc) {
        if (!liveNpc(npc)) {
            return;
        }
        int i = npc - npcs.firstId;
        if (npcs.state[i] == Npcs.AWAKE) {
            npcs.state[i] = Npcs.SLEEPING;
            timers.cancel(npcs.timer[i]);
            npcs.timer[i] = TimerWheel.NONE;
        }
        brain.forget(npc);
    }

    @Override
    public int random(int bound) {
        return random.nextInt(bound);
    }

    // ---- KindTable: a script reload between two rounds --------------------------------------

    @Override
    public void replaceKind(NpcKind k) {
        int v = k.visual();
        if (v <= 0 || v >= npcs.kinds.length || npcs.kinds[v] == null) {
            throw new IllegalArgumentException("no kind with visual " + v + " in this world");
        }
        int oldMax = npcs.kinds[v].maxHp();
        npcs.replaceKind(k);
        if (k.maxHp() < oldMax) {
            // Once per reload that lowers a kind's hp: one pass over the NPCs' kind bytes.
            for (int i = 0; i < npcs.count; i++) {
                if (npcs.visual(i) == v && npcs.hp[i] > k.maxHp()) {
                    npcs.hp[i] = k.maxHp();
                }
            }
        }
    }
}
