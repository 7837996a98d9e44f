-- 0003: the built-in user directory (SQLite). Same conventions as 0001;
-- keep the PostgreSQL twin in step.
--   * username is stored lower-cased by the users package, so UNIQUE makes
--     usernames case-insensitively unique;
--   * password_hash is an argon2id PHC string (R4), never a password;
--   * email_sealed and totp_sealed are sealed with the data key, which is
--     not in the database (R4); NULL when absent;
--   * totp_last_step is the last TOTP step accepted (0: none); it only
--     grows, through a conditional UPDATE, so a code is accepted once
--     (RFC 6238 §5.2);
--   * booleans are 0 or 1.

CREATE TABLE users (
    id             TEXT    NOT NULL PRIMARY KEY,
    username       TEXT    NOT NULL UNIQUE,
    password_hash  TEXT    NOT NULL,
    email_sealed   BLOB,
    totp_sealed    BLOB,
    totp_last_step INTEGER NOT NULL DEFAULT 0,
    mfa_enabled    INTEGER NOT NULL DEFAULT 0 CHECK (mfa_enabled IN (0, 1)),
    disabled       INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER
) STRICT;
