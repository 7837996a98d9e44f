-- 0005: the browser flow (PostgreSQL): authorization codes, login sessions,
-- consents, and the clients' require_mfa flag. Same conventions as 0001;
-- keep the SQLite twin in step.
--   * codes and session ids are stored only as keyed hashes (HMAC-SHA-256,
--     D5, R4), BYTEA;
--   * a code is redeemed by a conditional UPDATE (used_at IS NULL), so
--     exactly one redemption wins (D4); a used code stays until keep_until
--     so that a late reuse still revokes its tokens;
--   * consents are one row per user and client: the scopes the user
--     allowed, as a JSON list;
--   * every table the purge job deletes from has an index on its expiry
--     (T3).

ALTER TABLE clients ADD COLUMN require_mfa BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE authorization_codes (
    id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    hash         BYTEA   NOT NULL UNIQUE,
    client_id    TEXT COLLATE "C" NOT NULL,
    redirect_uri TEXT    NOT NULL,
    challenge    TEXT    NOT NULL,
    nonce        TEXT    NOT NULL,
    scope        TEXT    NOT NULL,
    subject      TEXT COLLATE "C" NOT NULL,
    auth_time    BIGINT  NOT NULL,
    amr          TEXT    NOT NULL,
    acr          TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    keep_until   BIGINT  NOT NULL,
    used_at      BIGINT
);

CREATE INDEX authorization_codes_keep ON authorization_codes (keep_until);

CREATE TABLE login_sessions (
    hash        BYTEA   NOT NULL PRIMARY KEY,
    user_id     TEXT COLLATE "C" NOT NULL,
    auth_time   BIGINT  NOT NULL,
    amr         TEXT    NOT NULL,
    acr         TEXT    NOT NULL,
    mfa_pending BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT  NOT NULL,
    last_seen   BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL
);

CREATE INDEX login_sessions_expiry ON login_sessions (expires_at);

CREATE TABLE consents (
    user_id    TEXT COLLATE "C" NOT NULL,
    client_id  TEXT COLLATE "C" NOT NULL,
    scopes     TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

CREATE INDEX consents_client ON consents (client_id);
