package gameport.game;

import static gameport.protocol.Protocol.*;

/**
 * The NPC behaviour written in Java: a kind with no chase range (the slime) wanders a random step
 * per act; the others (orc, troll) hit the nearest player within their chase range when it stands
 * next to them (or on their tile) and otherwise step towards it, along the longer axis first, the
 * other one if a wall is in the way. The reference the scripted kinds are measured against.
 */
public final class HardCodedBrain implements NpcBrain {
    private final NpcActions world;

    public HardCodedBrain(NpcActions world) {
        this.world = world;
    }

    @Override
    public void act(int npc) {
        int x = world.x(npc);
        int y = world.y(npc);
        int range = world.kindOf(npc).chaseRange();
        int prey = range > 0 ? world.nearestPlayer(npc, range) : -1;
        if (prey < 0) {
            world.step(npc, world.random(4));
            return;
        }
        int px = world.x(prey);
        int py = world.y(prey);
        // Objects never block each other, so the prey may stand on the NPC's own tile: that is in reach too.
        if (Math.abs(px - x) + Math.abs(py - y) <= 1) {
            world.attack(npc, prey);
            return;
        }
        int horizontal = px > x ? DIR_RIGHT : DIR_LEFT;
        int vertical = py > y ? DIR_DOWN : DIR_UP;
        boolean xFirst = Math.abs(px - x) >= Math.abs(py - y);
        if (!world.step(npc, xFirst ? horizontal : vertical) && (xFirst ? py != y : px != x)) {
            world.step(npc, xFirst ? vertical : horizontal);
        }
    }
}
