package gameport.script;

import static org.junit.jupiter.api.Assertions.*;

import gameport.server.GameServer;
import gameport.testing.ServerFixture;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 200,000 sleeping NPCs cost the same with the Lua kinds as with the Java ones: no Lua state per
 * NPC, one shared runtime. Measured as the heap in use after full collections, with a whole
 * default-sized world (2000 x 2000 map) running and nobody logged in, so every NPC sleeps.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SleepingNpcMemoryTest {
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private static long heapAfterGc() throws InterruptedException {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) { // the smallest of a few full collections: a GC may leave some garbage
            System.gc();
            Thread.sleep(100);
            least = Math.min(least, MEMORY.getHeapMemoryUsage().getUsed());
        }
        return least;
    }

    /** Heap in use while a world with 200,000 NPCs runs, less the heap before it started. */
    private static long worldHeap(String scripts) throws Exception {
        long before = heapAfterGc();
        try (GameServer server = GameServer.start(ServerFixture.config("java").width(2000).height(2000)
                .wallDensity(0.05).npcs(200_000).scripts(scripts))) {
            Thread.sleep(300); // a few rounds
            return heapAfterGc() - before;
        }
    }

    @Test
    void sleepingScriptedNpcsCostAtMostOnePointTwoTimesTheJavaOnes() throws Exception {
        worldHeap("off"); // warms up the classes both share, so neither run pays for loading them
        long java = worldHeap("off");
        long lua = worldHeap("builtin");
        System.err.printf("heap of a running world with 200,000 sleeping NPCs: Java kinds %.1f MB, Lua kinds %.1f MB%n",
                java / 1e6, lua / 1e6);
        assertTrue(java > 10_000_000, "the world was measured: " + java + " bytes");
        assertTrue(lua <= 1.2 * java, "Lua kinds " + lua + " bytes against Java kinds " + java + " bytes");
    }
}
