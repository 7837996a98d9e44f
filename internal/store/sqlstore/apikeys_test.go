package sqlstore

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/apikey"
)

// lookupByHash is the statement APIKeyByHash runs.
const lookupByHash = `SELECT ` + apiKeyColumns + ` FROM api_keys WHERE hash = ?`

// TestAPIKeyLookupIndexed: the gateway's lookup by hash uses an index, not
// a table scan (every API-key request runs it when the cache misses).
func TestAPIKeyLookupIndexed(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		s, _ := openSQLiteFile(t)
		defer s.Close()
		rows, err := s.db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+lookupByHash, []byte{1})
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		if p := strings.Join(plan, "; "); !strings.Contains(p, "USING INDEX") || strings.Contains(p, "SCAN") {
			t.Errorf("query plan %q, want a search using an index", p)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		s, _ := openPostgresSchema(t)
		defer s.Close()
		conn, err := s.db.Conn(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		// A tiny table is cheaper to scan; forbid that to see whether an
		// index exists at all.
		if _, err := conn.ExecContext(t.Context(), "SET enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
		rows, err := conn.QueryContext(t.Context(), "EXPLAIN "+s.d.rebind(lookupByHash), []byte{1})
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		if p := strings.Join(plan, "; "); !strings.Contains(p, "Index") {
			t.Errorf("query plan %q, want an index scan", p)
		}
	})
}

// TestSQLiteAPIKeyHashStoredAsBlob: the hash is a BLOB of the exact bytes,
// and the key itself is nowhere in the row (R4, D5).
func TestSQLiteAPIKeyHashStoredAsBlob(t *testing.T) {
	s, _ := openSQLiteFile(t)
	defer s.Close()
	h := []byte{0x00, 0xff, 0xc3, 0x28, 0x00, 'a'}
	k := apikey.Key{ID: uuid.NewString(), Name: "blob", APIs: []string{"catalog"}, Hash: h, CreatedAt: time.Now()}
	if err := s.CreateAPIKey(t.Context(), k); err != nil {
		t.Fatalf("CreateAPIKey() = %v", err)
	}
	var (
		typ string
		raw []byte
	)
	err := s.db.QueryRowContext(t.Context(), "SELECT typeof(hash), hash FROM api_keys WHERE id = ?", k.ID).Scan(&typ, &raw)
	if err != nil {
		t.Fatal(err)
	}
	if typ != "blob" || !bytes.Equal(raw, h) {
		t.Errorf("stored hash = %s %x, want blob %x", typ, raw, h)
	}
	if _, err := s.db.ExecContext(t.Context(), "UPDATE api_keys SET hash = 'text' WHERE id = ?", k.ID); err == nil {
		t.Error("storing TEXT in hash succeeded, want a STRICT type error")
	}
}
