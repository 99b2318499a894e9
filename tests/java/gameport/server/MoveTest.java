package gameport.server;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import gameport.testing.TestClient.Packet;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Moves: the four directions, map edges, echoes with move_time unchanged and in order. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MoveTest {

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void everyMoveOnAOneTileMapIsRefusedButEchoedWithItsMoveTime(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1))) {
            TestClient c = f.login("solo");
            assertEquals(0, c.loginInfo().x());
            assertEquals(0, c.loginInfo().y());
            long[] times = {0, 1, 4000, 0x7FFFFFFFL, 0x80000000L, 0xDEADBEEFL, 0xFFFFFFFFL};
            for (int dir = 0; dir < 4; dir++) {
                for (long t : times) {
                    c.move(dir, t);
                    Packet echo = c.awaitPacket(SC_MOVE_OBJECT);
                    assertEquals(c.id(), echo.id(), "echo is about the mover");
                    assertEquals(t, echo.moveTime(), "move_time comes back unchanged (u32)");
                    assertEquals(0, echo.x());
                    assertEquals(0, echo.y());
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void allFourDirectionsMoveOneTileAndEdgesRefuse(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(5).height(4))) {
            TestClient c = f.login("walker");
            c.walkTo(0, 0);
            assertPos(c.moveAndAwait(DIR_LEFT), 0, 0);   // edge x=0
            assertPos(c.moveAndAwait(DIR_UP), 0, 0);     // edge y=0
            assertPos(c.moveAndAwait(DIR_RIGHT), 1, 0);
            assertPos(c.moveAndAwait(DIR_DOWN), 1, 1);
            assertPos(c.moveAndAwait(DIR_LEFT), 0, 1);
            assertPos(c.moveAndAwait(DIR_UP), 0, 0);
            c.walkTo(4, 3);
            assertPos(c.moveAndAwait(DIR_RIGHT), 4, 3);  // edge x=W-1
            assertPos(c.moveAndAwait(DIR_DOWN), 4, 3);   // edge y=H-1
            assertPos(c.moveAndAwait(DIR_UP), 4, 2);
            assertPos(c.moveAndAwait(DIR_LEFT), 3, 2);
            c.walkTo(0, 3);
            assertPos(c.moveAndAwait(DIR_LEFT), 0, 3);
            assertPos(c.moveAndAwait(DIR_DOWN), 0, 3);
            c.walkTo(4, 0);
            assertPos(c.moveAndAwait(DIR_RIGHT), 4, 0);
            assertPos(c.moveAndAwait(DIR_UP), 4, 0);
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void pipelinedMovesAreEchoedInOrder(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(6).height(6))) {
            TestClient c = f.login("runner");
            Random rnd = new Random(7);
            List<Long> sent = new ArrayList<>();
            byte[][] batch = new byte[200][];
            for (int i = 0; i < batch.length; i++) {
                long t = TestClient.nextMoveTime();
                sent.add(t);
                batch[i] = TestClient.movePacket(rnd.nextInt(4), t);
            }
            c.sendRaw(TestClient.concat(batch));
            // The model checks each echo against the position it predicts (edges of a 6x6 map).
            for (long t : sent) {
                Packet echo = c.awaitPacket(SC_MOVE_OBJECT);
                assertEquals(t, echo.moveTime(), "echoes in the order of the moves");
            }
            assertEquals(0, c.pendingEchoes());
        }
    }

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void attackIsAcceptedAndTheSessionGoesOn(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(1).height(1))) {
            TestClient a = f.login("a");
            TestClient b = f.login("b");
            a.attack();
            a.attack();
            a.moveAndAwait(DIR_UP);
            b.moveAndAwait(DIR_UP);
            a.assertOpen();
            b.assertOpen();
            assertTrue(b.sees(a.id()));
        }
    }

    private static void assertPos(Packet echo, int x, int y) {
        assertEquals(x, echo.x(), "x of " + echo);
        assertEquals(y, echo.y(), "y of " + echo);
    }
}
