package gameport.testing;

import static org.junit.jupiter.api.Assertions.fail;

import gameport.engine.NativeLibrary;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The databases the persistence tests run on: the embedded H2 (always), and a real PostgreSQL
 * server when {@value #POSTGRES_ENV} names one (.ci/run starts one and sets it). Without it the
 * PostgreSQL cases are skipped with one line saying how to run them; under CI (CI=true) they fail.
 */
public final class Databases {
    public static final String POSTGRES_ENV = "GAMEPORT_TEST_POSTGRES_URL";
    public static final String H2 = "h2";
    public static final String POSTGRES = "postgres";
    private static final AtomicInteger SCHEMAS = new AtomicInteger();

    private Databases() {
    }

    /** {@code @MethodSource("gameport.testing.Databases#enginesAndDatabases")}: (engine, database). */
    public static Stream<Arguments> enginesAndDatabases() {
        List<Arguments> out = new ArrayList<>();
        for (String db : List.of(H2, POSTGRES)) {
            for (String engine : engines()) {
                out.add(Arguments.of(engine, db));
            }
        }
        return out.stream();
    }

    /** The two engines, java and native (when this machine runs it). */
    public static List<String> engines() {
        return NativeLibrary.isAvailable() ? List.of("java", "native") : List.of("java");
    }

    /**
     * A fresh, empty database of kind {@code db} for one test: an H2 file under {@code dir}, or a
     * new schema in the PostgreSQL database of {@value #POSTGRES_ENV}.
     */
    public static String freshUrl(String db, Path dir) throws SQLException {
        if (db.equals(H2)) {
            return "jdbc:h2:file:" + dir.resolve("players").toAbsolutePath();
        }
        String base = System.getenv(POSTGRES_ENV);
        if (base == null || base.isEmpty()) {
            if ("true".equals(System.getenv("CI"))) {
                fail(POSTGRES_ENV + " is not set under CI: .ci/run should have started PostgreSQL");
            }
            Assumptions.abort("PostgreSQL tests skipped: set " + POSTGRES_ENV
                    + "=jdbc:postgresql://localhost:5432/DB?user=U&password=P to run them (.ci/run starts one)");
        }
        String schema = "gp_test_" + ProcessHandle.current().pid() + "_" + SCHEMAS.incrementAndGet() + "_"
                + Long.toString(System.nanoTime() & 0xFFFFFF, 36);
        try (Connection c = DriverManager.getConnection(base); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
        }
        return base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    /** The stored rows by name key: {name, x, y, hp, level, exp} (the server's URL, read directly). */
    public static Map<String, List<Object>> rows(String url) throws SQLException {
        Map<String, List<Object>> out = new HashMap<>();
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement st = c.prepareStatement("SELECT name_key, name, x, y, hp, level, exp FROM players");
             ResultSet rs = st.executeQuery()) {
            while (rs.next()) {
                out.put(rs.getString(1), List.of(rs.getString(2), rs.getInt(3), rs.getInt(4), rs.getInt(5),
                        rs.getInt(6), rs.getLong(7)));
            }
        }
        return out;
    }
}
