package gameport.server;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import gameport.testing.Views;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** 500 concurrent clients log in, move and log out; every echo arrives and every packet is checked. */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LoadTest {
    private static final int CLIENTS = 500;
    private static final int THREADS = 4;
    private static final int ROUNDS = 5;

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void fiveHundredClientsLogInMoveAndLeave(String engine) throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(2000).height(2000)
                .viewRange(7))) {
            long start = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<List<Integer>>> parts = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int part = t;
                    parts.add(pool.submit(() -> drive(f, part)));
                }
                Set<Integer> ids = new HashSet<>();
                for (Future<List<Integer>> p : parts) {
                    for (int id : p.get(80, TimeUnit.SECONDS)) {
                        assertTrue(ids.add(id), "duplicate player id " + id);
                    }
                }
                assertEquals(CLIENTS, ids.size());
            } finally {
                pool.shutdownNow();
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < 30_000, "500 clients took " + ms + " ms");
            // The server is still fine afterwards.
            TestClient late = f.login("late");
            late.moveAndAwait(DIR_UP);
        }
    }

    /** 500 clients in a small world: moves and teleports keep views changing; every packet checked, then the picture. */
    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void fiveHundredClientsInADenseWorld(String engine) throws Exception {
        int r = 3;
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).width(120).height(120).viewRange(r))) {
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            List<TestClient> all = new ArrayList<>();
            try {
                List<Future<List<TestClient>>> parts = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int part = t;
                    parts.add(pool.submit(() -> wander(f, part)));
                }
                for (Future<List<TestClient>> p : parts) {
                    all.addAll(p.get(80, TimeUnit.SECONDS));
                }
            } finally {
                pool.shutdownNow();
            }
            Views.assertConsistent(r, all.toArray(new TestClient[0]));
        }
    }

    private static List<TestClient> wander(ServerFixture f, int part) {
        List<TestClient> mine = new ArrayList<>();
        for (int i = part; i < CLIENTS; i += THREADS) {
            mine.add(f.connect("dense" + i));
        }
        for (TestClient c : mine) {
            c.dontKeep(SC_ADD_OBJECT, SC_REMOVE_OBJECT, SC_MOVE_OBJECT).login(c.label());
        }
        for (TestClient c : mine) {
            if (c.awaitLoginAnswer().type() != SC_LOGIN_INFO) {
                throw c.failure("login failed");
            }
        }
        for (int round = 0; round < ROUNDS; round++) {
            for (int i = 0; i < mine.size(); i++) {
                TestClient c = mine.get(i);
                if ((i + round) % 5 == 0) {
                    c.teleport();
                }
                c.move((round + i) % 4);
            }
            for (TestClient c : mine) {
                while (c.pendingEchoes() > 0) {
                    c.awaitPacket(SC_MOVE_OBJECT, p -> p.id() == c.id());
                }
            }
        }
        return mine;
    }

    /** One thread's share: connect, log in, ROUNDS of one pipelined move each, all echoes, logout. */
    private static List<Integer> drive(ServerFixture f, int part) {
        List<TestClient> mine = new ArrayList<>();
        for (int i = part; i < CLIENTS; i += THREADS) {
            mine.add(f.connect("load" + i));
        }
        for (TestClient c : mine) {
            c.login(c.label());
        }
        List<Integer> ids = new ArrayList<>();
        for (TestClient c : mine) {
            TestClient.Packet p = c.awaitLoginAnswer();
            if (p.type() != SC_LOGIN_INFO) {
                throw c.failure("login failed: " + p);
            }
            ids.add(p.id());
        }
        long[] last = new long[mine.size()];
        for (int round = 0; round < ROUNDS; round++) {
            for (int i = 0; i < mine.size(); i++) {
                TestClient c = mine.get(i);
                c.move((round + i) % 4);
                last[i] = c.move((round + i + 1) % 4);
            }
            for (int i = 0; i < mine.size(); i++) {
                TestClient c = mine.get(i);
                c.awaitEcho(last[i]);   // the model checks the first echo on the way
                if (c.pendingEchoes() != 0) {
                    throw c.failure("echoes missing");
                }
                c.clearBacklog();
            }
        }
        for (TestClient c : mine) {
            c.logout();
        }
        for (TestClient c : mine) {
            c.awaitClosed(TestClient.TIMEOUT);
        }
        return ids;
    }
}
