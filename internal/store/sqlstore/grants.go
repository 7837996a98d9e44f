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

// Store implements the authorization server's token storage.
var (
	_ authserver.TokenStore     = (*Store)(nil)
	_ authserver.RevocationFeed = (*Store)(nil)
	_ authserver.PurgeStore     = (*Store)(nil)
)

// Column lists, in the order the *Args and scan* functions use.
const (
	familyColumns  = `id, client_id, subject, code_id, auth_time, amr, created_at, expires_at, revoked_at`
	refreshColumns = `hash, family_id, client_id, subject, scope, audience, issued_at, expires_at, used_at, revoked_at`
	accessColumns  = `jti, hash, family_id, client_id, subject, scope, audience, issued_at, expires_at, revoked_at`
)

var (
	errEmptyField     = errors.New("a required field is empty")
	errFamilyMismatch = errors.New("token does not belong to the family")
	errFamilyToken    = errors.New("a family's access tokens are stored with the family (CreateGrant, RotateRefreshToken)")
)

// CreateGrant stores g's family, access-token record and optional refresh
// token in one transaction; store.ErrConflict when an id, jti or hash is
// taken.
func (s *Store) CreateGrant(ctx context.Context, g authserver.Grant) error {
	fam, err := familyArgs(g.Family)
	if err != nil {
		return fmt.Errorf("sqlstore: create grant: family: %w", err)
	}
	if g.Access.FamilyID != g.Family.ID || (g.Refresh != nil && g.Refresh.FamilyID != g.Family.ID) {
		return fmt.Errorf("sqlstore: create grant: %w", errFamilyMismatch)
	}
	acc, err := accessArgs(g.Access)
	if err != nil {
		return fmt.Errorf("sqlstore: create grant: access token: %w", err)
	}
	var ref []any
	if g.Refresh != nil {
		if ref, err = refreshArgs(*g.Refresh); err != nil {
			return fmt.Errorf("sqlstore: create grant: refresh token: %w", err)
		}
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO token_families (`+familyColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), fam...); err != nil {
			return err
		}
		if err := s.insertAccess(ctx, tx, acc); err != nil {
			return err
		}
		if ref != nil {
			return s.insertRefresh(ctx, tx, ref)
		}
		return nil
	})
	if err != nil {
		return s.writeErr("create grant", err)
	}
	return nil
}

// RefreshTokenByHash returns the refresh token whose hash is hash, used and
// revoked ones included; store.ErrNotFound when none.
func (s *Store) RefreshTokenByHash(ctx context.Context, hash []byte) (authserver.RefreshToken, error) {
	if len(hash) == 0 {
		return authserver.RefreshToken{}, fmt.Errorf("sqlstore: refresh token: %w", errEmptyHash)
	}
	t, err := scanRefresh(s.db.QueryRowContext(ctx,
		s.d.rebind(`SELECT `+refreshColumns+` FROM refresh_tokens WHERE hash = ?`), hash))
	if errors.Is(err, sql.ErrNoRows) {
		return authserver.RefreshToken{}, fmt.Errorf("sqlstore: refresh token: %w", store.ErrNotFound)
	}
	if err != nil {
		return authserver.RefreshToken{}, fmt.Errorf("sqlstore: refresh token: %w", err)
	}
	return t, nil
}

// RotateRefreshToken consumes the refresh token oldHash and stores its
// successor next and the access token issued with it, in one transaction.
// The transaction first locks the family's row (an UPDATE: PostgreSQL row
// lock; SQLite transactions are BEGIN IMMEDIATE), so rotations and
// revocations of one family serialise; the token is then consumed by a
// conditional UPDATE (used_at IS NULL AND revoked_at IS NULL), so exactly
// one of several concurrent rotations wins. Every loser — and any later
// use of a consumed or revoked token — revokes the whole family in its own
// transaction, which sees the winner's committed successor and access
// token, and gets store.ErrAlreadyUsed (T2, D4).
func (s *Store) RotateRefreshToken(ctx context.Context, oldHash []byte, next authserver.RefreshToken, access authserver.AccessToken) (authserver.RefreshToken, error) {
	if len(oldHash) == 0 {
		return authserver.RefreshToken{}, fmt.Errorf("sqlstore: rotate refresh token: %w", errEmptyHash)
	}
	if next.FamilyID == "" || access.FamilyID != next.FamilyID {
		return authserver.RefreshToken{}, fmt.Errorf("sqlstore: rotate refresh token: %w", errFamilyMismatch)
	}
	ref, err := refreshArgs(next)
	if err != nil {
		return authserver.RefreshToken{}, fmt.Errorf("sqlstore: rotate refresh token: %w", err)
	}
	acc, err := accessArgs(access)
	if err != nil {
		return authserver.RefreshToken{}, fmt.Errorf("sqlstore: rotate refresh token: access token: %w", err)
	}
	at, _ := nanos(next.IssuedAt) // checked by refreshArgs
	exp := later(next.ExpiresAt, access.ExpiresAt).UnixNano()
	var (
		old     authserver.RefreshToken
		reused  bool
		missing bool
	)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var fam string
		err := tx.QueryRowContext(ctx, s.d.rebind(`SELECT family_id FROM refresh_tokens WHERE hash = ?`), oldHash).Scan(&fam)
		if errors.Is(err, sql.ErrNoRows) {
			missing = true
			return nil
		}
		if err != nil {
			return err
		}
		if fam != next.FamilyID {
			return errFamilyMismatch
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE token_families SET expires_at = expires_at WHERE id = ?`), fam); err != nil {
			return fmt.Errorf("lock family: %w", err)
		}
		res, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE refresh_tokens SET used_at = ?
			WHERE hash = ? AND used_at IS NULL AND revoked_at IS NULL`), at, oldHash)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			reused = true
			return s.revokeFamilyTx(ctx, tx, fam, at)
		}
		if err := s.insertRefresh(ctx, tx, ref); err != nil {
			return err
		}
		if err := s.insertAccess(ctx, tx, acc); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE token_families
			SET expires_at = CASE WHEN expires_at < ? THEN ? ELSE expires_at END WHERE id = ?`), exp, exp, fam); err != nil {
			return err
		}
		old, err = scanRefresh(tx.QueryRowContext(ctx,
			s.d.rebind(`SELECT `+refreshColumns+` FROM refresh_tokens WHERE hash = ?`), oldHash))
		return err
	})
	switch {
	case err != nil:
		return authserver.RefreshToken{}, s.writeErr("rotate refresh token", err)
	case missing:
		return authserver.RefreshToken{}, fmt.Errorf("sqlstore: rotate refresh token: %w", store.ErrNotFound)
	case reused:
		return authserver.RefreshToken{}, fmt.Errorf("sqlstore: rotate refresh token: family revoked: %w", store.ErrAlreadyUsed)
	}
	return old, nil
}

// RevokeFamily revokes the family, its refresh tokens and its access
// tokens (their unexpired jtis join the deny-list) in one transaction;
// store.ErrNotFound when there is no such family.
func (s *Store) RevokeFamily(ctx context.Context, familyID string, at time.Time) error {
	n, err := nanos(at)
	if err != nil {
		return fmt.Errorf("sqlstore: revoke family: %w", err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error { return s.revokeFamilyTx(ctx, tx, familyID, n) })
	if err != nil {
		return wrapNotFound("revoke family", err)
	}
	return nil
}

// RevokeFamilyByCode revokes every family created from the authorization
// code codeID; store.ErrNotFound when none.
func (s *Store) RevokeFamilyByCode(ctx context.Context, codeID string, at time.Time) error {
	n, err := nanos(at)
	if err != nil {
		return fmt.Errorf("sqlstore: revoke family by code: %w", err)
	}
	if codeID == "" {
		return fmt.Errorf("sqlstore: revoke family by code: %w", errEmptyID)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		ids, err := queryIDs(ctx, tx, s.d.rebind(`SELECT id FROM token_families WHERE code_id = ? ORDER BY id`), codeID)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return store.ErrNotFound
		}
		for _, id := range ids {
			if err := s.revokeFamilyTx(ctx, tx, id, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return wrapNotFound("revoke family by code", err)
	}
	return nil
}

// revokeFamilyTx revokes family id inside tx, locking its row first (the
// same order as RotateRefreshToken: family, then tokens, so the two never
// deadlock). store.ErrNotFound when there is no such family.
func (s *Store) revokeFamilyTx(ctx context.Context, tx *sql.Tx, id string, at int64) error {
	res, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE token_families SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`), at, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return store.ErrNotFound
	}
	for _, q := range []string{
		`UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL`,
		`UPDATE access_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL`,
	} {
		if _, err := tx.ExecContext(ctx, s.d.rebind(q), at, id); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, s.d.rebind(`INSERT INTO revoked_jtis (jti, expires_at, revoked_at)
		SELECT jti, expires_at, ? FROM access_tokens WHERE family_id = ? AND expires_at > ?
		ON CONFLICT (jti) DO NOTHING`), at, id, at)
	return err
}

// CreateAccessToken records an access token of no family (an opaque
// client_credentials token); store.ErrConflict when its jti or hash is
// taken.
func (s *Store) CreateAccessToken(ctx context.Context, t authserver.AccessToken) error {
	if t.FamilyID != "" {
		return fmt.Errorf("sqlstore: create access token: %w", errFamilyToken)
	}
	args, err := accessArgs(t)
	if err != nil {
		return fmt.Errorf("sqlstore: create access token: %w", err)
	}
	if _, err := s.exec(ctx, `INSERT INTO access_tokens (`+accessColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...); err != nil {
		return s.writeErr("create access token", err)
	}
	return nil
}

// AccessTokenByHash returns the opaque access token whose hash is hash,
// revoked or expired ones included; store.ErrNotFound when none.
func (s *Store) AccessTokenByHash(ctx context.Context, hash []byte) (authserver.AccessToken, error) {
	if len(hash) == 0 {
		return authserver.AccessToken{}, fmt.Errorf("sqlstore: access token: %w", errEmptyHash)
	}
	t, err := scanAccess(s.db.QueryRowContext(ctx,
		s.d.rebind(`SELECT `+accessColumns+` FROM access_tokens WHERE hash = ?`), hash))
	if errors.Is(err, sql.ErrNoRows) {
		return authserver.AccessToken{}, fmt.Errorf("sqlstore: access token: %w", store.ErrNotFound)
	}
	if err != nil {
		return authserver.AccessToken{}, fmt.Errorf("sqlstore: access token: %w", err)
	}
	return t, nil
}

func (s *Store) insertAccess(ctx context.Context, tx *sql.Tx, args []any) error {
	_, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO access_tokens (`+accessColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), args...)
	return err
}

func (s *Store) insertRefresh(ctx context.Context, tx *sql.Tx, args []any) error {
	_, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO refresh_tokens (`+refreshColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), args...)
	return err
}

// wrapNotFound wraps err for op, keeping store.ErrNotFound recognisable.
func wrapNotFound(op string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("sqlstore: %s: %w", op, store.ErrNotFound)
	}
	return fmt.Errorf("sqlstore: %s: %w", op, err)
}

// queryIDs runs query in tx and returns its single string column.
func queryIDs(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
