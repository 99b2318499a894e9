package gameport.script;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import gameport.testing.TestClient.Packet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The jar's slime, orc and troll scripts behave exactly as the Java kinds (--scripts off): two
 * servers with the same seed, map and NPCs, each watched by one player who stands still, send the
 * same NPC moves, in the same order, and the same hits on the player. The world draws every
 * random number (spawns, wandering) from one seeded stream, and NPCs woken together act together
 * in a fixed order, so any difference in what a script decides shows up in these sequences.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ScriptedKindsMatchJavaKindsTest {
    static final int MOVES = 400;

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void theShippedScriptsMakeTheSameMovesAndHitsAsTheJavaKinds(String engine) throws Exception {
        List<String> java = watch(engine, "off");
        List<String> lua = watch(engine, "builtin");
        long hits = java.stream().filter(s -> s.startsWith("hp")).count();
        long moves = java.stream().filter(s -> s.startsWith("move")).count();
        assertTrue(hits > 0 && moves >= 50, "the sample has an orc's or a troll's hits and many moves: " + java);
        assertEquals(java, lua);
    }

    /** What a standing player sees NPCs do, in order: "move ID X Y" and its own "hp HP". */
    private static List<String> watch(String engine, String scripts) throws Exception {
        List<String> seen = new ArrayList<>();
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(24).height(24).wallDensity(0.1)
                .viewRange(7).npcs(60).npcActMs(40).seed(4242).scripts(scripts))) {
            TestClient c = f.login("watcher");
            // Until MOVES NPC moves, or until the player is down to 30 hp (a dead player would
            // respawn elsewhere, which this passive client does not model): both points lie in the
            // packet stream itself, so two servers that behave alike stop at the same packet.
            int hp = Integer.MAX_VALUE;
            for (int moves = 0; moves < MOVES && hp > 30; moves++) {
                Packet p = c.awaitPacket(SC_MOVE_OBJECT, q -> q.id() != c.id(), Duration.ofSeconds(10));
                for (Packet passed : c.backlog()) { // what came before this move, in order
                    if (passed.type() == SC_STAT_CHANGE) {
                        hp = passed.hp();
                        seen.add("hp " + hp);
                    }
                }
                c.clearBacklog();
                seen.add("move " + p.id() + " " + p.x() + " " + p.y());
            }
        }
        return seen;
    }
}
