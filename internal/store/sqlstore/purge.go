package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/rempart/rempart/internal/authserver"
)

// purgeStatement deletes at most a batch of expired rows of one table
// (T3). Its SQL takes two parameters, in this order: now (Unix
// nanoseconds) and the batch size. Both dialects run the same statement:
// DELETE … WHERE key IN (SELECT key … LIMIT ?), since PostgreSQL has no
// DELETE … LIMIT.
type purgeStatement struct {
	table string
	sql   string
}

// purgeStatements run in this order at every Purge. A table whose rows
// live for a limited time adds its line here (one statement per table);
// tables another table references come after it.
var purgeStatements = []purgeStatement{
	{"access_tokens", `DELETE FROM access_tokens WHERE jti IN
		(SELECT jti FROM access_tokens WHERE expires_at <= ? LIMIT ?)`},
	{"refresh_tokens", `DELETE FROM refresh_tokens WHERE hash IN
		(SELECT hash FROM refresh_tokens WHERE expires_at <= ? LIMIT ?)`},
	{"token_families", `DELETE FROM token_families WHERE id IN
		(SELECT f.id FROM token_families f WHERE f.expires_at <= ?
			AND NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.family_id = f.id)
			AND NOT EXISTS (SELECT 1 FROM access_tokens a WHERE a.family_id = f.id)
			LIMIT ?)`},
	{"revoked_jtis", `DELETE FROM revoked_jtis WHERE jti IN
		(SELECT jti FROM revoked_jtis WHERE expires_at <= ? LIMIT ?)`},
	{"revoked_clients", `DELETE FROM revoked_clients WHERE client_id IN
		(SELECT client_id FROM revoked_clients WHERE expires_at <= ? LIMIT ?)`},
	{"client_assertions", `DELETE FROM client_assertions WHERE (client_id, jti) IN
		(SELECT client_id, jti FROM client_assertions WHERE expires_at <= ? LIMIT ?)`},
	{"authorization_codes", `DELETE FROM authorization_codes WHERE id IN
		(SELECT id FROM authorization_codes WHERE keep_until <= ? LIMIT ?)`},
	{"login_sessions", `DELETE FROM login_sessions WHERE hash IN
		(SELECT hash FROM login_sessions WHERE expires_at <= ? LIMIT ?)`},
	{"consents", `DELETE FROM consents WHERE (user_id, client_id) IN
		(SELECT user_id, client_id FROM consents WHERE updated_at <= ?
			AND client_id NOT IN (SELECT id FROM clients) LIMIT ?)`},
}

// Purge runs every purge statement once with batch as the limit and
// returns the rows deleted per table. Each statement commits on its own:
// a failure keeps what earlier ones deleted (and reports it).
func (s *Store) Purge(ctx context.Context, now time.Time, batch int) (authserver.PurgeStats, error) {
	if batch <= 0 {
		return nil, fmt.Errorf("sqlstore: purge: batch must be positive")
	}
	n, err := nanos(now)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: purge: %w", err)
	}
	stats := authserver.PurgeStats{}
	for _, p := range purgeStatements {
		res, err := s.exec(ctx, p.sql, n, batch)
		if err != nil {
			return stats, fmt.Errorf("sqlstore: purge %s: %w", p.table, err)
		}
		deleted, err := res.RowsAffected()
		if err != nil {
			return stats, fmt.Errorf("sqlstore: purge %s: %w", p.table, err)
		}
		stats[p.table] += deleted
	}
	return stats, nil
}

// CountRows returns the row count of every table purgeStatements purge.
func (s *Store) CountRows(ctx context.Context) (map[string]int64, error) {
	counts := make(map[string]int64, len(purgeStatements))
	for _, p := range purgeStatements {
		if _, done := counts[p.table]; done {
			continue
		}
		var n int64
		// p.table is a constant of this file, never input.
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+p.table).Scan(&n); err != nil {
			return nil, fmt.Errorf("sqlstore: count %s: %w", p.table, err)
		}
		counts[p.table] = n
	}
	return counts, nil
}
