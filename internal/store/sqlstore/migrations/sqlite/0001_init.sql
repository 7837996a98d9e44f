-- 0001: OAuth clients and signing keys (SQLite).
-- Conventions for every migration (keep the PostgreSQL twin in step):
--   * ids are TEXT primary keys holding caller-chosen random UUIDs (R16);
--   * times are INTEGER UTC Unix nanoseconds, NULL when not set;
--   * string lists are JSON arrays in TEXT;
--   * hashes and key material are BLOB, never TEXT (R4, D5);
--   * tables are STRICT so a value of the wrong type is an error.

CREATE TABLE clients (
    id                  TEXT    NOT NULL PRIMARY KEY,
    name                TEXT    NOT NULL UNIQUE,
    auth_method         TEXT    NOT NULL,
    grant_types         TEXT    NOT NULL,
    scopes              TEXT    NOT NULL,
    redirect_uris       TEXT    NOT NULL,
    apis                TEXT    NOT NULL,
    token_format        TEXT    NOT NULL,
    secret_hash         BLOB,
    prev_secret_hash    BLOB,
    prev_secret_expires INTEGER,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER
) STRICT;

CREATE TABLE signing_keys (
    id          TEXT    NOT NULL PRIMARY KEY,
    algorithm   TEXT    NOT NULL,
    public_der  BLOB    NOT NULL,
    sealed_priv BLOB    NOT NULL,
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER
) STRICT;

CREATE INDEX signing_keys_newest ON signing_keys (created_at DESC, id DESC);

-- At most one key signs (keys.Store): InsertSigningKey retires the others in
-- the same transaction; this index is the last line of defence.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys ((retired_at IS NULL)) WHERE retired_at IS NULL;
