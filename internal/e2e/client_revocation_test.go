package e2e

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestClientDeletionRevokesTokensAtGateway: deleting a client revokes the
// client_credentials JWTs already issued to it, which no store records at
// issuance; every gateway refuses them within 1 s through the
// revoked-clients feed (D1), although their verification was cached.
// Another client's token is unaffected.
func TestClientDeletionRevokesTokensAtGateway(t *testing.T) {
	s := startStack(t)
	id, secret := s.registerClient(t, "deleted-client", "orders:read")
	otherID, otherSecret := s.registerClient(t, "kept-client", "orders:read")
	bearer := func(id, secret string) string {
		t.Helper()
		code, tok := s.postForm(t, "/token", id, secret, url.Values{"grant_type": {"client_credentials"}})
		access, _ := tok["access_token"].(string)
		if code != http.StatusOK || access == "" {
			t.Fatalf("token: %d", code)
		}
		return access
	}
	access, otherAccess := bearer(id, secret), bearer(otherID, otherSecret)
	for _, tok := range []string{access, otherAccess} {
		if resp := s.do(t, "GET", "/orders/1", tok); resp.StatusCode != http.StatusOK {
			t.Fatalf("before deletion: status %d, want 200", resp.StatusCode)
		}
	}
	if err := s.app.Resources().Store.DeleteClient(context.Background(), id); err != nil {
		t.Fatalf("DeleteClient() = %v", err)
	}
	took := s.waitStatus(t, "/orders/1", access, http.StatusUnauthorized, 2*time.Second)
	if took > time.Second {
		t.Errorf("refused only %v after the client's deletion, want within 1 s (D1)", took)
	}
	t.Logf("token of the deleted client refused %v after deletion", took)
	if resp := s.do(t, "GET", "/orders/1", otherAccess); resp.StatusCode != http.StatusOK {
		t.Errorf("another client's token after the deletion: status %d, want 200", resp.StatusCode)
	}
}
