package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"time"

	"github.com/rempart/rempart/internal/authserver"
	"github.com/rempart/rempart/internal/store"
)

// maxAssertionJTILen bounds a stored client-assertion jti.
const maxAssertionJTILen = 256

// RevokeAccessToken puts jti on the deny-list until exp and marks its
// access-token record, if any, revoked, in one transaction; revoking twice
// keeps the first revocation. Durable once it returns (D6).
func (s *Store) RevokeAccessToken(ctx context.Context, jti string, exp, at time.Time) error {
	if jti == "" {
		return fmt.Errorf("sqlstore: revoke access token: %w", errEmptyID)
	}
	if err := checkText(jti); err != nil {
		return fmt.Errorf("sqlstore: revoke access token: %w", err)
	}
	times, err := encodeTimes(exp, at)
	if err != nil {
		return fmt.Errorf("sqlstore: revoke access token: %w", err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.d.rebind(`INSERT INTO revoked_jtis (jti, expires_at, revoked_at)
			VALUES (?, ?, ?) ON CONFLICT (jti) DO NOTHING`), jti, times[0], times[1]); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.d.rebind(`UPDATE access_tokens SET revoked_at = ?
			WHERE jti = ? AND revoked_at IS NULL`), times[1], jti)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlstore: revoke access token: %w", err)
	}
	return nil
}

// JTIRevoked reports whether jti is on the deny-list.
func (s *Store) JTIRevoked(ctx context.Context, jti string) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT 1 FROM revoked_jtis WHERE jti = ?`), jti).Scan(&one)
	switch {
	case err == sql.ErrNoRows:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("sqlstore: jti revoked: %w", err)
	}
	return true, nil
}

// RevokedJTIsSince returns the deny-list entries revoked at or after since
// (all of them for the zero time), oldest first, expired ones included
// until purged.
func (s *Store) RevokedJTIsSince(ctx context.Context, since time.Time) ([]authserver.RevokedJTI, error) {
	from := int64(math.MinInt64)
	if !since.IsZero() {
		n, err := nanos(since)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: revoked jtis: %w", err)
		}
		from = n
	}
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT jti, expires_at, revoked_at FROM revoked_jtis
		WHERE revoked_at >= ? ORDER BY revoked_at, jti`), from)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: revoked jtis: %w", err)
	}
	defer rows.Close()
	var out []authserver.RevokedJTI
	for rows.Next() {
		var (
			e        authserver.RevokedJTI
			exp, rev int64
		)
		if err := rows.Scan(&e.JTI, &exp, &rev); err != nil {
			return nil, fmt.Errorf("sqlstore: revoked jtis: %w", err)
		}
		e.ExpiresAt, e.RevokedAt = fromInt(exp), fromInt(rev)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: revoked jtis: %w", err)
	}
	return out, nil
}

// RevokedClientsSince returns the revoked clients whose revoked_at is at or
// after since (all of them for the zero time), oldest first, expired ones
// included until purged.
func (s *Store) RevokedClientsSince(ctx context.Context, since time.Time) ([]authserver.RevokedClient, error) {
	from := int64(math.MinInt64)
	if !since.IsZero() {
		n, err := nanos(since)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: revoked clients: %w", err)
		}
		from = n
	}
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT client_id, revoked_at, expires_at FROM revoked_clients
		WHERE revoked_at >= ? ORDER BY revoked_at, client_id`), from)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: revoked clients: %w", err)
	}
	defer rows.Close()
	var out []authserver.RevokedClient
	for rows.Next() {
		var (
			c        authserver.RevokedClient
			rev, exp int64
		)
		if err := rows.Scan(&c.ClientID, &rev, &exp); err != nil {
			return nil, fmt.Errorf("sqlstore: revoked clients: %w", err)
		}
		c.RevokedAt, c.ExpiresAt = fromInt(rev), fromInt(exp)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: revoked clients: %w", err)
	}
	return out, nil
}

// UseClientAssertion records the assertion jti of clientID until exp;
// store.ErrAlreadyUsed when it is already recorded (replay, RFC 7523 §3).
func (s *Store) UseClientAssertion(ctx context.Context, clientID, jti string, exp time.Time) error {
	if clientID == "" || jti == "" {
		return fmt.Errorf("sqlstore: use client assertion: %w", errEmptyField)
	}
	if len(jti) > maxAssertionJTILen {
		return fmt.Errorf("sqlstore: use client assertion: jti longer than %d bytes", maxAssertionJTILen)
	}
	if err := checkText(clientID, jti); err != nil {
		return fmt.Errorf("sqlstore: use client assertion: %w", err)
	}
	e, err := nanos(exp)
	if err != nil {
		return fmt.Errorf("sqlstore: use client assertion: %w", err)
	}
	_, err = s.exec(ctx, `INSERT INTO client_assertions (client_id, jti, expires_at) VALUES (?, ?, ?)`, clientID, jti, e)
	if s.d.isUnique(err) {
		return fmt.Errorf("sqlstore: use client assertion: %w", store.ErrAlreadyUsed)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: use client assertion: %w", err)
	}
	return nil
}
