package gameport.store;

import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.Databases;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The database worker's contract on a real database, with the game's side played by the test:
 * a failing database keeps saves queued (one waiting state per player, newer replacing older),
 * writes them in order once it is back, and a load sees a save that is still queued.
 */
class DbWorkerTest {
    @TempDir
    Path dir;

    private final LinkedBlockingQueue<ByteBuffer> answers = new LinkedBlockingQueue<>();
    private final AtomicBoolean down = new AtomicBoolean();

    private DbWorker worker(String url) throws Exception {
        PlayerStore store = PlayerStore.open(url, 2000);
        return new DbWorker(store, (session, payload, offset, length) -> {
            answers.add(ByteBuffer.wrap(payload, offset, length).slice().order(ByteOrder.nativeOrder()));
            return true;
        }, () -> {
            if (down.get()) {
                throw new IllegalStateException("the database is down (test)");
            }
        });
    }

    private static PlayerState state(String key, int x) {
        return new PlayerState(key, key, x, 7, 90, 2, 150, System.currentTimeMillis());
    }

    private ByteBuffer answer() throws InterruptedException {
        ByteBuffer b = answers.poll(10, TimeUnit.SECONDS);
        assertNotNull(b, "no answer from the worker");
        return b;
    }

    @ParameterizedTest
    @ValueSource(strings = {Databases.H2, Databases.POSTGRES})
    void savesWaitForADatabaseThatIsDownAndArriveInOrder(String db) throws Exception {
        String url = Databases.freshUrl(db, dir);
        down.set(true);
        try (DbWorker w = worker(url)) {
            SaveSlot checkpoints = new SaveSlot("walker");
            assertFalse(w.save(checkpoints, state("walker", 1), false), "the first state is queued");
            // While the database is down, newer checkpoints replace the one waiting.
            long replaced = 0;
            for (int x = 2; x <= 5; x++) {
                Thread.sleep(50);
                replaced += w.save(checkpoints, state("walker", x), false) ? 1 : 0;
            }
            assertTrue(replaced >= 1, "a checkpoint waiting is replaced by a newer one");
            // One stay ends (its last state), the next stay of the same name begins and changes.
            SaveSlot firstStay = new SaveSlot("comer");
            w.save(firstStay, state("comer", 10), true);
            SaveSlot secondStay = new SaveSlot("comer");
            w.save(secondStay, state("comer", 11), false);

            // A load of a name whose state is queued is answered from it, with the database down.
            w.load(1, 42, "comer");
            ByteBuffer a = answer();
            assertEquals(LoginResult.FOUND, LoginResult.status(a, 0));
            assertEquals(11, LoginResult.x(a, 0), "the newest state of the name, not the table's");
            // A name the worker knows nothing of needs the database: unavailable.
            w.load(2, 43, "stranger");
            assertEquals(LoginResult.UNAVAILABLE, LoginResult.status(answer(), 0));
            assertTrue(w.failing());

            down.set(false);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (w.statesWritten() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        }
        Map<String, List<Object>> rows = Databases.rows(url);
        assertEquals(5, rows.get("walker").get(1), "the newest checkpoint is what is stored: " + rows);
        assertEquals(11, rows.get("comer").get(1), "the later stay is written after the earlier one: " + rows);
    }

    @ParameterizedTest
    @ValueSource(strings = {Databases.H2, Databases.POSTGRES})
    void aStoredPlayerLoadsWithItsStatsAndANewNameIsNew(String db) throws Exception {
        String url = Databases.freshUrl(db, dir);
        try (DbWorker w = worker(url)) {
            SaveSlot s = new SaveSlot("keeper");
            w.save(s, new PlayerState("keeper", "Keeper", 33, 44, 77, 3, 320, System.currentTimeMillis()), true);
        }
        try (DbWorker w = worker(url)) { // a new worker: only the table knows
            w.load(7, 1, "keeper");
            w.load(8, 2, "newbie");
            for (int i = 0; i < 2; i++) {
                ByteBuffer a = answer();
                if (LoginResult.requestId(a, 0) == 7) {
                    assertEquals(LoginResult.FOUND, LoginResult.status(a, 0));
                    assertEquals(List.of(33, 44, 77, 3, 320L), List.of(LoginResult.x(a, 0), LoginResult.y(a, 0),
                            LoginResult.hp(a, 0), LoginResult.level(a, 0), LoginResult.exp(a, 0)));
                } else {
                    assertEquals(8, LoginResult.requestId(a, 0));
                    assertEquals(LoginResult.NEW, LoginResult.status(a, 0));
                }
            }
        }
    }
}
