-- 0005: the browser flow (SQLite): authorization codes, login sessions,
-- consents, and the clients' require_mfa flag. Same conventions as 0001;
-- keep the PostgreSQL twin in step.
--   * codes and session ids are stored only as keyed hashes (HMAC-SHA-256,
--     D5, R4), BLOB;
--   * a code is redeemed by a conditional UPDATE (used_at IS NULL), so
--     exactly one redemption wins (D4); a used code stays until keep_until
--     so that a late reuse still revokes its tokens;
--   * consents are one row per user and client: the scopes the user
--     allowed, as a JSON list;
--   * booleans are 0 or 1;
--   * every table the purge job deletes from has an index on its expiry
--     (T3).

ALTER TABLE clients ADD COLUMN require_mfa INTEGER NOT NULL DEFAULT 0 CHECK (require_mfa IN (0, 1));

CREATE TABLE authorization_codes (
    id           TEXT    NOT NULL PRIMARY KEY,
    hash         BLOB    NOT NULL UNIQUE,
    client_id    TEXT    NOT NULL,
    redirect_uri TEXT    NOT NULL,
    challenge    TEXT    NOT NULL,
    nonce        TEXT    NOT NULL,
    scope        TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    auth_time    INTEGER NOT NULL,
    amr          TEXT    NOT NULL,
    acr          TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    keep_until   INTEGER NOT NULL,
    used_at      INTEGER
) STRICT;

CREATE INDEX authorization_codes_keep ON authorization_codes (keep_until);

CREATE TABLE login_sessions (
    hash        BLOB    NOT NULL PRIMARY KEY,
    user_id     TEXT    NOT NULL,
    auth_time   INTEGER NOT NULL,
    amr         TEXT    NOT NULL,
    acr         TEXT    NOT NULL,
    mfa_pending INTEGER NOT NULL DEFAULT 0 CHECK (mfa_pending IN (0, 1)),
    created_at  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX login_sessions_expiry ON login_sessions (expires_at);

CREATE TABLE consents (
    user_id    TEXT    NOT NULL,
    client_id  TEXT    NOT NULL,
    scopes     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, client_id)
) STRICT;

CREATE INDEX consents_client ON consents (client_id);
