package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/rempart/rempart/internal/keys"
)

var errEmptyKey = errors.New("empty key material")

// InsertSigningKey adds r as the active signing key and, in the same
// transaction, sets RetiredAt = at on every key not yet retired, so exactly
// one key signs (r.RetiredAt is ignored). store.ErrConflict when r.ID is
// taken, in which case nothing changes. Concurrent calls serialise (SQLite
// BEGIN IMMEDIATE, PostgreSQL table lock).
func (s *Store) InsertSigningKey(ctx context.Context, r keys.Record, at time.Time) error {
	args, atN, err := keyArgs(r, at)
	if err != nil {
		return fmt.Errorf("sqlstore: insert signing key: %w", err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if s.d.keyLock != "" {
			if _, err := tx.ExecContext(ctx, s.d.keyLock); err != nil {
				return fmt.Errorf("lock: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind(
			`UPDATE signing_keys SET retired_at = ? WHERE retired_at IS NULL`), atN); err != nil {
			return fmt.Errorf("retire: %w", err)
		}
		_, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO signing_keys
			(id, algorithm, public_der, sealed_priv, created_at, retired_at)
			VALUES (?, ?, ?, ?, ?, NULL)`), args...)
		return err
	})
	if err != nil {
		return s.writeErr("insert signing key", err)
	}
	return nil
}

// ListSigningKeys returns every stored key, newest first (created_at, then
// id, descending).
func (s *Store) ListSigningKeys(ctx context.Context) ([]keys.Record, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, algorithm, public_der, sealed_priv, created_at, retired_at
		FROM signing_keys ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list signing keys: %w", err)
	}
	defer rows.Close()
	var rs []keys.Record
	for rows.Next() {
		var (
			r       keys.Record
			created int64
			retired sql.NullInt64
		)
		if err := rows.Scan(&r.ID, &r.Algorithm, &r.PublicDER, &r.SealedPriv, &created, &retired); err != nil {
			return nil, fmt.Errorf("sqlstore: list signing keys: %w", err)
		}
		r.CreatedAt = fromNanos(sql.NullInt64{Int64: created, Valid: true})
		r.RetiredAt = fromNanos(retired)
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: list signing keys: %w", err)
	}
	return rs, nil
}

// DeleteSigningKey removes the key; store.ErrNotFound when absent. Choosing
// a key no token still needs is the caller's job.
func (s *Store) DeleteSigningKey(ctx context.Context, id string) error {
	res, err := s.exec(ctx, `DELETE FROM signing_keys WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("sqlstore: delete signing key: %w", err)
	}
	return oneRow("delete signing key", res)
}

// keyArgs validates r and at and returns the INSERT values and at encoded.
func keyArgs(r keys.Record, at time.Time) ([]any, int64, error) {
	switch {
	case r.ID == "":
		return nil, 0, errEmptyID
	case len(r.PublicDER) == 0, len(r.SealedPriv) == 0:
		return nil, 0, errEmptyKey
	case r.CreatedAt.IsZero():
		return nil, 0, errCreatedAtMissing
	}
	if err := checkText(r.ID, r.Algorithm); err != nil {
		return nil, 0, err
	}
	created, err := nanos(r.CreatedAt)
	if err != nil {
		return nil, 0, fmt.Errorf("created_at: %w", err)
	}
	atN, err := nanos(at)
	if err != nil {
		return nil, 0, fmt.Errorf("retire time: %w", err)
	}
	return []any{r.ID, r.Algorithm, r.PublicDER, r.SealedPriv, created}, atN, nil
}
