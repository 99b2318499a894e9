package gameport.bots;

import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.ServerFixture;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Ramp mode with --ramp-step (a fixed number a second) and --ramp-window-s (p99 over S seconds). */
class BotRampStepTest {

    @Test
    void aFixedStepAddsExactlyThatManyBotsASecondAndJudgesTheWindow() throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config("java").width(2000).height(2000))) {
            BotConfig c = new BotConfig();
            c.port = f.port;
            c.clients = 1000;
            c.rampUntilMs = 5000; // far above anything a few dozen bots see: never crossed
            c.rampStart = 20;
            c.rampStep = 7;
            c.rampWindowS = 2;
            c.moveIntervalMs = 100;
            c.warmupS = 1;
            c.durationS = 4;
            c.connectRate = 2000;
            SwarmRun r = SwarmRun.of(c);
            BotSummary s = r.summary();
            String out = r.out();

            List<Integer> targets = new ArrayList<>();
            Matcher m = Pattern.compile("^t=\\d+s target=(\\d+) sustained=\\d+ .* p99\\(2s\\)=[0-9.]+ms",
                    Pattern.MULTILINE).matcher(out);
            while (m.find()) {
                targets.add(Integer.parseInt(m.group(1)));
            }
            assertEquals(5, targets.size(), out);
            assertEquals(20, targets.get(0), out); // the warm-up second holds the start
            for (int i = 1; i < targets.size(); i++) {
                int step = targets.get(i) - targets.get(i - 1);
                // 7 a second once every bot is in; 0 while the last ones still log in.
                assertTrue(step == 7 || step == 0, "step " + step + " in " + targets + "\n" + out);
            }
            assertTrue(targets.get(targets.size() - 1) >= 20 + 2 * 7, targets + "\n" + out);
            assertTrue(s.sustained >= 20, "sustained " + s.sustained + "\n" + out);
            assertEquals(0, s.errors, out);
        }
    }
}
