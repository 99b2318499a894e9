package gameport.world;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.game.GameMap;
import gameport.server.ServerConfig;
import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import gameport.testing.TestClient.Packet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The default world (200,000 NPCs on 2000 x 2000 with 5% walls) is ready fast and playable. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DefaultWorldTest {

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void defaultWorldStartsFastAndALoginLandsOnAFreeTile(String engine) throws Exception {
        int npcs = 200_000;
        ServerConfig config = ServerFixture.config(engine).npcs(npcs).wallDensity(0.05).width(2000).height(2000);
        long start = System.nanoTime();
        try (ServerFixture f = ServerFixture.start(config)) {
            long startMs = (System.nanoTime() - start) / 1_000_000;
            TestClient c = TestClient.connect(f.port, "first"); // no bounds model: the map has walls
            try {
                Packet info = c.loginOk("first");
                long readyMs = (System.nanoTime() - start) / 1_000_000;
                System.out.println("[" + engine + "] default world: started in " + startMs + " ms, first login after "
                        + readyMs + " ms");
                assertTrue(startMs < 10_000, "the default world took " + startMs + " ms to start");
                // Read everything the login brought, with the counters as of then (a sync's batch
                // publishes them after its flush: the second sync makes sure the first has).
                c.sync();
                c.sync();
                long wakeUps = f.server.npcWakeUps();
                List<Packet> adds = new ArrayList<>();
                for (Packet p : c.backlog()) {
                    if (p.type() == SC_ADD_OBJECT) {
                        adds.add(p);
                    }
                }
                // 200,000 NPCs on ~3.8 M free tiles: about 12 in a 15 x 15 view.
                System.out.println("[" + engine + "] NPCs in the first view: " + adds.size());
                assertEquals(adds.size(), wakeUps, "exactly the NPCs in view woke up");
                GameMap map = GameMap.generate(2000, 2000, 0.05, config.seed);
                assertTrue(map.isFree(info.x(), info.y()), "spawned on a wall: " + info);
                int maxUsers = config.maxUsers;
                for (Packet p : adds) {
                    assertTrue(p.id() >= maxUsers && p.id() < maxUsers + npcs, "an NPC id: " + p);
                    assertTrue(p.visual() >= 1 && p.visual() <= 3, p.toString());
                    assertTrue(map.isFree(p.x(), p.y()), "an NPC on a wall: " + p);
                    assertTrue(Math.abs(p.x() - info.x()) <= 7 && Math.abs(p.y() - info.y()) <= 7, "in view: " + p);
                }
            } finally {
                c.close();
            }
        }
    }
}
