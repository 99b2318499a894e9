package gameport.world;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.LogCapture;
import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import gameport.testing.TestClient.Packet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One script callback can cause another: the bouncer's on_hit kills its attacker with gp.attack,
 * the attacker respawns in the bouncer's view, and the bouncer's on_player_enters runs inside
 * that on_hit. The outer callback must then still act for its NPC (gp.say after the attack)
 * rather than fail as a script acting for someone else.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NestedScriptCallbackTest {
    static final int MAX_USERS = 100;
    static final int BOUNCER = MAX_USERS;
    static final int W = 30;

    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void aCallbackCausedByAnotherLeavesTheOuterOneActingForItsNpc(String engine) throws Exception {
        Path scripts = Files.createDirectories(dir.resolve("scripts"));
        Files.writeString(scripts.resolve("bouncer.lua"), String.join("\n",
                "kind = { name = \"Bouncer\", visual = 5, hp = 1000, damage = 1000 }",
                "function on_player_enters(npc, player)",
                "  gp.say(npc, \"welcome \" .. gp.name(player))",
                "end",
                "function on_hit(npc, player, damage)",
                "  gp.attack(npc, player) -- kills it: its respawn runs on_player_enters in here",
                "  gp.say(npc, \"and stay out\")",
                "end", ""));
        MapFiles map = MapFiles.write(dir, "corridor.map", MapFiles.row(W, '#'), MapFiles.row(W, '.'),
                MapFiles.row(W, '#'));
        try (LogCapture log = new LogCapture();
             ServerFixture f = ServerFixture.start(ServerFixture.config(engine).mapFile(map.file()).viewRange(40)
                     .maxUsers(MAX_USERS).npcs(1).npcKinds("bouncer").scripts(scripts.toString()));
             DyingClient victim = new DyingClient(f.port, "victim")) {
            victim.login("victim");
            Packet bouncer = victim.await(SC_ADD_OBJECT, p -> p.id() == BOUNCER, TestClient.TIMEOUT);
            victim.await(SC_CHAT, p -> p.id() == BOUNCER && p.textString().equals("welcome victim"), TestClient.TIMEOUT);
            victim.walkToX(bouncer.x() + 1 < W ? bouncer.x() + 1 : bouncer.x() - 1);
            victim.attack();
            victim.await(SC_CHAT, p -> p.id() == BOUNCER && p.textString().equals("welcome victim"),
                    Duration.ofSeconds(5));
            victim.await(SC_CHAT, p -> p.id() == BOUNCER && p.textString().equals("and stay out"),
                    Duration.ofSeconds(5));
            assertEquals(1, victim.respawns().size(), "killed once by the bouncer");
            assertTrue(log.lines().stream().noneMatch(l -> l.contains("script error")), String.join("\n", log.lines()));
        }
    }
}
