-- 0004: token lifecycle (PostgreSQL): token families, refresh tokens,
-- recorded and opaque access tokens, the jti deny-list, client-assertion
-- jtis, and the clients' JWK sets. Same conventions as 0001; keep the
-- SQLite twin in step.
--   * tokens are stored only as keyed hashes (HMAC-SHA-256, D5, R4), BYTEA;
--   * a family is one user grant: its refresh tokens, their successors and
--     the access tokens issued with them; revoking it revokes them all
--     (T2, D4). expires_at is kept at least as late as its tokens' expiry;
--   * a refresh token is consumed by a conditional UPDATE (used_at IS NULL
--     AND revoked_at IS NULL), so exactly one rotation wins (T2);
--   * access_tokens records every opaque token (hash set) and every JWT of
--     a family (hash NULL); revoked_jtis is the deny-list gateways poll by
--     revoked_at (D1);
--   * every table has an index on expires_at for the purge job (T3).

ALTER TABLE clients ADD COLUMN jwks TEXT;

CREATE TABLE token_families (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    client_id  TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    code_id    TEXT COLLATE "C",
    auth_time  BIGINT,
    amr        TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    revoked_at BIGINT
);

CREATE INDEX token_families_code ON token_families (code_id) WHERE code_id IS NOT NULL;
CREATE INDEX token_families_expiry ON token_families (expires_at);

CREATE TABLE refresh_tokens (
    hash       BYTEA   NOT NULL PRIMARY KEY,
    family_id  TEXT COLLATE "C" NOT NULL REFERENCES token_families (id),
    client_id  TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    scope      TEXT    NOT NULL,
    audience   TEXT    NOT NULL,
    issued_at  BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    used_at    BIGINT,
    revoked_at BIGINT
);

CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens (expires_at);

CREATE TABLE access_tokens (
    jti        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    hash       BYTEA   UNIQUE,
    family_id  TEXT COLLATE "C" REFERENCES token_families (id),
    client_id  TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    scope      TEXT    NOT NULL,
    audience   TEXT    NOT NULL,
    issued_at  BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    revoked_at BIGINT
);

CREATE INDEX access_tokens_family ON access_tokens (family_id) WHERE family_id IS NOT NULL;
CREATE INDEX access_tokens_expiry ON access_tokens (expires_at);

CREATE TABLE revoked_jtis (
    jti        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    expires_at BIGINT  NOT NULL,
    revoked_at BIGINT  NOT NULL
);

CREATE INDEX revoked_jtis_revoked ON revoked_jtis (revoked_at);
CREATE INDEX revoked_jtis_expiry ON revoked_jtis (expires_at);

CREATE TABLE client_assertions (
    client_id  TEXT COLLATE "C" NOT NULL,
    jti        TEXT COLLATE "C" NOT NULL,
    expires_at BIGINT  NOT NULL,
    PRIMARY KEY (client_id, jti)
);

CREATE INDEX client_assertions_expiry ON client_assertions (expires_at);
