package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rempart/rempart/internal/metrics"
	"github.com/rempart/rempart/internal/web"
)

const canary = "dsn-password-CANARY"

// syncBuffer is a log sink safe for concurrent checks.
type syncBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
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

func do(t *testing.T, h http.Handler, method, path string) (*http.Response, string) {
	t.Helper()
	s := httptest.NewServer(h)
	defer s.Close()
	req, err := http.NewRequest(method, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func ok(context.Context) error { return nil }

func TestRoutes(t *testing.T) {
	m := metrics.New()
	h := New(Deps{Checks: []Check{{"store", ok}}, Metrics: m})
	tests := []struct {
		name       string
		method     string
		path       string
		wantStatus int
		wantType   string
		wantBody   string // exact JSON, or "" to skip
		wantAllow  string
	}{
		{name: "ok/healthz", method: "GET", path: "/healthz", wantStatus: 200, wantType: "application/json", wantBody: `{"status":"ok"}`},
		{name: "ok/healthz-head", method: "HEAD", path: "/healthz", wantStatus: 200},
		{name: "ok/readyz", method: "GET", path: "/readyz", wantStatus: 200, wantType: "application/json", wantBody: `{"status":"ready","checks":{"store":"ok"}}`},
		{name: "ok/metrics", method: "GET", path: "/metrics", wantStatus: 200, wantType: "text/plain"},
		{name: "fail/unknown-path", method: "GET", path: "/nope", wantStatus: 404, wantType: "application/problem+json"},
		{name: "fail/root", method: "GET", path: "/", wantStatus: 404, wantType: "application/problem+json"},
		{name: "fail/trailing-slash", method: "GET", path: "/healthz/", wantStatus: 404, wantType: "application/problem+json"},
		{name: "fail/post-healthz", method: "POST", path: "/healthz", wantStatus: 405, wantType: "application/problem+json", wantAllow: "GET, HEAD"},
		{name: "fail/delete-readyz", method: "DELETE", path: "/readyz", wantStatus: 405, wantType: "application/problem+json", wantAllow: "GET, HEAD"},
		{name: "fail/put-metrics", method: "PUT", path: "/metrics", wantStatus: 405, wantType: "application/problem+json", wantAllow: "GET, HEAD"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, h, tc.method, tc.path)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("%s %s = %d, want %d (body %s)", tc.method, tc.path, resp.StatusCode, tc.wantStatus, body)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
			if ct := resp.Header.Get("Content-Type"); tc.wantType != "" && !strings.HasPrefix(ct, tc.wantType) {
				t.Errorf("Content-Type = %q, want %s", ct, tc.wantType)
			}
			if tc.wantBody != "" && strings.TrimSpace(body) != tc.wantBody {
				t.Errorf("body = %s, want %s", body, tc.wantBody)
			}
			if got := resp.Header.Get("Allow"); got != tc.wantAllow {
				t.Errorf("Allow = %q, want %q", got, tc.wantAllow)
			}
			if tc.wantType == "application/problem+json" {
				var p web.Problem
				if err := json.Unmarshal([]byte(body), &p); err != nil || p.Status != tc.wantStatus {
					t.Errorf("problem body %s (err %v), want status %d", body, err, tc.wantStatus)
				}
			}
		})
	}
}

func TestReadyz(t *testing.T) {
	// blockForever ignores its context: /readyz must still answer.
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	blockForever := func(context.Context) error { <-release; return nil }
	waitCtx := func(ctx context.Context) error { <-ctx.Done(); return fmt.Errorf("ping %s: %w", canary, ctx.Err()) }
	failing := func(context.Context) error {
		return fmt.Errorf("connect postgres://admin:%s@db.internal:5432: refused", canary)
	}
	degraded := func(context.Context) error { return fmt.Errorf("redis %s down: %w", canary, ErrDegraded) }
	panicking := func(context.Context) error { panic("boom " + canary) }

	// barrier: each of the two checks waits for the other to start, so they
	// pass only if /readyz runs checks concurrently.
	var started sync.WaitGroup
	started.Add(2)
	barrier := func(ctx context.Context) error {
		started.Done()
		done := make(chan struct{})
		go func() { started.Wait(); close(done) }()
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}

	tests := []struct {
		name       string
		checks     []Check
		timeout    time.Duration
		wantStatus int
		wantBody   string
		wantLog    []string // substrings of the log
	}{
		{name: "ok/no-checks", wantStatus: 200, wantBody: `{"status":"ready","checks":{}}`},
		{name: "ok/all-ok", checks: []Check{{"store", ok}, {"keys", ok}}, wantStatus: 200, wantBody: `{"status":"ready","checks":{"keys":"ok","store":"ok"}}`},
		{name: "ok/degraded-stays-ready", checks: []Check{{"store", ok}, {"redis", degraded}}, wantStatus: 200,
			wantBody: `{"status":"ready","checks":{"redis":"degraded","store":"ok"}}`, wantLog: []string{`"check":"redis"`, canary}},
		{name: "ok/concurrent", checks: []Check{{"a", barrier}, {"b", barrier}}, timeout: 5 * time.Second, wantStatus: 200,
			wantBody: `{"status":"ready","checks":{"a":"ok","b":"ok"}}`},
		{name: "fail/error-not-leaked", checks: []Check{{"store", failing}, {"keys", ok}}, wantStatus: 503,
			wantBody: `{"status":"not_ready","checks":{"keys":"ok","store":"unavailable"}}`, wantLog: []string{`"check":"store"`, canary}},
		{name: "fail/timeout-context-aware", checks: []Check{{"store", waitCtx}}, timeout: 50 * time.Millisecond, wantStatus: 503,
			wantBody: `{"status":"not_ready","checks":{"store":"unavailable"}}`, wantLog: []string{`"check":"store"`, "deadline exceeded"}},
		{name: "fail/timeout-ignores-context", checks: []Check{{"keys", blockForever}, {"store", ok}}, timeout: 50 * time.Millisecond, wantStatus: 503,
			wantBody: `{"status":"not_ready","checks":{"keys":"unavailable","store":"ok"}}`, wantLog: []string{`"check":"keys"`}},
		{name: "fail/panic", checks: []Check{{"store", panicking}}, wantStatus: 503,
			wantBody: `{"status":"not_ready","checks":{"store":"unavailable"}}`, wantLog: []string{"panicked", canary}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs syncBuffer
			h := New(Deps{Checks: tc.checks, CheckTimeout: tc.timeout, Log: slog.New(slog.NewJSONHandler(&logs, nil))})
			start := time.Now()
			resp, body := do(t, h, "GET", "/readyz")
			if elapsed := time.Since(start); elapsed > DefaultCheckTimeout {
				t.Errorf("took %v: /readyz waited past the check timeout", elapsed)
			}
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if got := strings.TrimSpace(body); got != tc.wantBody {
				t.Errorf("body = %s, want %s", got, tc.wantBody)
			}
			if strings.Contains(body, canary) || strings.Contains(body, "db.internal") {
				t.Errorf("body leaks the check error (R19): %s", body)
			}
			for _, want := range tc.wantLog {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("log lacks %q:\n%s", want, logs.String())
				}
			}
			if len(tc.wantLog) == 0 && logs.String() != "" {
				t.Errorf("unexpected log:\n%s", logs.String())
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	tests := []struct {
		name       string
		metrics    bool
		observe    bool
		wantStatus int
		want       []string
	}{
		{name: "ok/exposes-requests", metrics: true, observe: true, wantStatus: 200,
			want: []string{`rempart_http_requests_total{code="200",role="gateway",route="orders"} 1`, "go_goroutines"}},
		{name: "fail/no-metrics-no-route", wantStatus: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m *metrics.Metrics
			if tc.metrics {
				m = metrics.New()
			}
			if tc.observe {
				m.ObserveRequest("gateway", "orders", 200, time.Millisecond)
			}
			resp, body := do(t, New(Deps{Metrics: m}), "GET", "/metrics")
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("/metrics lacks %q", w)
				}
			}
		})
	}
}

// TestObserved runs the handler the way the app does, inside web.Observe.
func TestObserved(t *testing.T) {
	m := metrics.New()
	h := web.Observe("admin", nil, m, false, New(Deps{Metrics: m}))
	resp, body := do(t, h, "GET", "/unknown")
	if resp.StatusCode != 404 {
		t.Fatalf("status = %d, want 404", resp.StatusCode)
	}
	var p web.Problem
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatal(err)
	}
	if id := resp.Header.Get("X-Request-ID"); id == "" || p.RequestID != id {
		t.Errorf("problem request_id %q, header %q: want equal and set", p.RequestID, id)
	}
	if _, body := do(t, h, "GET", "/healthz"); !strings.Contains(body, "ok") {
		t.Fatalf("healthz body %s", body)
	}
	_, body = do(t, h, "GET", "/metrics")
	if want := `rempart_http_requests_total{code="200",role="admin",route="GET /healthz"} 1`; !strings.Contains(body, want) {
		t.Errorf("/metrics lacks %s", want)
	}
}

func TestNewRejectsBadChecks(t *testing.T) {
	tests := []struct {
		name   string
		checks []Check
	}{
		{"fail/duplicate", []Check{{"store", ok}, {"store", ok}}},
		{"fail/no-name", []Check{{"", ok}}},
		{"fail/no-func", []Check{{"store", nil}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("New did not panic")
				}
			}()
			New(Deps{Checks: tc.checks})
		})
	}
}
