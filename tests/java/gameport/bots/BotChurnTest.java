package gameport.bots;

import static gameport.protocol.Protocol.*;
import static org.junit.jupiter.api.Assertions.*;

import gameport.testing.ServerFixture;
import org.junit.jupiter.api.Test;

/** --churn-pct and --interval-s against the real server (Java engine: the bots' side is under test). */
class BotChurnTest {

    @Test
    void churnedBotsLeaveCleanlyAndNewOnesLogIn() throws Exception {
        try (ServerFixture f = ServerFixture.start(ServerFixture.config("java").width(200).height(200).npcs(100))) {
            BotConfig c = new BotConfig();
            c.port = f.port;
            c.clients = 60;
            c.moveIntervalMs = 100;
            c.warmupS = 0;
            c.durationS = 4;
            c.teleport = true;
            c.churnPct = 100; // 60 a minute: one a second
            c.intervalS = 2;
            SwarmRun r = SwarmRun.of(c);
            BotSummary s = r.summary();
            String out = r.out();
            assertEquals(0, s.errors, out);
            assertTrue(s.churned >= 2 && s.churned <= 4, "churned " + s.churned + "\n" + out);
            // A leaving bot waits for its echoes: churn loses no move.
            assertEquals(0, s.lost(), out);
            assertEquals(s.movesSent, s.echoes, out);
            // Every replacement logs in (the last one may still be connecting when the run ends).
            assertTrue(s.packetsByType[SC_LOGIN_INFO] >= 60 + s.churned - 1,
                    "logins " + s.packetsByType[SC_LOGIN_INFO] + "\n" + out);
            // Every login is timed, the replacements' too.
            assertEquals(s.packetsByType[SC_LOGIN_INFO], s.login.getTotalCount(), out);
            assertTrue(s.login.getValueAtPercentile(99) > 0, out);
            assertTrue(out.contains(" churned="), out);
            assertTrue(out.contains("interval t=2s seconds=2 ") && out.contains("interval t=4s seconds=2 "), out);
            // The intervals' logins add up to the run's, but for any replacement answered after the last line.
            long spans = 0;
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^interval .* logins=(\\d+) ",
                    java.util.regex.Pattern.MULTILINE).matcher(out);
            while (m.find()) {
                spans += Long.parseLong(m.group(1));
            }
            assertTrue(spans >= 60 && spans <= s.login.getTotalCount(), "interval logins " + spans + "\n" + out);
            assertTrue(s.toJson().contains("\"churned\":" + s.churned), s.toJson());
        }
    }
}
