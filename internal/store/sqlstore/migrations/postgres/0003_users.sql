-- 0003: the built-in user directory (PostgreSQL). Same conventions as
-- 0001; keep the SQLite twin in step.
--   * username is stored lower-cased by the users package, so UNIQUE makes
--     usernames case-insensitively unique;
--   * password_hash is an argon2id PHC string (R4), never a password;
--   * email_sealed and totp_sealed are sealed with the data key, which is
--     not in the database (R4); NULL when absent;
--   * totp_last_step is the last TOTP step accepted (0: none); it only
--     grows, through a conditional UPDATE, so a code is accepted once
--     (RFC 6238 §5.2).

CREATE TABLE users (
    id             TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    username       TEXT COLLATE "C" NOT NULL UNIQUE,
    password_hash  TEXT    NOT NULL,
    email_sealed   BYTEA,
    totp_sealed    BYTEA,
    totp_last_step BIGINT  NOT NULL DEFAULT 0,
    mfa_enabled    BOOLEAN NOT NULL DEFAULT FALSE,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT
);
