package e2e

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/rempart/rempart/internal/app"
)

const inventoryAPI = `
    - name: inventory
      path_prefix: /inventory
      upstream: %UP%
      auth: public`

// withInventory returns the stack's config file content with one more API.
func (s *stack) withInventory(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(s.cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	extra := strings.ReplaceAll(inventoryAPI, "%UP%", s.up.srv.URL)
	return strings.Replace(string(b), "\nadmin:", extra+"\nadmin:", 1)
}

func (s *stack) status(t *testing.T, path string) int {
	t.Helper()
	resp, err := s.http.Get(s.gateway + path)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestReloadUnderLoad: while clients hammer the gateway, the configuration
// is reloaded back and forth; no request fails, and each reload is visible
// (issue 4, item 10).
func TestReloadUnderLoad(t *testing.T) {
	s := startStack(t)
	id, secret := s.registerClient(t, "reload", "orders:read")
	tok := s.clientToken(t, id, secret, oauth2.AuthStyleInHeader, "orders:read").AccessToken
	base, err := os.ReadFile(s.cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	withInv := s.withInventory(t)

	ctx := context.Background()
	stop := make(chan struct{})
	var sent, failed atomic.Int64
	var firstFailure atomic.Value
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest("GET", s.gateway+"/orders/1", nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := s.http.Do(req)
				sent.Add(1)
				if err != nil {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, err.Error())
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, resp.Status)
				}
			}
		}()
	}
	for i := 0; i < 20; i++ {
		content := string(base)
		if i%2 == 0 {
			content = withInv
		}
		if err := os.WriteFile(s.cfgFile, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := s.app.ReloadFile(ctx, s.cfgFile); err != nil {
			t.Fatalf("reload %d: %v", i, err)
		}
		want := http.StatusNotFound
		if i%2 == 0 {
			want = http.StatusOK
		}
		if got := s.status(t, "/inventory/x"); got != want {
			t.Errorf("after reload %d: /inventory status %d, want %d", i, got, want)
		}
	}
	close(stop)
	wg.Wait()
	if sent.Load() < 20 {
		t.Fatalf("only %d requests were sent during the reloads", sent.Load())
	}
	if n := failed.Load(); n != 0 {
		t.Errorf("%d of %d requests failed during reloads (first: %v)", n, sent.Load(), firstFailure.Load())
	}
}

// TestReloadRefusals: an invalid file or a change that needs a restart is
// refused with its key path, and the running configuration keeps serving.
func TestReloadRefusals(t *testing.T) {
	s := startStack(t)
	base, _ := os.ReadFile(s.cfgFile)
	ctx := context.Background()
	for _, tc := range []struct {
		name, content, want string
	}{
		{"fail/unknown-key", strings.Replace(string(base), "upstream:", "upstrem:", 1), "gateway.apis[0].upstrem"},
		{"fail/invalid-value", strings.Replace(string(base), "path_prefix: /orders", "path_prefix: orders", 1), "gateway.apis[0].path_prefix"},
		{"fail/listen-changed", strings.Replace(string(base), s.gateway[len("https://"):], "127.0.0.1:1", 1), "gateway listener"},
		{"fail/issuer-changed", strings.Replace(string(base), "issuer: https://127.0.0.1", "issuer: https://localhost", 1), "authorization_server.issuer"},
		{"fail/access-ttl-changed", strings.Replace(string(base), "authorization_server:\n", "authorization_server:\n  access_token: { ttl: 10m }\n", 1), "authorization_server.access_token.ttl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(s.cfgFile, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			err := s.app.ReloadFile(ctx, s.cfgFile)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ReloadFile = %v, want an error naming %s", err, tc.want)
			}
			if got := s.status(t, "/status"); got != http.StatusOK {
				t.Errorf("after a refused reload the gateway answers %d", got)
			}
		})
	}
}

// TestWatchConfig: a changed file is picked up by the watcher.
func TestWatchConfig(t *testing.T) {
	s := startStack(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	loaded, err := app.FileSum(s.cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { s.app.WatchConfig(ctx, s.cfgFile, loaded, 20*time.Millisecond, nil); close(done) }()
	if err := os.WriteFile(s.cfgFile, []byte(s.withInventory(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.status(t, "/inventory/x") != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("the watcher did not apply the changed file")
		}
		time.Sleep(20 * time.Millisecond) // polling for the watcher, not for logic
	}
	cancel()
	<-done
}

// TestTokenEndpointRateLimit: authorization_server.rate_limit (R11).
func TestTokenEndpointRateLimit(t *testing.T) {
	s := startStackWith(t, "  rate_limit: { requests: 3, per: 1m, by: ip }", "")
	id, secret := s.registerClient(t, "limited", "orders:read")
	tokenURL, _ := s.discovery(t)["token_endpoint"].(string)
	var last *http.Response
	for i := 0; i < 4; i++ {
		req, _ := http.NewRequest("POST", tokenURL, strings.NewReader("grant_type=client_credentials"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(id, secret)
		resp, err := s.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if i < 3 && resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: status %d", i+1, resp.StatusCode)
		}
		last = resp
	}
	if last.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("4th request: status %d, want 429", last.StatusCode)
	}
	for _, h := range []string{"Retry-After", "RateLimit", "RateLimit-Policy"} {
		if last.Header.Get(h) == "" {
			t.Errorf("429 lacks %s", h)
		}
	}
	if last.Header.Get("Cache-Control") != "no-store" {
		t.Error("429 lacks Cache-Control: no-store")
	}
	// Introspection has its own buckets under the same limit.
	for i := 0; i < 4; i++ {
		code, _ := s.postForm(t, "/introspect", id, secret, url.Values{"token": {"x"}})
		if want := 200; i == 3 {
			if code != http.StatusTooManyRequests {
				t.Errorf("4th introspection: %d, want 429", code)
			}
		} else if code != want {
			t.Errorf("introspection %d: %d, want %d", i+1, code, want)
		}
	}
}
