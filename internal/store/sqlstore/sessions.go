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

// Store implements the authorization server's login-session storage.
var _ authserver.SessionStore = (*Store)(nil)

// sessionColumns lists the login_sessions columns in the order
// sessionArgs and scanSession use.
const sessionColumns = `hash, user_id, auth_time, amr, acr, mfa_pending, created_at, last_seen, expires_at`

// CreateSession stores sess; store.ErrConflict when its hash is taken.
// Hash, UserID and every time are required.
func (s *Store) CreateSession(ctx context.Context, sess authserver.Session) error {
	args, err := sessionArgs(sess)
	if err != nil {
		return fmt.Errorf("sqlstore: create session: %w", err)
	}
	_, err = s.exec(ctx, `INSERT INTO login_sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	if err != nil {
		return s.writeErr("create session", err)
	}
	return nil
}

// GetSession returns the session whose id hashes to hash;
// store.ErrNotFound when none.
func (s *Store) GetSession(ctx context.Context, hash []byte) (authserver.Session, error) {
	row := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT `+sessionColumns+` FROM login_sessions WHERE hash = ?`), hash)
	sess, err := scanSession(row)
	if errors.Is(err, sql.ErrNoRows) {
		return authserver.Session{}, fmt.Errorf("sqlstore: get session: %w", store.ErrNotFound)
	}
	if err != nil {
		return authserver.Session{}, fmt.Errorf("sqlstore: get session: %w", err)
	}
	return sess, nil
}

// TouchSession sets last_seen of the session to at; store.ErrNotFound when
// none.
func (s *Store) TouchSession(ctx context.Context, hash []byte, at time.Time) error {
	n, err := nanos(at)
	if err != nil {
		return fmt.Errorf("sqlstore: touch session: %w", err)
	}
	res, err := s.exec(ctx, `UPDATE login_sessions SET last_seen = ? WHERE hash = ?`, n, hash)
	if err != nil {
		return fmt.Errorf("sqlstore: touch session: %w", err)
	}
	return oneRow("touch session", res)
}

// DeleteSession removes the session; a missing one is not an error.
func (s *Store) DeleteSession(ctx context.Context, hash []byte) error {
	if _, err := s.exec(ctx, `DELETE FROM login_sessions WHERE hash = ?`, hash); err != nil {
		return fmt.Errorf("sqlstore: delete session: %w", err)
	}
	return nil
}

// sessionArgs validates sess and returns its column values in
// sessionColumns order.
func sessionArgs(sess authserver.Session) ([]any, error) {
	if len(sess.Hash) == 0 || sess.UserID == "" {
		return nil, errEmptyField
	}
	if err := checkText(sess.UserID, sess.ACR); err != nil {
		return nil, err
	}
	amr, err := encodeList(sess.AMR)
	if err != nil {
		return nil, fmt.Errorf("amr: %w", err)
	}
	var times [4]int64
	for i, t := range []time.Time{sess.AuthTime, sess.CreatedAt, sess.LastSeen, sess.ExpiresAt} {
		if times[i], err = nanos(t); err != nil {
			return nil, err
		}
	}
	return []any{sess.Hash, sess.UserID, times[0], amr, sess.ACR, sess.MFAPending, times[1], times[2], times[3]}, nil
}

// scanSession reads one row selected with sessionColumns.
func scanSession(r scanner) (authserver.Session, error) {
	var (
		sess                                   authserver.Session
		amr                                    string
		authTime, created, lastSeen, expiresAt int64
	)
	err := r.Scan(&sess.Hash, &sess.UserID, &authTime, &amr, &sess.ACR, &sess.MFAPending, &created, &lastSeen, &expiresAt)
	if err != nil {
		return authserver.Session{}, err
	}
	if sess.AMR, err = decodeList(amr); err != nil {
		return authserver.Session{}, err
	}
	sess.AuthTime = fromNanos(sql.NullInt64{Int64: authTime, Valid: true})
	sess.CreatedAt = fromNanos(sql.NullInt64{Int64: created, Valid: true})
	sess.LastSeen = fromNanos(sql.NullInt64{Int64: lastSeen, Valid: true})
	sess.ExpiresAt = fromNanos(sql.NullInt64{Int64: expiresAt, Valid: true})
	return sess, nil
}
