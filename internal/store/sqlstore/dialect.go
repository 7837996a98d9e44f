package sqlstore

import (
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect holds what differs between the databases at run time. Column types
// (BLOB vs BYTEA, INTEGER vs BIGINT) differ only in the migration files, and
// both databases share the INSERT … ON CONFLICT upsert syntax.
type dialect struct {
	name string // "sqlite" or "postgres": Store.Driver and migrations/<name>
	// numbered is true when placeholders are $1, $2, … instead of ?.
	numbered bool
	// migrationLock runs first in every migration transaction so that two
	// processes starting at once apply each migration once; "" when BEGIN
	// already takes the database write lock (SQLite BEGIN IMMEDIATE).
	migrationLock string
	// keyLock runs first in the signing-key rotation transaction so that
	// concurrent rotations serialise and exactly one key stays active; ""
	// when BEGIN already serialises writers.
	keyLock string
	// isUnique reports whether err is a unique or primary-key violation.
	isUnique func(err error) bool
}

var sqliteDialect = dialect{
	name:     "sqlite",
	isUnique: sqliteIsUnique,
}

// postgresMigrationKey is the pg_advisory_xact_lock key that guards schema
// migrations ("rempart" in ASCII); the lock is released at commit.
const postgresMigrationKey int64 = 0x72656d70617274

var postgresDialect = dialect{
	name:          "postgres",
	numbered:      true,
	migrationLock: "SELECT pg_advisory_xact_lock(" + strconv.FormatInt(postgresMigrationKey, 10) + ")",
	// SHARE ROW EXCLUSIVE conflicts with itself but not with readers: two
	// rotations queue, and the second one's UPDATE (a new READ COMMITTED
	// snapshot taken after the lock) sees the first one's key.
	keyLock:  "LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE",
	isUnique: postgresIsUnique,
}

// rebind rewrites the ? placeholders of query for the dialect. Question marks
// inside single-quoted literals, double-quoted identifiers and comments are
// left alone.
func (d dialect) rebind(query string) string {
	if !d.numbered || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			j := strings.IndexByte(query[i+1:], c)
			if j < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+j+2])
			i += j + 1
		case c == '-' && strings.HasPrefix(query[i:], "--"):
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+j+1])
			i += j
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func sqliteIsUnique(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return true
	}
	return false
}

// pgUniqueViolation is the SQLSTATE of a unique or primary-key violation.
const pgUniqueViolation = "23505"

func postgresIsUnique(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == pgUniqueViolation
}
