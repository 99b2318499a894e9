package gameport.game;

import java.util.Arrays;

/**
 * The view rules: who sees whom, and the SC_ADD_OBJECT / SC_MOVE_OBJECT / SC_REMOVE_OBJECT each
 * change of it sends. Game thread only.
 *
 * <p>A player's view holds the ids (players and NPCs) within the view range, in x and in y.
 * Between players the relation is symmetric (one range for all), so every change updates both
 * sides at once, which keeps each client's picture consistent: an add before any move, a remove
 * when out of sight, never a move about something the client does not know. NPCs have no view;
 * each counts its watchers (players that have it in view), and the {@link NpcWatch} hears when an
 * NPC gains its first watcher (it wakes) or loses one.
 */
final class Views {
    /** How the NPC side hears that players came to see, or stopped seeing, an NPC. */
    interface NpcWatch {
        /** {@code player} came to see NPC {@code npcIndex}. */
        void watched(int npcIndex, int player);

        void unwatched(int npcIndex);
    }

    private final int viewRange;
    private final int maxUsers;
    private final int idLimit;
    private final Player[] players;
    private final int[] xs;
    private final int[] ys;
    private final SectorGrid grid;
    private final Npcs npcs;
    private final Outboxes outboxes;
    private final NpcWatch npcWatch;

    private final IdList nearby = new IdList();
    private int[] viewCopy = new int[64];
    private final int[] mark;
    private int epoch;

    Views(int viewRange, int maxUsers, int idLimit, Player[] players, int[] xs, int[] ys, SectorGrid grid, Npcs npcs,
          Outboxes outboxes, NpcWatch npcWatch) {
        this.viewRange = viewRange;
        this.maxUsers = maxUsers;
        this.idLimit = idLimit;
        this.players = players;
        this.xs = xs;
        this.ys = ys;
        this.grid = grid;
        this.npcs = npcs;
        this.outboxes = outboxes;
        this.npcWatch = npcWatch;
        this.mark = new int[idLimit];
    }

    /** The player just appeared at its position: it and everything around see each other. */
    void enter(Player p) {
        grid.collect(xs[p.id], ys[p.id], viewRange, p.id, idLimit, nearby);
        for (int i = 0, n = nearby.size(); i < n; i++) {
            see(p, nearby.get(i));
        }
    }

    /**
     * Empties the player's view. Other players that saw it get SC_REMOVE_OBJECT; with
     * {@code tellSelf} the player also gets SC_REMOVE_OBJECT for everything it saw.
     */
    void clear(Player p, boolean tellSelf) {
        viewCopy = p.view.copyTo(viewCopy);
        for (int i = 0, n = p.view.size(); i < n; i++) {
            int id = viewCopy[i];
            if (id >= maxUsers) {
                npcWatch.unwatched(id - npcs.firstId);
            } else {
                Player q = players[id];
                q.view.remove(p.id);
                Packets.removeObject(outboxes.touch(q.session), p.id);
            }
            if (tellSelf) {
                Packets.removeObject(outboxes.touch(p.session), id);
            }
        }
        p.view.clear();
    }

    /** The player now stands at its new position (already in xs/ys and the grid): views follow. */
    void playerMoved(Player p, int moveTime) {
        int x = xs[p.id];
        int y = ys[p.id];
        Packets.moveObject(outboxes.touch(p.session), p.id, x, y, moveTime);
        int stamp = nextStamp();
        grid.collect(x, y, viewRange, p.id, idLimit, nearby);
        for (int i = 0, n = nearby.size(); i < n; i++) {
            int id = nearby.get(i);
            mark[id] = stamp;
            if (!p.view.contains(id)) {
                see(p, id);
            } else if (id < maxUsers) {
                Packets.moveObject(outboxes.touch(players[id].session), p.id, x, y, moveTime);
            }
        }
        if (p.view.size() > nearby.size()) {
            viewCopy = p.view.copyTo(viewCopy);
            for (int i = 0, n = p.view.size(); i < n; i++) {
                int id = viewCopy[i];
                if (mark[id] != stamp) {
                    unsee(p, id);
                }
            }
        }
    }

    /** NPC {@code id} stepped one tile (already in xs/ys and the grid): the players around it follow. */
    void npcMoved(int id) {
        int x = xs[id];
        int y = ys[id];
        // One step away, so every player who saw it before is within R+1 of where it is now.
        grid.collect(x, y, viewRange + 1, -1, maxUsers, nearby);
        for (int k = 0, n = nearby.size(); k < n; k++) {
            Player q = players[nearby.get(k)];
            boolean inRange = Math.abs(xs[q.id] - x) <= viewRange && Math.abs(ys[q.id] - y) <= viewRange;
            boolean seen = q.view.contains(id);
            if (seen && inRange) {
                Packets.moveObject(outboxes.touch(q.session), id, x, y, 0);
            } else if (inRange) {
                see(q, id);
            } else if (seen) {
                unsee(q, id);
            }
        }
    }

    /** NPC {@code id} died (still in the grid): everyone who saw it gets SC_REMOVE_OBJECT. */
    void npcGone(int id) {
        grid.collect(xs[id], ys[id], viewRange, -1, maxUsers, nearby);
        for (int k = 0, n = nearby.size(); k < n; k++) {
            Player q = players[nearby.get(k)];
            if (q.view.remove(id)) {
                Packets.removeObject(outboxes.touch(q.session), id);
            }
        }
    }

    /** NPC {@code id} (re)appeared at its position: the players around it see it. */
    void npcAppeared(int id) {
        grid.collect(xs[id], ys[id], viewRange, -1, maxUsers, nearby);
        for (int k = 0, n = nearby.size(); k < n; k++) {
            see(players[nearby.get(k)], id);
        }
    }

    private int nextStamp() {
        if (++epoch == 0) { // wrapped after 2^32 moves: old stamps could collide
            Arrays.fill(mark, 0);
            epoch = 1;
        }
        return epoch;
    }

    /** p comes to see object {@code id} (and, if it is a player, that player sees p). */
    private void see(Player p, int id) {
        p.view.add(id);
        if (id >= maxUsers) {
            int i = id - npcs.firstId;
            Packets.addNpc(outboxes.touch(p.session), npcs, i, xs[id], ys[id]);
            npcWatch.watched(i, p.id);
        } else {
            Player q = players[id];
            q.view.add(p.id);
            Packets.addPlayer(outboxes.touch(p.session), q, xs[id], ys[id]);
            Packets.addPlayer(outboxes.touch(q.session), p, xs[p.id], ys[p.id]);
        }
    }

    private void unsee(Player p, int id) {
        p.view.remove(id);
        Packets.removeObject(outboxes.touch(p.session), id);
        if (id >= maxUsers) {
            npcWatch.unwatched(id - npcs.firstId);
        } else {
            Player q = players[id];
            q.view.remove(p.id);
            Packets.removeObject(outboxes.touch(q.session), p.id);
        }
    }
}
