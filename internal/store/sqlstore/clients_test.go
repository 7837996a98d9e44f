package sqlstore

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/authserver"
	"github.com/rempart/rempart/internal/store"
)

// TestDeleteClientFailsWhenRevocationFails pins D1/D2: when the
// revoked-clients row cannot be written, DeleteClient fails and the client
// is still there — a delete never half-succeeds silently.
func TestDeleteClientFailsWhenRevocationFails(t *testing.T) {
	s, _ := openSQLiteFile(t)
	t.Cleanup(func() { s.Close() })
	ctx := t.Context()
	c := authserver.Client{ID: uuid.NewString(), Name: "doomed", CreatedAt: time.Now()}
	if err := s.CreateClient(ctx, c); err != nil {
		t.Fatalf("CreateClient() = %v", err)
	}
	if _, err := s.db.ExecContext(ctx, `DROP TABLE revoked_clients`); err != nil {
		t.Fatalf("drop revoked_clients: %v", err)
	}
	err := s.DeleteClient(ctx, c.ID)
	if err == nil || errors.Is(err, store.ErrNotFound) {
		t.Fatalf("DeleteClient() = %v, want a write error", err)
	}
	if _, err := s.GetClient(ctx, c.ID); err != nil {
		t.Errorf("GetClient() after a failed delete = %v, want the client still there", err)
	}
}
