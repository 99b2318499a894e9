package gameport.server;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** One readable line per log record on stderr: time, level, logger, message. */
public final class LogSetup {
    /** Held here: JUL keeps loggers weakly, and a collected one would forget its level. */
    private static final Logger HIKARI = Logger.getLogger("com.zaxxer.hikari");
    /** Flyway's step-by-step lines too: PlayerStore logs the one that matters (the schema's version). */
    private static final Logger FLYWAY = Logger.getLogger("org.flywaydb");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private LogSetup() {
    }

    public static void init(Level level) {
        Logger root = Logger.getLogger("");
        for (var h : root.getHandlers()) {
            root.removeHandler(h);
        }
        ConsoleHandler handler = new ConsoleHandler();
        handler.setLevel(level);
        handler.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord r) {
                StringBuilder sb = new StringBuilder(128)
                        .append(LocalDateTime.now().format(TIME)).append(' ')
                        .append(String.format("%-5s", r.getLevel() == Level.WARNING ? "WARN" : r.getLevel().getName()))
                        .append(' ').append(r.getLoggerName()).append(": ").append(formatMessage(r)).append('\n');
                if (r.getThrown() != null) {
                    StringWriter w = new StringWriter();
                    r.getThrown().printStackTrace(new PrintWriter(w));
                    sb.append(w);
                }
                return sb.toString();
            }
        });
        root.addHandler(handler);
        root.setLevel(level);
        // HikariCP's pool start and stop lines say nothing a server operator needs; its warnings stay.
        Level quiet = level.intValue() > Level.WARNING.intValue() ? level : Level.WARNING;
        HIKARI.setLevel(quiet);
        FLYWAY.setLevel(quiet);
    }
}
