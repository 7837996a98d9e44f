package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rempart/rempart/internal/app"
	"github.com/rempart/rempart/internal/authserver"
	"github.com/rempart/rempart/internal/config"
)

// upstream is a fake API that records every request it receives.
type upstream struct {
	srv  *httptest.Server
	mu   sync.Mutex // guards reqs
	reqs []*http.Request
}

func newUpstream(t *testing.T) *upstream {
	u := &upstream{}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.reqs = append(u.reqs, r.Clone(context.Background()))
		u.mu.Unlock()
		w.Header().Set("Server", "upstream-secret-name/9.9")
		w.Header().Set("X-Powered-By", "PHP/5.1")
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *upstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.reqs)
}

func (u *upstream) last() *http.Request {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.reqs) == 0 {
		return nil
	}
	return u.reqs[len(u.reqs)-1]
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// stack is a running Rempart (all roles) with its upstream and a client
// that trusts the local CA.
type stack struct {
	app     *app.App
	cfg     *config.Config
	up      *upstream
	http    *http.Client
	issuer  string
	gateway string // https://127.0.0.1:port
	admin   string
	logs    *syncBuffer
	dataDir string
	cfgFile string
}

type syncBuffer struct {
	mu sync.Mutex // guards b
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const stackConfig = `data_dir: %q
authorization_server:
  listen: 127.0.0.1:%d
  issuer: https://127.0.0.1:%d
%s
gateway:
  listen: 127.0.0.1:%d
  apis:
    - name: orders
      path_prefix: /orders
      upstream: %s
      scopes: [orders:read]
      routes:
        - { methods: [GET], path: /orders }
        - { methods: [GET], path: "/orders/{id}" }
        - { methods: [POST], path: /orders, scopes: [orders:write] }
    - name: billing
      path_prefix: /billing
      upstream: %s
      auth: oauth2
      scopes: [billing:read]
    - name: status
      path_prefix: /status
      upstream: %s
      auth: public
admin:
  listen: 127.0.0.1:%d
# The attack tables send many bad tokens from one address: a higher jail
# threshold keeps them measuring verification, not the jail (tested in
# internal/gateway).
jail: { max_failures: 100 }
`

func startStack(t *testing.T) *stack { return startStackWith(t, "", "") }

// startStackWith starts a stack whose authorization_server section gets the
// extra YAML lines asExtra (indented two spaces) and whose gateway gets the
// extra APIs apisExtra (list items indented four spaces).
func startStackWith(t *testing.T, asExtra, apisExtra string) *stack {
	t.Helper()
	up := newUpstream(t)
	dir := t.TempDir()
	asPort, gwPort, adPort := freePort(t), freePort(t), freePort(t)
	cfgFile := filepath.Join(dir, "rempart.yaml")
	yml := fmt.Sprintf(stackConfig, filepath.Join(dir, "data"), asPort, asPort, asExtra, gwPort, up.srv.URL, up.srv.URL, up.srv.URL, adPort)
	yml = strings.Replace(yml, "\nadmin:", apisExtra+"\nadmin:", 1)
	if err := os.WriteFile(cfgFile, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgFile)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	if rep := cfg.Check(); !rep.OK() {
		t.Fatalf("config check: %v", rep.Errors)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx := context.Background()
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Shutdown(sctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	pem, err := os.ReadFile(filepath.Join(cfg.DataDir, "tls", "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("ca.pem: no certificate")
	}
	hc := &http.Client{
		Timeout:       10 * time.Second,
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &stack{
		app: a, cfg: cfg, up: up, http: hc, logs: logs, dataDir: cfg.DataDir, cfgFile: cfgFile,
		issuer:  fmt.Sprintf("https://127.0.0.1:%d", asPort),
		gateway: fmt.Sprintf("https://127.0.0.1:%d", gwPort),
		admin:   fmt.Sprintf("https://127.0.0.1:%d", adPort),
	}
}

// registerClient creates a client_credentials client and returns its id and secret.
func (s *stack) registerClient(t *testing.T, name string, scopes ...string) (string, string) {
	t.Helper()
	return s.registerClientWith(t, authserver.AuthSecretBasic, name, scopes...)
}

// registerClientWith registers a client_credentials client with authMethod.
func (s *stack) registerClientWith(t *testing.T, authMethod, name string, scopes ...string) (string, string) {
	t.Helper()
	res := s.app.Resources()
	c, secret, err := authserver.RegisterClient(context.Background(), res.Store, res.Vault, authserver.ClientSpec{
		Name: name, GrantTypes: []string{authserver.GrantClientCredentials}, Scopes: scopes, AuthMethod: authMethod,
	}, time.Now())
	if err != nil {
		t.Fatalf("RegisterClient: %v", err)
	}
	return c.ID, secret
}

// get sends a request to the gateway with an optional bearer token.
func (s *stack) do(t *testing.T, method, path, bearer string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, s.gateway+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}
