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

// Store implements the authorization server's code storage.
var _ authserver.CodeStore = (*Store)(nil)

// codeColumns lists the authorization_codes columns in the order codeArgs
// and scanCode use.
const codeColumns = `id, hash, client_id, redirect_uri, challenge, nonce, scope, subject, auth_time, amr, acr,
	created_at, expires_at, keep_until, used_at`

// CreateCode stores c; store.ErrConflict when its id or hash is taken.
// ID, Hash, ClientID, RedirectURI, Challenge, Subject and the times are
// required.
func (s *Store) CreateCode(ctx context.Context, c authserver.Code) error {
	args, err := codeArgs(c)
	if err != nil {
		return fmt.Errorf("sqlstore: create code: %w", err)
	}
	_, err = s.exec(ctx, `INSERT INTO authorization_codes (`+codeColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	if err != nil {
		return s.writeErr("create code", err)
	}
	return nil
}

// RedeemCode marks the code whose hash is hash used at now, if it was not,
// and returns it. The conditional UPDATE (used_at IS NULL) lets exactly one
// of concurrent redemptions win; the others, and every later one, get the
// code and an error wrapping store.ErrAlreadyUsed (D4). store.ErrNotFound
// when there is no such code.
func (s *Store) RedeemCode(ctx context.Context, hash []byte, now time.Time) (authserver.Code, error) {
	at, err := nanos(now)
	if err != nil {
		return authserver.Code{}, fmt.Errorf("sqlstore: redeem code: %w", err)
	}
	if len(hash) == 0 {
		return authserver.Code{}, fmt.Errorf("sqlstore: redeem code: %w", store.ErrNotFound)
	}
	var (
		c   authserver.Code
		won bool
	)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE authorization_codes SET used_at = ?
			WHERE hash = ? AND used_at IS NULL`), at, hash)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		won = n == 1
		c, err = scanCode(tx.QueryRowContext(ctx, s.d.rebind(`SELECT `+codeColumns+`
			FROM authorization_codes WHERE hash = ?`), hash))
		return err
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return authserver.Code{}, fmt.Errorf("sqlstore: redeem code: %w", store.ErrNotFound)
	case err != nil:
		return authserver.Code{}, fmt.Errorf("sqlstore: redeem code: %w", err)
	case !won:
		return c, fmt.Errorf("sqlstore: redeem code: %w", store.ErrAlreadyUsed)
	}
	return c, nil
}

// codeArgs validates c and returns its column values in codeColumns order.
func codeArgs(c authserver.Code) ([]any, error) {
	switch {
	case c.ID == "" || len(c.Hash) == 0 || c.ClientID == "" || c.RedirectURI == "" || c.Challenge == "" || c.Subject == "":
		return nil, errEmptyField
	}
	if err := checkText(c.ID, c.ClientID, c.RedirectURI, c.Challenge, c.Nonce, c.Subject, c.ACR); err != nil {
		return nil, err
	}
	scope, err := encodeList(c.Scope)
	if err != nil {
		return nil, fmt.Errorf("scope: %w", err)
	}
	amr, err := encodeList(c.AMR)
	if err != nil {
		return nil, fmt.Errorf("amr: %w", err)
	}
	var times [4]int64
	for i, t := range []time.Time{c.AuthTime, c.CreatedAt, c.ExpiresAt, c.KeepUntil} {
		if times[i], err = nanos(t); err != nil {
			return nil, err
		}
	}
	used, err := optNanos(c.UsedAt)
	if err != nil {
		return nil, fmt.Errorf("used_at: %w", err)
	}
	return []any{c.ID, c.Hash, c.ClientID, c.RedirectURI, c.Challenge, c.Nonce, scope, c.Subject, times[0],
		amr, c.ACR, times[1], times[2], times[3], used}, nil
}

// scanCode reads one row selected with codeColumns.
func scanCode(r scanner) (authserver.Code, error) {
	var (
		c                          authserver.Code
		scope, amr                 string
		authTime, created, expires int64
		keep                       int64
		used                       sql.NullInt64
	)
	err := r.Scan(&c.ID, &c.Hash, &c.ClientID, &c.RedirectURI, &c.Challenge, &c.Nonce, &scope, &c.Subject,
		&authTime, &amr, &c.ACR, &created, &expires, &keep, &used)
	if err != nil {
		return authserver.Code{}, err
	}
	if c.Scope, err = decodeList(scope); err != nil {
		return authserver.Code{}, fmt.Errorf("code %s: %w", c.ID, err)
	}
	if c.AMR, err = decodeList(amr); err != nil {
		return authserver.Code{}, fmt.Errorf("code %s: %w", c.ID, err)
	}
	c.AuthTime = fromNanos(sql.NullInt64{Int64: authTime, Valid: true})
	c.CreatedAt = fromNanos(sql.NullInt64{Int64: created, Valid: true})
	c.ExpiresAt = fromNanos(sql.NullInt64{Int64: expires, Valid: true})
	c.KeepUntil = fromNanos(sql.NullInt64{Int64: keep, Valid: true})
	c.UsedAt = fromNanos(used)
	return c, nil
}
