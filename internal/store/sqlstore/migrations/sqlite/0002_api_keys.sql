-- 0002: API keys (SQLite). Same conventions as 0001; keep the PostgreSQL
-- twin in step.
--   * only the keyed hash of a key is stored (R4, D5), as a BLOB; its
--     UNIQUE index serves the gateway's lookup by hash;
--   * names are labels, not unique (a key is rotated by issuing a second
--     one under the same name, then revoking the first: R5);
--   * apis is a JSON array of API names;
--   * revoked_at is NULL while the key is active (D1).

CREATE TABLE api_keys (
    id         TEXT    NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    apis       TEXT    NOT NULL,
    hash       BLOB    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;

CREATE INDEX api_keys_by_name ON api_keys (name, created_at, id);
