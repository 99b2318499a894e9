package gameport.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** Collects the server's java.util.logging lines (root logger) while open. */
public final class LogCapture extends Handler implements AutoCloseable {
    private final List<String> lines = new ArrayList<>();
    private final SimpleFormatter formatter = new SimpleFormatter();
    private final Logger root = Logger.getLogger("");

    public LogCapture() {
        setLevel(Level.ALL);
        root.addHandler(this);
    }

    @Override
    public void publish(LogRecord r) {
        String line = r.getLevel() + " " + r.getLoggerName() + ": " + formatter.formatMessage(r);
        synchronized (lines) {
            lines.add(line);
        }
    }

    public List<String> lines() {
        synchronized (lines) {
            return new ArrayList<>(lines);
        }
    }

    /** Waits up to 10 s for a line containing {@code text}, and returns it. */
    public String awaitLine(String text) {
        return awaitLine(this::lines, text);
    }

    /** Waits up to 10 s for one of {@code lines} (read again until then) to contain {@code text}; returns it. */
    public static String awaitLine(Supplier<List<String>> lines, String text) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            for (String l : lines.get()) {
                if (l.contains(text)) {
                    return l;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no log line containing '" + text + "' in " + lines.get());
            }
            TestClient.sleep(10);
        }
    }

    /** The lines naming this client's address as the server sees it (127.0.0.1:its local port). */
    public List<String> linesAbout(TestClient c) {
        String peer = "127.0.0.1:" + c.socket().getLocalPort();
        List<String> out = new ArrayList<>();
        for (String l : lines()) {
            if (l.contains(peer)) {
                out.add(l);
            }
        }
        return out;
    }

    /** Waits up to 3 s for a line about {@code c} that contains {@code text}, and returns it. */
    public String awaitLineAbout(TestClient c, String text) {
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (true) {
            for (String l : linesAbout(c)) {
                if (l.contains(text)) {
                    return l;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no log line about " + c.label() + " (peer 127.0.0.1:"
                        + c.socket().getLocalPort() + ") containing '" + text + "'; lines about it: " + linesAbout(c));
            }
            TestClient.sleep(10);
        }
    }

    /**
     * PROTOCOL.md: a protocol error is logged as one line with the session id, peer address and
     * reason. Waits (the line may come just after the close) and checks there is exactly one.
     */
    public void assertOneProtocolErrorLine(TestClient offender) {
        long deadline = System.nanoTime() + 3_000_000_000L;
        List<String> hits;
        while (true) {
            hits = new ArrayList<>();
            for (String l : linesAbout(offender)) {
                if (l.toLowerCase(Locale.ROOT).contains("protocol")) {
                    hits.add(l);
                }
            }
            if (!hits.isEmpty() || System.nanoTime() > deadline) {
                break;
            }
            TestClient.sleep(10);
        }
        TestClient.sleep(20); // a duplicate would come right after
        hits.clear();
        for (String l : linesAbout(offender)) {
            if (l.toLowerCase(Locale.ROOT).contains("protocol")) {
                hits.add(l);
            }
        }
        if (hits.size() != 1) {
            throw new AssertionError("expected one log line about the protocol error of " + offender.label()
                    + " (peer 127.0.0.1:" + offender.socket().getLocalPort() + "), got " + hits + "; lines about it: "
                    + linesAbout(offender));
        }
        String line = hits.get(0);
        if (!line.toLowerCase(Locale.ROOT).matches(".*session\\D{0,3}\\d+.*")) {
            throw new AssertionError("protocol error log line must name the session id: " + line);
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        root.removeHandler(this);
    }
}
