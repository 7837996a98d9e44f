-- 0006: revoked clients (SQLite). Same conventions as 0001; keep the
-- PostgreSQL twin in step.
--   * a deleted client's id is written here in the transaction that deletes
--     it; gateways poll the table by revoked_at and refuse every token of
--     the client, client_credentials JWTs included, which are not recorded
--     at issuance (D1);
--   * expires_at is revoked_at plus the longest access-token lifetime: past
--     it no token of the client is still valid and the purge job deletes
--     the row (T3);
--   * indexes on the client of families and access tokens let the delete
--     find what it revokes.

CREATE TABLE revoked_clients (
    client_id  TEXT    NOT NULL PRIMARY KEY,
    revoked_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;

CREATE INDEX revoked_clients_revoked ON revoked_clients (revoked_at);
CREATE INDEX revoked_clients_expiry ON revoked_clients (expires_at);
CREATE INDEX token_families_client ON token_families (client_id);
CREATE INDEX access_tokens_client ON access_tokens (client_id);
