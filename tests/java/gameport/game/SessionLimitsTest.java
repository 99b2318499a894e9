package gameport.game;

import static org.junit.jupiter.api.Assertions.*;

import gameport.game.SessionLimits.Verdict;
import org.junit.jupiter.api.Test;

/** The token buckets and the abuse rule of docs/PROTOCOL.md "Limits", on a simulated clock. */
class SessionLimitsTest {
    private static final long MS = 1_000_000L;
    private static final long T0 = 5_000_000_000L;

    @Test
    void aBurstPassesThenTheSustainedRate() {
        SessionLimits l = new SessionLimits(RateLimits.DEFAULTS, T0);
        for (int i = 0; i < 10; i++) {
            assertEquals(Verdict.PASS, l.take(RateLimits.Kind.CHAT, T0), "chat burst is 10: #" + i);
        }
        assertEquals(Verdict.DROP, l.take(RateLimits.Kind.CHAT, T0), "the 11th at once is over");
        assertEquals(Verdict.DROP, l.take(RateLimits.Kind.CHAT, T0 + 400 * MS), "2/s: nothing back after 400 ms");
        assertEquals(Verdict.PASS, l.take(RateLimits.Kind.CHAT, T0 + 500 * MS), "one token back after 500 ms");
        assertEquals(Verdict.DROP, l.take(RateLimits.Kind.CHAT, T0 + 600 * MS));
    }

    @Test
    void kindsHaveTheirOwnBuckets() {
        SessionLimits l = new SessionLimits(RateLimits.DEFAULTS, T0);
        for (int i = 0; i < 10; i++) {
            l.take(RateLimits.Kind.TELEPORT, T0);
        }
        assertEquals(Verdict.DROP, l.take(RateLimits.Kind.TELEPORT, T0));
        assertEquals(Verdict.PASS, l.take(RateLimits.Kind.MOVE, T0), "moves are not teleports");
        assertEquals(Verdict.PASS, l.take(RateLimits.Kind.ATTACK, T0));
    }

    @Test
    void aClientWithinTheSustainedRateIsNeverDropped() {
        SessionLimits l = new SessionLimits(RateLimits.DEFAULTS, T0);
        for (int i = 0; i < 10_000; i++) { // 20 moves a second for 500 s
            assertEquals(Verdict.PASS, l.take(RateLimits.Kind.MOVE, T0 + i * 50 * MS), "move " + i);
        }
    }

    @Test
    void sustainedAbuseForFiveSecondsIsAbuseButABurstIsNot() {
        SessionLimits l = new SessionLimits(RateLimits.DEFAULTS, T0);
        // 11 chats a second (over 5 x 2) for a little under 5 s: dropped, not yet abuse.
        long t = T0;
        for (int i = 0; i < 54; i++) {
            t = T0 + i * 1_000 * MS / 11;
            assertNotEquals(Verdict.ABUSE, l.take(RateLimits.Kind.CHAT, t), "chat " + i + " at " + (t - T0) / MS + " ms");
        }
        Verdict last = Verdict.PASS;
        for (int i = 54; i < 60 && last != Verdict.ABUSE; i++) {
            last = l.take(RateLimits.Kind.CHAT, T0 + i * 1_000 * MS / 11);
        }
        assertEquals(Verdict.ABUSE, last, "over 5x the sustained rate in five windows in a row");
    }

    @Test
    void aQuietSecondBreaksTheRun() {
        SessionLimits l = new SessionLimits(RateLimits.DEFAULTS, T0);
        for (int second = 0; second < 9; second++) { // four over-windows before the gap, four after
            if (second == 4) {
                continue; // nothing sent in this window
            }
            for (int i = 0; i < 11; i++) {
                long t = T0 + second * 1_000 * MS + i * 90 * MS;
                assertNotEquals(Verdict.ABUSE, l.take(RateLimits.Kind.CHAT, t), "second " + second + " chat " + i);
            }
        }
    }

    @Test
    void offPassesEverything() {
        SessionLimits l = new SessionLimits(RateLimits.OFF, T0);
        for (int i = 0; i < 100_000; i++) {
            assertEquals(Verdict.PASS, l.take(RateLimits.Kind.TELEPORT, T0));
        }
    }

    @Test
    void flagSyntax() {
        RateLimits r = RateLimits.parse("chat=20/4, move=200/40");
        assertEquals("move=200/40,chat=20/4,teleport=10/1,attack=10/5", r.toString());
        assertEquals("off", RateLimits.parse("OFF").toString());
        assertEquals(RateLimits.DEFAULTS.toString(), RateLimits.parse("on").toString());
        for (String bad : new String[] {"chat", "chat=1", "chat=0/1", "fly=1/1", "chat=a/b", "chat=1/2/3"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RateLimits.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("--rate-limits"), e.getMessage());
        }
    }
}
