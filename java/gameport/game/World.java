package gameport.game;

import static gameport.protocol.Protocol.*;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The world's rules: who is where and who sees whom. Views are symmetric (one range for all), so
 * q is in p's view exactly when p is in q's; every change updates both sides at once, which keeps
 * each client's picture consistent (add before move, remove when out of sight).
 */
final class World {
    private final int width;
    private final int height;
    private final int viewRange;
    private final int maxUsers;
    private final Player[] players;
    private final int[] freeIds;
    private int freeHead;
    private int freeCount;
    private final Map<String, Player> byName = new HashMap<>();
    private final SectorGrid grid;
    private final SplittableRandom random;
    private final Outboxes outboxes;

    private final IdList nearby = new IdList();
    private int[] viewCopy = new int[64];
    private final int[] mark;
    private int epoch;

    World(int width, int height, int viewRange, int maxUsers, long seed, Outboxes outboxes) {
        this.width = width;
        this.height = height;
        this.viewRange = viewRange;
        this.maxUsers = maxUsers;
        this.players = new Player[maxUsers];
        this.freeIds = new int[maxUsers];
        for (int i = 0; i < maxUsers; i++) {
            freeIds[i] = i;
        }
        this.freeCount = maxUsers;
        this.mark = new int[maxUsers];
        this.grid = new SectorGrid(width, height, viewRange);
        this.random = new SplittableRandom(seed);
        this.outboxes = outboxes;
    }

    int online() {
        return maxUsers - freeCount;
    }

    /** Returns 0 on success or a SC_LOGIN_FAIL reason; on success the player is in the world. */
    int login(ClientSession s, String name, byte[] wireName) {
        if (byName.containsKey(name)) {
            return LOGIN_FAIL_NAME_IN_USE;
        }
        if (freeCount == 0) {
            return LOGIN_FAIL_SERVER_FULL;
        }
        // Ids are reused oldest-freed first, which keeps a freed id idle as long as possible.
        int id = freeIds[freeHead];
        freeHead = (freeHead + 1) % maxUsers;
        freeCount--;
        Player p = new Player(id, name, wireName, s);
        p.x = random.nextInt(width);
        p.y = random.nextInt(height);
        players[id] = p;
        byName.put(name, p);
        s.player = p;
        Packets.loginInfo(outboxes.touch(s), p);
        grid.add(p);
        grid.collect(p.x, p.y, viewRange, id, players, nearby);
        for (int i = 0, n = nearby.size(); i < n; i++) {
            see(p, players[nearby.get(i)]);
        }
        return 0;
    }

    void move(Player p, int direction, int moveTime) {
        int x = p.x;
        int y = p.y;
        switch (direction) {
            case DIR_UP: y--; break;
            case DIR_DOWN: y++; break;
            case DIR_LEFT: x--; break;
            case DIR_RIGHT: x++; break;
            default: break; // an unknown direction moves nowhere; the echo still goes out
        }
        if (x >= 0 && x < width && y >= 0 && y < height && (x != p.x || y != p.y)) {
            relocate(p, x, y, moveTime);
        } else {
            Packets.moveObject(outboxes.touch(p.session), p, moveTime);
        }
    }

    void teleport(Player p) {
        relocate(p, random.nextInt(width), random.nextInt(height), 0);
    }

    void chat(Player p, byte[] text, int offset, int length) {
        Packets.chat(outboxes.touch(p.session), p.id, text, offset, length);
        viewCopy = p.view.copyTo(viewCopy);
        for (int i = 0, n = p.view.size(); i < n; i++) {
            Packets.chat(outboxes.touch(players[viewCopy[i]].session), p.id, text, offset, length);
        }
    }

    /** Takes the player out of the world; everyone who saw it gets SC_REMOVE_OBJECT. */
    void leave(Player p) {
        viewCopy = p.view.copyTo(viewCopy);
        for (int i = 0, n = p.view.size(); i < n; i++) {
            Player q = players[viewCopy[i]];
            q.view.remove(p.id);
            Packets.removeObject(outboxes.touch(q.session), p.id);
        }
        p.view.clear();
        grid.remove(p, players);
        byName.remove(p.name);
        players[p.id] = null;
        freeIds[(freeHead + freeCount) % maxUsers] = p.id;
        freeCount++;
        p.session.player = null;
    }

    private void relocate(Player p, int x, int y, int moveTime) {
        p.x = x;
        p.y = y;
        grid.update(p, players);
        Packets.moveObject(outboxes.touch(p.session), p, moveTime);

        if (++epoch == 0) { // wrapped after 2^32 moves: old stamps could collide
            java.util.Arrays.fill(mark, 0);
            epoch = 1;
        }
        int stamp = epoch;
        grid.collect(x, y, viewRange, p.id, players, nearby);
        for (int i = 0, n = nearby.size(); i < n; i++) {
            int id = nearby.get(i);
            mark[id] = stamp;
            Player q = players[id];
            if (p.view.contains(id)) {
                Packets.moveObject(outboxes.touch(q.session), p, moveTime);
            } else {
                see(p, q);
            }
        }
        if (p.view.size() > nearby.size()) {
            viewCopy = p.view.copyTo(viewCopy);
            for (int i = 0, n = p.view.size(); i < n; i++) {
                int id = viewCopy[i];
                if (mark[id] != stamp) {
                    unsee(p, players[id]);
                }
            }
        }
    }

    /** p and q come into each other's view. */
    private void see(Player p, Player q) {
        p.view.add(q.id);
        q.view.add(p.id);
        Packets.addObject(outboxes.touch(p.session), q);
        Packets.addObject(outboxes.touch(q.session), p);
    }

    private void unsee(Player p, Player q) {
        p.view.remove(q.id);
        q.view.remove(p.id);
        Packets.removeObject(outboxes.touch(p.session), q.id);
        Packets.removeObject(outboxes.touch(q.session), p.id);
    }
}
