-- 0001: OAuth clients and signing keys (PostgreSQL).
-- Conventions for every migration (keep the SQLite twin in step):
--   * ids are TEXT primary keys holding caller-chosen random UUIDs (R16);
--   * times are BIGINT UTC Unix nanoseconds, NULL when not set;
--   * string lists are JSON arrays in TEXT;
--   * hashes and key material are BYTEA (R4, D5);
--   * text keys use COLLATE "C" so ordering and uniqueness are by byte, as
--     in SQLite.

CREATE TABLE clients (
    id                  TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name                TEXT COLLATE "C" NOT NULL UNIQUE,
    auth_method         TEXT    NOT NULL,
    grant_types         TEXT    NOT NULL,
    scopes              TEXT    NOT NULL,
    redirect_uris       TEXT    NOT NULL,
    apis                TEXT    NOT NULL,
    token_format        TEXT    NOT NULL,
    secret_hash         BYTEA,
    prev_secret_hash    BYTEA,
    prev_secret_expires BIGINT,
    created_at          BIGINT  NOT NULL,
    updated_at          BIGINT
);

CREATE TABLE signing_keys (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    algorithm   TEXT    NOT NULL,
    public_der  BYTEA   NOT NULL,
    sealed_priv BYTEA   NOT NULL,
    created_at  BIGINT  NOT NULL,
    retired_at  BIGINT
);

CREATE INDEX signing_keys_newest ON signing_keys (created_at DESC, id DESC);

-- At most one key signs (keys.Store): InsertSigningKey retires the others in
-- the same transaction; this index is the last line of defence.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys ((retired_at IS NULL)) WHERE retired_at IS NULL;
