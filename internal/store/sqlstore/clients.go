package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/rempart/rempart/internal/authserver"
	"github.com/rempart/rempart/internal/store"
)

// clientColumns lists the clients columns in the order clientArgs and
// scanClient use.
const clientColumns = `id, name, auth_method, grant_types, scopes, redirect_uris, apis, token_format,
	secret_hash, prev_secret_hash, prev_secret_expires, created_at, updated_at, jwks,
	require_mfa`

var (
	errEmptyID          = errors.New("empty id")
	errEmptyName        = errors.New("empty name")
	errPrevWithoutExp   = errors.New("previous secret hash without expiry")
	errExpWithoutPrev   = errors.New("previous secret expiry without hash")
	errCreatedAtMissing = errors.New("created_at not set")
)

// CreateClient inserts c; store.ErrConflict when its id or name is taken.
// CreatedAt is required; a previous secret hash needs its expiry and the
// other way round.
func (s *Store) CreateClient(ctx context.Context, c authserver.Client) error {
	args, err := clientArgs(c)
	if err != nil {
		return fmt.Errorf("sqlstore: create client: %w", err)
	}
	_, err = s.exec(ctx, `INSERT INTO clients (`+clientColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	if err != nil {
		return s.writeErr("create client", err)
	}
	return nil
}

// GetClient returns the client with id; store.ErrNotFound when absent.
func (s *Store) GetClient(ctx context.Context, id string) (authserver.Client, error) {
	row := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT `+clientColumns+` FROM clients WHERE id = ?`), id)
	c, err := scanClient(row)
	if errors.Is(err, sql.ErrNoRows) {
		return authserver.Client{}, fmt.Errorf("sqlstore: get client: %w", store.ErrNotFound)
	}
	if err != nil {
		return authserver.Client{}, fmt.Errorf("sqlstore: get client: %w", err)
	}
	return c, nil
}

// ListClients returns every client ordered by name (byte order).
func (s *Store) ListClients(ctx context.Context) ([]authserver.Client, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+clientColumns+` FROM clients ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list clients: %w", err)
	}
	defer rows.Close()
	var cs []authserver.Client
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: list clients: %w", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: list clients: %w", err)
	}
	return cs, nil
}

// DeleteClient removes the client and revokes every token issued to it,
// in one transaction (D1, D2): the client joins revoked_clients until
// authserver.RevokedClientRetention from now (its client_credentials JWTs
// are not recorded, so gateways refuse them by client id), its token
// families are revoked like RevokeFamily does, and its opaque access
// tokens are revoked, their unexpired jtis deny-listed. store.ErrNotFound,
// and nothing written, when the client is absent.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	now := time.Now() // the interface has no time parameter; revoked_at is wall-clock, like the gateways' polls
	at, err := nanos(now)
	if err != nil {
		return fmt.Errorf("sqlstore: delete client: %w", err)
	}
	until := now.Add(authserver.RevokedClientRetention).UnixNano()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.d.rebind(`DELETE FROM clients WHERE id = ?`), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return store.ErrNotFound
		}
		return s.revokeClientTx(ctx, tx, id, at, until)
	})
	if err != nil {
		return wrapNotFound("delete client", err)
	}
	return nil
}

// revokeClientTx puts client id on revoked_clients from at until until and
// revokes its families (revokeFamilyTx, one by one: the family-then-tokens
// lock order of RotateRefreshToken) and its family-less (opaque) access
// tokens, deny-listing their unexpired jtis.
func (s *Store) revokeClientTx(ctx context.Context, tx *sql.Tx, id string, at, until int64) error {
	if _, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO revoked_clients (client_id, revoked_at, expires_at)
		VALUES (?, ?, ?) ON CONFLICT (client_id) DO UPDATE
		SET revoked_at = excluded.revoked_at, expires_at = excluded.expires_at`), id, at, until); err != nil {
		return fmt.Errorf("revoked client: %w", err)
	}
	fams, err := queryIDs(ctx, tx, s.d.rebind(`SELECT id FROM token_families
		WHERE client_id = ? AND revoked_at IS NULL ORDER BY id`), id)
	if err != nil {
		return err
	}
	for _, f := range fams {
		if err := s.revokeFamilyTx(ctx, tx, f, at); err != nil {
			return fmt.Errorf("revoke family: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE access_tokens SET revoked_at = ?
		WHERE client_id = ? AND family_id IS NULL AND revoked_at IS NULL`), at, id); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, s.d.rebind(`INSERT INTO revoked_jtis (jti, expires_at, revoked_at)
		SELECT jti, expires_at, ? FROM access_tokens WHERE client_id = ? AND family_id IS NULL AND expires_at > ?
		ON CONFLICT (jti) DO NOTHING`), at, id, at)
	return err
}

// UpdateClientSecret replaces the secret hashes and UpdatedAt of client id;
// store.ErrNotFound when absent. A nil u.PrevSecretHash clears the previous
// secret at once; a non-nil one needs u.PrevSecretExpires.
func (s *Store) UpdateClientSecret(ctx context.Context, id string, u authserver.SecretUpdate) error {
	prevExp, err := prevSecret(u.PrevSecretHash, u.PrevSecretExpires)
	if err != nil {
		return fmt.Errorf("sqlstore: update client secret: %w", err)
	}
	updated, err := optNanos(u.UpdatedAt)
	if err != nil {
		return fmt.Errorf("sqlstore: update client secret: updated_at: %w", err)
	}
	res, err := s.exec(ctx, `UPDATE clients
		SET secret_hash = ?, prev_secret_hash = ?, prev_secret_expires = ?, updated_at = ?
		WHERE id = ?`,
		optBytes(u.SecretHash), optBytes(u.PrevSecretHash), prevExp, updated, id)
	if err != nil {
		return fmt.Errorf("sqlstore: update client secret: %w", err)
	}
	return oneRow("update client secret", res)
}

// prevSecret checks that a previous secret hash and its expiry come together
// and encodes the expiry.
func prevSecret(hash []byte, expires time.Time) (sql.NullInt64, error) {
	switch {
	case len(hash) > 0 && expires.IsZero():
		return sql.NullInt64{}, errPrevWithoutExp
	case len(hash) == 0 && !expires.IsZero():
		return sql.NullInt64{}, errExpWithoutPrev
	}
	exp, err := optNanos(expires)
	if err != nil {
		return sql.NullInt64{}, fmt.Errorf("prev_secret_expires: %w", err)
	}
	return exp, nil
}

// clientArgs validates c and returns its column values in clientColumns order.
func clientArgs(c authserver.Client) ([]any, error) {
	switch {
	case c.ID == "":
		return nil, errEmptyID
	case c.Name == "":
		return nil, errEmptyName
	case c.CreatedAt.IsZero():
		return nil, errCreatedAtMissing
	}
	if err := checkText(c.ID, c.Name, c.AuthMethod, c.TokenFormat); err != nil {
		return nil, err
	}
	lists := make([]any, 0, 4)
	for _, l := range [][]string{c.GrantTypes, c.Scopes, c.RedirectURIs, c.APIs} {
		enc, err := encodeList(l)
		if err != nil {
			return nil, err
		}
		lists = append(lists, enc)
	}
	prevExp, err := prevSecret(c.PrevSecretHash, c.PrevSecretExpires)
	if err != nil {
		return nil, err
	}
	created, err := nanos(c.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("created_at: %w", err)
	}
	updated, err := optNanos(c.UpdatedAt)
	if err != nil {
		return nil, fmt.Errorf("updated_at: %w", err)
	}
	jwks := sql.NullString{String: string(c.JWKS), Valid: len(c.JWKS) > 0}
	if err := checkText(jwks.String); err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	args := []any{c.ID, c.Name, c.AuthMethod}
	args = append(args, lists...)
	return append(args, c.TokenFormat,
		optBytes(c.SecretHash), optBytes(c.PrevSecretHash), prevExp, created, updated, jwks,
		c.RequireMFA), nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// scanClient reads one row selected with clientColumns.
func scanClient(r scanner) (authserver.Client, error) {
	var (
		c                          authserver.Client
		grants, scopes, uris, apis string
		prevExp, updated           sql.NullInt64
		created                    int64
		jwks                       sql.NullString
	)
	err := r.Scan(&c.ID, &c.Name, &c.AuthMethod, &grants, &scopes, &uris, &apis, &c.TokenFormat,
		&c.SecretHash, &c.PrevSecretHash, &prevExp, &created, &updated, &jwks,
		&c.RequireMFA)
	if err != nil {
		return authserver.Client{}, err
	}
	for _, f := range []struct {
		dst *[]string
		src string
	}{{&c.GrantTypes, grants}, {&c.Scopes, scopes}, {&c.RedirectURIs, uris}, {&c.APIs, apis}} {
		if *f.dst, err = decodeList(f.src); err != nil {
			return authserver.Client{}, fmt.Errorf("client %s: %w", c.ID, err)
		}
	}
	c.SecretHash = readBytes(c.SecretHash)
	c.PrevSecretHash = readBytes(c.PrevSecretHash)
	c.PrevSecretExpires = fromNanos(prevExp)
	c.CreatedAt = fromNanos(sql.NullInt64{Int64: created, Valid: true})
	c.UpdatedAt = fromNanos(updated)
	if jwks.Valid && jwks.String != "" {
		c.JWKS = []byte(jwks.String)
	}
	return c, nil
}

// oneRow maps an UPDATE or DELETE that touched no row to store.ErrNotFound.
func oneRow(op string, res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlstore: %s: %w", op, err)
	}
	if n == 0 {
		return fmt.Errorf("sqlstore: %s: %w", op, store.ErrNotFound)
	}
	return nil
}
