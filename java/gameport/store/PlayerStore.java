package gameport.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * The {@code players} table over JDBC: H2 (embedded, the default) or PostgreSQL, one schema for
 * both, created and upgraded by Flyway's versioned migrations (resources/db/migration), through
 * a HikariCP pool. Blocking calls: only the database worker ({@link DbWorker}) uses it, never
 * the game thread.
 */
public final class PlayerStore implements AutoCloseable {
    /** Keys per SELECT: one round trip answers a whole burst of logins. */
    static final int LOAD_BATCH = 64;

    private final HikariDataSource pool;
    private final String upsertSql;
    private final String description;

    private PlayerStore(HikariDataSource pool, String upsertSql, String description) {
        this.pool = pool;
        this.upsertSql = upsertSql;
        this.description = description;
    }

    /**
     * Connects to {@code url}, brings the schema up to date and returns the store.
     *
     * @param connectTimeoutMs how long a call waits for a connection before it fails; the worker
     *        then retries, so a database that is down fails calls quickly instead of hanging them
     * @throws SQLException if the database cannot be reached or migrated (the server does not start)
     */
    public static PlayerStore open(String url, long connectTimeoutMs) throws SQLException {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(url);
        c.setPoolName("gameport-db");
        // One worker uses one connection; the second serves Flyway and a reconnect in flight.
        c.setMaximumPoolSize(2);
        c.setMinimumIdle(1);
        c.setConnectionTimeout(Math.max(250, connectTimeoutMs));
        c.setValidationTimeout(Math.max(250, Math.min(connectTimeoutMs, 5000)));
        // Fail at once if the database is not there at start, with the driver's own reason.
        c.setInitializationFailTimeout(1);
        c.setAutoCommit(false);
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(c);
        } catch (RuntimeException e) {
            throw new SQLException(rootMessage(e), e);
        }
        try {
            MigrateResult migrated = Flyway.configure().dataSource(pool).locations("classpath:db/migration").load()
                    .migrate();
            String schema = "schema v" + (migrated.targetSchemaVersion != null ? migrated.targetSchemaVersion
                    : migrated.initialSchemaVersion) + (migrated.migrationsExecuted > 0
                    ? ", " + migrated.migrationsExecuted + " migrations applied now" : "");
            try (Connection conn = pool.getConnection()) {
                String product = conn.getMetaData().getDatabaseProductName();
                String version = conn.getMetaData().getDatabaseProductVersion();
                boolean postgres = product.toLowerCase(java.util.Locale.ROOT).contains("postgres");
                return new PlayerStore(pool, postgres ? POSTGRES_UPSERT : STANDARD_MERGE,
                        product + " " + version + ", " + schema);
            }
        } catch (RuntimeException | SQLException e) {
            pool.close();
            throw e instanceof SQLException s ? s : new SQLException(rootMessage(e), e);
        }
    }

    /** PostgreSQL: created_at is written once, by the first insert. */
    private static final String POSTGRES_UPSERT = "INSERT INTO players (name_key, name, x, y, hp, level, exp, "
            + "created_at, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name_key) DO UPDATE SET "
            + "name = EXCLUDED.name, x = EXCLUDED.x, y = EXCLUDED.y, hp = EXCLUDED.hp, level = EXCLUDED.level, "
            + "exp = EXCLUDED.exp, last_seen = EXCLUDED.last_seen";

    /** H2: the SQL standard's MERGE, with the same effect as the PostgreSQL upsert. */
    private static final String STANDARD_MERGE = "MERGE INTO players t USING (VALUES (CAST(? AS VARCHAR(200)), "
            + "CAST(? AS VARCHAR(100)), CAST(? AS INTEGER), CAST(? AS INTEGER), CAST(? AS INTEGER), "
            + "CAST(? AS INTEGER), CAST(? AS BIGINT), CAST(? AS TIMESTAMP WITH TIME ZONE), "
            + "CAST(? AS TIMESTAMP WITH TIME ZONE))) AS s(name_key, name, x, y, hp, level, exp, created_at, last_seen) "
            + "ON t.name_key = s.name_key "
            + "WHEN MATCHED THEN UPDATE SET name = s.name, x = s.x, y = s.y, hp = s.hp, level = s.level, "
            + "exp = s.exp, last_seen = s.last_seen "
            + "WHEN NOT MATCHED THEN INSERT (name_key, name, x, y, hp, level, exp, created_at, last_seen) "
            + "VALUES (s.name_key, s.name, s.x, s.y, s.hp, s.level, s.exp, s.created_at, s.last_seen)";

    /** "H2 2.5.252 (2025-...)" or "PostgreSQL 15.18": for the start-up log line. */
    public String description() {
        return description;
    }

    /** The stored players among {@code keys} (at most {@link #LOAD_BATCH}), by key; absent = new. */
    Map<String, PlayerState> load(List<String> keys) throws SQLException {
        Map<String, PlayerState> found = new HashMap<>();
        if (keys.isEmpty()) {
            return found;
        }
        StringBuilder sql = new StringBuilder("SELECT name_key, name, x, y, hp, level, exp, last_seen FROM players "
                + "WHERE name_key IN (");
        for (int i = 0; i < keys.size(); i++) {
            sql.append(i == 0 ? "?" : ", ?");
        }
        sql.append(')');
        try (Connection c = pool.getConnection(); PreparedStatement st = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < keys.size(); i++) {
                st.setString(i + 1, keys.get(i));
            }
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    PlayerState p = new PlayerState(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getInt(4),
                            rs.getInt(5), rs.getInt(6), rs.getLong(7), rs.getTimestamp(8).getTime());
                    found.put(p.nameKey(), p);
                }
            }
            c.commit();
        }
        return found;
    }

    private static final String UPDATE = "UPDATE players SET name = ?, x = ?, y = ?, hp = ?, level = ?, exp = ?, "
            + "last_seen = ? WHERE name_key = ?";

    /**
     * Writes {@code states} in one transaction, all or nothing, each key's states in list order
     * (a key may appear more than once: the later state wins, as it did in the game). A key in
     * {@code stored} (its row exists) is a plain UPDATE, about half the work of an upsert on H2;
     * the others are upserts, and their keys are added to {@code stored} once committed.
     */
    void save(List<PlayerState> states, Set<String> stored) throws SQLException {
        if (states.isEmpty()) {
            return;
        }
        List<PlayerState> updates = new ArrayList<>();
        List<PlayerState> upserts = new ArrayList<>();
        Set<String> inserting = new HashSet<>();
        for (PlayerState p : states) {
            if (stored.contains(p.nameKey())) {
                updates.add(p);
            } else {
                inserting.add(p.nameKey()); // every state of this key goes the same way, in order
            }
        }
        for (PlayerState p : states) {
            if (inserting.contains(p.nameKey())) {
                upserts.add(p);
            }
        }
        try (Connection c = pool.getConnection()) {
            try {
                if (!updates.isEmpty()) {
                    try (PreparedStatement st = c.prepareStatement(UPDATE)) {
                        for (PlayerState p : updates) {
                            st.setString(1, p.name());
                            st.setInt(2, p.x());
                            st.setInt(3, p.y());
                            st.setInt(4, p.hp());
                            st.setInt(5, p.level());
                            st.setLong(6, p.exp());
                            st.setTimestamp(7, new Timestamp(p.lastSeenMillis()));
                            st.setString(8, p.nameKey());
                            st.addBatch();
                        }
                        int[] counts = st.executeBatch();
                        for (int i = 0; i < counts.length; i++) {
                            if (counts[i] == 0) { // the row went away (deleted by hand): insert it again
                                upserts.add(updates.get(i));
                            }
                        }
                    }
                }
                if (!upserts.isEmpty()) {
                    try (PreparedStatement st = c.prepareStatement(upsertSql)) {
                        for (PlayerState p : upserts) {
                            Timestamp seen = new Timestamp(p.lastSeenMillis());
                            st.setString(1, p.nameKey());
                            st.setString(2, p.name());
                            st.setInt(3, p.x());
                            st.setInt(4, p.y());
                            st.setInt(5, p.hp());
                            st.setInt(6, p.level());
                            st.setLong(7, p.exp());
                            st.setTimestamp(8, seen); // created_at: used by the insert only
                            st.setTimestamp(9, seen);
                            st.addBatch();
                        }
                        st.executeBatch();
                    }
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            }
        }
        for (PlayerState p : upserts) {
            stored.add(p.nameKey());
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // The connection is broken: the pool drops it; the original failure is what counts.
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m != null ? m : t.toString();
    }

    @Override
    public void close() {
        pool.close();
    }
}
