-- One row per player, keyed by the case-folded name (NamePolicy.key): "Alice" and "alice" are
-- one player. The same statement runs on H2 (the embedded default) and on PostgreSQL.
CREATE TABLE players (
    name_key   VARCHAR(200) NOT NULL PRIMARY KEY,
    name       VARCHAR(100) NOT NULL,
    x          INTEGER      NOT NULL,
    y          INTEGER      NOT NULL,
    hp         INTEGER      NOT NULL,
    level      INTEGER      NOT NULL,
    exp        BIGINT       NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    last_seen  TIMESTAMP WITH TIME ZONE NOT NULL
);
