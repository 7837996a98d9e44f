package sqlstore

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/authserver"
)

func slogTo(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, nil))
}

// TestEmbeddedMigrations: both dialects have the same numbered steps.
func TestEmbeddedMigrations(t *testing.T) {
	lite, err := loadMigrations(sqliteDialect.name)
	if err != nil {
		t.Fatalf("sqlite: %v", err)
	}
	pg, err := loadMigrations(postgresDialect.name)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	if len(lite) == 0 || len(lite) != len(pg) {
		t.Fatalf("sqlite has %d migrations, postgres %d; want the same, at least one", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].version != i+1 || lite[i].name != pg[i].name {
			t.Errorf("migration %d: sqlite %s (v%d), postgres %s", i, lite[i].name, lite[i].version, pg[i].name)
		}
	}
}

// migrationBackends runs fn against a file SQLite database and, when
// configured, a PostgreSQL schema; reopen opens another Store on the same
// database.
func migrationBackends(t *testing.T, fn func(t *testing.T, reopen func() (*Store, error))) {
	t.Run("sqlite", func(t *testing.T) {
		s, path := openSQLiteFile(t)
		s.Close()
		fn(t, func() (*Store, error) { return Open(t.Context(), DriverSQLite, path, testLog(t)) })
	})
	t.Run("postgres", func(t *testing.T) {
		s, dsn := openPostgresSchema(t)
		s.Close()
		fn(t, func() (*Store, error) { return Open(t.Context(), DriverPostgres, dsn, testLog(t)) })
	})
}

func schemaVersions(t *testing.T, s *Store) []int {
	t.Helper()
	rows, err := s.db.QueryContext(t.Context(), "SELECT version FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return vs
}

// TestMigrateIdempotent: opening an up-to-date database again applies
// nothing and keeps the data.
func TestMigrateIdempotent(t *testing.T) {
	migrationBackends(t, func(t *testing.T, reopen func() (*Store, error)) {
		s, err := reopen()
		if err != nil {
			t.Fatalf("first reopen: %v", err)
		}
		c := authserver.Client{ID: uuid.NewString(), Name: "kept", CreatedAt: time.Now()}
		if err := s.CreateClient(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		want := schemaVersions(t, s)
		s.Close()

		s, err = reopen()
		if err != nil {
			t.Fatalf("second reopen: %v", err)
		}
		defer s.Close()
		ms, _ := loadMigrations(s.d.name)
		got := schemaVersions(t, s)
		if len(got) != len(ms) || len(got) != len(want) || got[len(got)-1] != len(ms) {
			t.Errorf("schema_migrations = %v after reopen (was %v), want 1..%d once each", got, want, len(ms))
		}
		if _, err := s.GetClient(t.Context(), c.ID); err != nil {
			t.Errorf("GetClient() after reopen = %v", err)
		}
		// A direct re-run is a no-op too.
		if err := s.migrate(t.Context()); err != nil {
			t.Errorf("migrate() on an up-to-date schema = %v", err)
		}
	})
}

// TestNewerSchemaRefused: a database migrated by a newer binary is refused
// with a clear error instead of being used half-understood.
func TestNewerSchemaRefused(t *testing.T) {
	migrationBackends(t, func(t *testing.T, reopen func() (*Store, error)) {
		s, err := reopen()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.exec(t.Context(), "INSERT INTO schema_migrations (version) VALUES (?)", 9999); err != nil {
			t.Fatal(err)
		}
		s.Close()
		s, err = reopen()
		if err == nil {
			s.Close()
			t.Fatal("Open() on a newer schema = nil error, want ErrSchemaTooNew")
		}
		if !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), "9999") {
			t.Errorf("Open() = %v, want ErrSchemaTooNew naming version 9999", err)
		}
	})
}

// TestConcurrentOpen: processes starting at once on a new database migrate
// it once; none fails.
func TestConcurrentOpen(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		path := t.TempDir() + "/rempart.db"
		concurrentOpen(t, DriverSQLite, path)
	})
	t.Run("postgres", func(t *testing.T) {
		concurrentOpen(t, DriverPostgres, postgresDSN(t))
	})
}

func concurrentOpen(t *testing.T, driver, dsn string) {
	const n = 4
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(context.WithoutCancel(t.Context()), driver, dsn, testLog(t)) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("Open #%d = %v", i, errs[i])
			continue
		}
		defer stores[i].Close()
	}
	if t.Failed() {
		return
	}
	ms, _ := loadMigrations(stores[0].d.name)
	if got := schemaVersions(t, stores[0]); len(got) != len(ms) {
		t.Errorf("schema_migrations = %v, want each of 1..%d once", got, len(ms))
	}
}

// TestMigrationLogged: applying a migration is logged at Info.
func TestMigrationLogged(t *testing.T) {
	var buf bytes.Buffer
	s, err := Open(t.Context(), DriverSQLite, memoryPath, slogTo(&buf))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.Contains(buf.String(), "applied migration") || !strings.Contains(buf.String(), "0001_init.sql") {
		t.Errorf("log = %q, want the applied migration", buf.String())
	}
}
