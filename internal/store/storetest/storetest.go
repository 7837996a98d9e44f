package storetest

import (
	"context"
	"testing"

	"github.com/rempart/rempart/internal/apikey"
	"github.com/rempart/rempart/internal/authserver"
	"github.com/rempart/rempart/internal/keys"
	"github.com/rempart/rempart/internal/users"
)

// Backend is what the suite exercises: the domain storage interfaces plus
// the lifecycle calls the application uses.
type Backend interface {
	authserver.ClientStore
	keys.Store
	apikey.Store
	users.Store
	tokenBackend // grants.go
	browserBackend
	// Ping fails when the backend is unreachable or closed (/readyz).
	Ping(ctx context.Context) error
	// Close releases the backend; every later call fails. A second Close
	// must be harmless.
	Close() error
}

// Run runs the conformance suite. open is called once per subtest and must
// return a fresh, empty backend; it registers with t.Cleanup whatever must
// be removed afterwards (files, schemas). The suite closes the backend
// itself, before those cleanups run.
func Run(t *testing.T, open func(t *testing.T) Backend) {
	t.Run("clients", func(t *testing.T) { runClients(t, open) })
	t.Run("keys", func(t *testing.T) { runKeys(t, open) })
	t.Run("apikeys", func(t *testing.T) { runAPIKeys(t, open) })
	t.Run("users", func(t *testing.T) { runUsers(t, open) })
	t.Run("grants", func(t *testing.T) { runGrants(t, open) })
	t.Run("client-revocation", func(t *testing.T) { runClientRevocation(t, open) })
	t.Run("browser", func(t *testing.T) { runBrowser(t, open) })
	t.Run("concurrency", func(t *testing.T) { runConcurrency(t, open) })
	t.Run("ping", func(t *testing.T) {
		b := fresh(t, open)
		if err := b.Ping(t.Context()); err != nil {
			t.Fatalf("Ping() = %v, want nil", err)
		}
	})
	t.Run("closed", func(t *testing.T) { runClosed(t, open) })
}

// fresh opens a backend and closes it when the test ends.
func fresh(t *testing.T, open func(t *testing.T) Backend) Backend {
	t.Helper()
	b := open(t)
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return b
}
