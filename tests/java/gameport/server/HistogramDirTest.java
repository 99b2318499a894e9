package gameport.server;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.ServerFixture;
import gameport.testing.TestClient;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** --histogram-dir: per-stage interval logs and percentile files that account for real traffic. */
class HistogramDirTest {
    private static final String[] STAGES = {"ring-dwell", "game-handling", "request-to-send"};

    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("gameport.testing.Engines#all")
    void everyStageCountsTheTrafficAndIsWrittenAtShutdown(String engine) throws Exception {
        int moves = 200;
        try (ServerFixture f = ServerFixture.start(ServerFixture.config(engine).histogramDir(dir.toString()))) {
            TestClient c = f.login("histo");
            for (int i = 0; i < moves; i++) {
                long t = c.move(DIR_RIGHT);
                c.awaitPacket(SC_MOVE_OBJECT, p -> p.moveTime() == t);
            }
        }
        // Events: ACCEPTED + LOGIN + the moves (+ CLOSED, if it arrived before shutdown).
        long events = totalCount("ring-dwell");
        assertTrue(events >= moves + 2 && events <= moves + 3, "ring-dwell counted " + events);
        assertEquals(events, totalCount("game-handling"));
        // Each move was answered before the next was sent, so each answer is its own send.
        long sends = totalCount("request-to-send");
        assertTrue(sends >= moves + 1 && sends <= moves + 2, "request-to-send counted " + sends);
        String summary = Files.readString(dir.resolve("summary.txt"));
        for (String stage : STAGES) {
            String hgrm = Files.readString(dir.resolve(stage + ".hgrm"));
            assertTrue(hgrm.contains("#[Mean") && hgrm.contains("Total count"), stage + ".hgrm: " + hgrm);
            assertTrue(summary.contains("stage " + stage + " ("), summary);
        }
    }

    private long totalCount(String stage) throws IOException {
        long total = 0;
        try (FileInputStream in = new FileInputStream(dir.resolve(stage + ".hlog").toFile())) {
            HistogramLogReader reader = new HistogramLogReader(in);
            Histogram h;
            while ((h = (Histogram) reader.nextIntervalHistogram()) != null) {
                total += h.getTotalCount();
            }
        }
        return total;
    }
}
