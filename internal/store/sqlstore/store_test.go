package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/store/storetest"
)

// pgEnv names the variable holding a PostgreSQL DSN for the tests, e.g.
// postgres://root@127.0.0.1:5432/test?sslmode=disable.
const pgEnv = "REMPART_TEST_POSTGRES"

func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// openSQLiteFile opens a store on a fresh file in a temporary directory.
func openSQLiteFile(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", "rempart.db")
	s, err := Open(t.Context(), DriverSQLite, path, testLog(t))
	if err != nil {
		t.Fatalf("Open(sqlite) = %v", err)
	}
	return s, path
}

// postgresDSN returns a DSN whose search_path is a fresh schema, dropped when
// the test ends, or skips the test when pgEnv is unset.
func postgresDSN(t *testing.T) string {
	t.Helper()
	base := os.Getenv(pgEnv)
	if base == "" {
		t.Skip(pgEnv + " not set: skipping PostgreSQL conformance")
	}
	schema := "rempart_test_" + strings.ReplaceAll(uuid.NewString(), "-", "")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open admin connection: %v", err)
	}
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	return withSearchPath(t, base, schema)
}

// withSearchPath adds search_path=schema to a URL or keyword/value DSN; pgx
// sends it as a run-time parameter when each connection starts.
func withSearchPath(t *testing.T, dsn, schema string) string {
	t.Helper()
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn + " search_path=" + schema
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s is not a valid URL", pgEnv)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// openPostgresSchema opens a store in a fresh schema.
func openPostgresSchema(t *testing.T) (*Store, string) {
	t.Helper()
	dsn := postgresDSN(t)
	s, err := Open(t.Context(), DriverPostgres, dsn, testLog(t))
	if err != nil {
		t.Fatalf("Open(postgres) = %v", err)
	}
	return s, dsn
}

func TestSQLiteConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Backend {
		s, _ := openSQLiteFile(t)
		return s
	})
}

func TestSQLiteMemoryConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Backend {
		s, err := Open(t.Context(), DriverSQLite, memoryPath, testLog(t))
		if err != nil {
			t.Fatalf("Open(:memory:) = %v", err)
		}
		return s
	})
}

func TestPostgresConformance(t *testing.T) {
	if os.Getenv(pgEnv) == "" {
		t.Skip(pgEnv + " not set: skipping PostgreSQL conformance")
	}
	storetest.Run(t, func(t *testing.T) storetest.Backend {
		s, _ := openPostgresSchema(t)
		return s
	})
}

func TestOpen(t *testing.T) {
	for _, tc := range []struct {
		name, driver, dsn string
	}{
		{"fail/unknown-driver", "mysql", "x"},
		{"fail/sqlite-empty-path", DriverSQLite, ""},
		{"fail/sqlite-question-mark", DriverSQLite, filepath.Join(t.TempDir(), "a?b.db")},
		{"fail/sqlite-file-uri", DriverSQLite, "file:rempart.db?mode=ro"},
		{"fail/postgres-empty-dsn", DriverPostgres, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(t.Context(), tc.driver, tc.dsn, nil)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q, %q) = nil error, want an error", tc.driver, tc.dsn)
			}
		})
	}
	t.Run("ok/driver-name", func(t *testing.T) {
		s, _ := openSQLiteFile(t)
		defer s.Close()
		if got := s.Driver(); got != DriverSQLite {
			t.Errorf("Driver() = %q, want %q", got, DriverSQLite)
		}
	})
}

// TestPostgresErrorsHideDSNPassword: neither a malformed DSN nor a failed
// connection puts the password in the error (R19, R20). No server needed.
func TestPostgresErrorsHideDSNPassword(t *testing.T) {
	const pw = "s3cr3t-Pa55word"
	for _, tc := range []struct{ name, dsn string }{
		{"fail/bad-port-url", "postgres://rempart:" + pw + "@127.0.0.1:notaport/db"},
		{"fail/bad-url-escape", "postgres://rempart:" + pw + "%zz@127.0.0.1/db"},
		{"fail/bad-keyword", "host=127.0.0.1 password=" + pw + " port=x"},
		{"fail/unterminated-quote", "host=127.0.0.1 password='" + pw},
		{"fail/refused", "postgres://rempart:" + pw + "@127.0.0.1:1/db?connect_timeout=5&sslmode=disable"},
		{"fail/refused-keyword", "host=127.0.0.1 port=1 user=rempart password=" + pw + " connect_timeout=5 sslmode=disable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(t.Context(), DriverPostgres, tc.dsn, testLog(t))
			if err == nil {
				s.Close()
				t.Fatal("Open() = nil error, want an error")
			}
			if strings.Contains(err.Error(), pw) || strings.Contains(err.Error(), "3cr3t") {
				t.Errorf("Open() error leaks the password: %v", err)
			}
		})
	}
}

// TestPingFailsWhenUnreachable: a store whose database went away reports it
// (/readyz, D2).
func TestPingFailsWhenUnreachable(t *testing.T) {
	s, _ := openSQLiteFile(t)
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping() = %v", err)
	}
	s.Close()
	if err := s.Ping(t.Context()); err == nil {
		t.Error("Ping() after Close = nil, want an error")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	s2, _ := openSQLiteFile(t)
	defer s2.Close()
	if err := s2.Ping(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Ping(canceled) = %v, want context.Canceled", err)
	}
}
