package gameport.bots;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** A swarm run for the tests: its summary and everything it printed. */
record SwarmRun(BotSummary summary, String out) {
    static SwarmRun of(BotConfig config) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        BotSummary s = new BotSwarm(config, new PrintStream(log, true, StandardCharsets.UTF_8)).run();
        return new SwarmRun(s, log.toString(StandardCharsets.UTF_8));
    }
}
