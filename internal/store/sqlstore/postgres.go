package sqlstore

import (
	"database/sql"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// openPostgres opens a pool on dsn, a libpq keyword/value string
// ("host=db user=rempart dbname=rempart sslmode=verify-full") or a URL
// ("postgres://rempart@db:5432/rempart?sslmode=verify-full"). Any libpq
// parameter pgx knows is accepted, including search_path and other run-time
// parameters. No connection is made until first use.
func openPostgres(dsn string) (*sql.DB, error) {
	if dsn == "" {
		return nil, errors.New("sqlstore: postgres: empty dsn")
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx redacts passwords from parse errors only on a best-effort
		// basis, so none of its text is returned (R19, R20).
		return nil, errors.New("sqlstore: postgres: cannot parse dsn (want a libpq keyword/value string or a postgres:// URL; detail withheld as it may contain the password)")
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxIdleConns(8)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}
