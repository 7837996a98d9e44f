package policy

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func mustCompile(tb testing.TB, expr string) *Program {
	tb.Helper()
	p, err := Compile(expr)
	if err != nil {
		tb.Fatalf("Compile(%q) = %v", expr, err)
	}
	return p
}

func orderRequest(id string) Request {
	return Request{
		Method:     "GET",
		Path:       "/orders/" + id,
		PathParams: map[string]string{"id": id},
		Query:      map[string][]string{"expand": {"items"}},
		Headers:    map[string]string{"accept": "application/json"},
		ClientIP:   "10.1.2.3",
	}
}

func TestAllow(t *testing.T) {
	alice := map[string]any{"sub": "alice", "scope": "orders:read profile"}
	admin := map[string]any{"sub": "root", "scope": "orders:read orders:write admin"}
	partner := map[string]any{"id": "k_1", "name": "partner"}

	const (
		bola = `token.sub == request.path_params.id`
		bfla = `request.method in ["GET", "HEAD"] || "admin" in token.scope.split(" ")`
	)
	post := orderRequest("alice")
	post.Method = "POST"

	for _, tc := range []struct {
		name    string
		expr    string
		in      Input
		want    bool
		wantErr bool
	}{
		// API1 BOLA: the object id in the path must be the caller's.
		{"ok/bola-owner", bola, Input{Token: alice, Request: orderRequest("alice")}, true, false},
		{"fail/bola-other-object", bola, Input{Token: alice, Request: orderRequest("bob")}, false, false},
		{"fail/bola-no-token", bola, Input{Request: orderRequest("alice")}, false, true},
		{"fail/bola-no-path-param", bola, Input{Token: alice, Request: Request{Method: "GET"}}, false, true},
		{"fail/bola-sub-not-string", bola, Input{Token: map[string]any{"sub": 42.0}, Request: orderRequest("42")}, false, false},
		{"fail/bola-api-key-only", bola, Input{APIKey: partner, Request: orderRequest("partner")}, false, true},
		{"ok/bola-guarded-has", `has(token.sub) && token.sub == request.path_params.id`, Input{Token: alice, Request: orderRequest("alice")}, true, false},
		{"fail/bola-guarded-has-no-token", `has(token.sub) && token.sub == request.path_params.id`, Input{Request: orderRequest("alice")}, false, false},

		// API5 BFLA: writes need the admin scope.
		{"ok/bfla-read", bfla, Input{Token: alice, Request: orderRequest("x")}, true, false},
		{"fail/bfla-write-no-scope", bfla, Input{Token: alice, Request: post}, false, false},
		{"ok/bfla-write-admin", bfla, Input{Token: admin, Request: post}, true, false},
		{"fail/bfla-write-no-token", bfla, Input{Request: post}, false, true},
		{"fail/bfla-scope-prefix-not-enough", `"admin" in token.scope.split(" ")`, Input{Token: map[string]any{"scope": "administrator"}}, false, false},
		{"ok/api-key-name", `api_key.name == "partner"`, Input{APIKey: partner}, true, false},
		{"fail/api-key-missing", `api_key.name == "partner"`, Input{Token: alice}, false, true},
		{"ok/client-ip", `request.client_ip.startsWith("10.")`, Input{Request: orderRequest("a")}, true, false},
		{"fail/client-ip", `request.client_ip.startsWith("10.")`, Input{Request: Request{ClientIP: "192.0.2.1"}}, false, false},
		{"ok/query", `"items" in request.query.expand`, Input{Request: orderRequest("a")}, true, false},
		{"ok/path", `request.path.startsWith("/orders/")`, Input{Request: orderRequest("a")}, true, false},

		// Body rules (JSON numbers are float64; CEL compares them with ints).
		{"ok/body-amount", `has(body.amount) && body.amount < 1000`, Input{Body: map[string]any{"amount": 999.5}}, true, false},
		{"fail/body-amount-too-big", `has(body.amount) && body.amount < 1000`, Input{Body: map[string]any{"amount": 1000.0}}, false, false},
		{"fail/body-absent", `has(body.amount) && body.amount < 1000`, Input{}, false, false},
		{"fail/body-amount-string", `has(body.amount) && body.amount < 1000`, Input{Body: map[string]any{"amount": "1"}}, false, true},
		{"fail/body-is-list", `has(body.amount) && body.amount < 1000`, Input{Body: []any{1.0}}, false, true},
		{"ok/body-owner", `body.owner == token.sub`, Input{Token: alice, Body: map[string]any{"owner": "alice"}}, true, false},
		{"fail/body-owner", `body.owner == token.sub`, Input{Token: alice, Body: map[string]any{"owner": "bob"}}, false, false},
		{"ok/body-items", `body.items.all(i, i.qty <= 10)`, Input{Body: map[string]any{"items": []any{map[string]any{"qty": 1.0}, map[string]any{"qty": 10.0}}}}, true, false},
		{"fail/body-items", `body.items.all(i, i.qty <= 10)`, Input{Body: map[string]any{"items": []any{map[string]any{"qty": 11.0}}}}, false, false},

		// Headers: credential headers never reach a policy (R20), even when
		// the caller put them in the map.
		{"ok/header", `request.headers["x-tenant"] == "acme"`, Input{Request: Request{Headers: map[string]string{"x-tenant": "acme"}}}, true, false},
		{"fail/header-missing", `request.headers["x-tenant"] == "acme"`, Input{}, false, true},
		{"fail/header-authorization-hidden", `request.headers.authorization == "Bearer x"`,
			Input{Request: Request{Headers: map[string]string{"authorization": "Bearer x"}}}, false, true},
		{"fail/header-authorization-hidden-any-case", `request.headers.exists(k, k.lowerAscii() == "authorization")`,
			Input{Request: Request{Headers: map[string]string{"Authorization": "Bearer x"}}}, false, false},
		{"fail/header-cookie-hidden", `"cookie" in request.headers`,
			Input{Request: Request{Headers: map[string]string{"cookie": "sid=1", "accept": "*/*"}}}, false, false},
		{"ok/header-others-kept", `request.headers.accept == "*/*"`,
			Input{Request: Request{Headers: map[string]string{"x-api-key": "k", "accept": "*/*"}}}, true, false},
		{"fail/query-access-token-hidden", `"access_token" in request.query`,
			Input{Request: Request{Query: map[string][]string{"access_token": {"t"}}}}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustCompile(t, tc.expr)
			got, err := p.Allow(t.Context(), tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Allow() error = %v, wantErr %v", err, tc.wantErr)
			}
			if err != nil && !errors.Is(err, ErrEvaluation) {
				t.Errorf("Allow() error = %v, want it to wrap ErrEvaluation", err)
			}
			if got != tc.want {
				t.Errorf("Allow() = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestAllowDoesNotMutateInput: removing credentials copies the maps.
func TestAllowDoesNotMutateInput(t *testing.T) {
	p := mustCompile(t, `true`)
	h := map[string]string{"authorization": "Bearer x", "accept": "*/*"}
	q := map[string][]string{"access_token": {"t"}}
	if ok, err := p.Allow(t.Context(), Input{Request: Request{Headers: h, Query: q}}); !ok || err != nil {
		t.Fatalf("Allow() = %v, %v, want true, nil", ok, err)
	}
	if len(h) != 2 || len(q) != 1 {
		t.Errorf("input maps changed: headers %v, query %v", h, q)
	}
}

func itemsBody(n int) map[string]any {
	items := make([]any, n)
	for i := range items {
		items[i] = 1.0
	}
	return map[string]any{"items": items}
}

func TestAllowCostLimit(t *testing.T) {
	for _, tc := range []struct {
		name    string
		expr    string
		items   int
		want    bool
		wantErr bool
	}{
		{"ok/small-list", `body.items.all(x, x == 1)`, 100, true, false},
		{"ok/small-nested", `body.items.all(x, body.items.all(y, x == y))`, 10, true, false},
		// 2,000² = 4M comparisons: stopped by the cost limit, not run.
		{"fail/nested-comprehension", `body.items.all(x, body.items.all(y, x == y))`, 2000, false, true},
		{"fail/map-filter-chain", `body.items.map(x, body.items.filter(y, y == x).size()).all(n, n > 0)`, 2000, false, true},
		{"fail/list-concat", `body.items.map(x, body.items).size() > 0`, 2000, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustCompile(t, tc.expr)
			start := time.Now()
			got, err := p.Allow(t.Context(), Input{Body: itemsBody(tc.items)})
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("Allow() = %v, %v, want %v, error %v", got, err, tc.want, tc.wantErr)
			}
			if tc.wantErr && (!errors.Is(err, ErrCostLimit) || !errors.Is(err, ErrEvaluation)) {
				t.Errorf("Allow() error = %v, want ErrCostLimit and ErrEvaluation", err)
			}
			// Generous bound: the point is that 4M iterations are not run.
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Allow() took %v", d)
			}
		})
	}
}

// cancelOnCheck is cancelled the moment Allow first asks for its error: it
// simulates a client going away after evaluation started, so only the
// interpreter's interrupt check inside a comprehension can notice it.
type cancelOnCheck struct {
	context.Context
	cancel context.CancelFunc
	once   sync.Once
}

func (c *cancelOnCheck) Err() error {
	first := false
	c.once.Do(func() { first = true })
	err := c.Context.Err()
	if first {
		c.cancel()
	}
	return err
}

func newCancelOnCheck(t *testing.T) *cancelOnCheck {
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	return &cancelOnCheck{Context: ctx, cancel: cancel}
}

func TestAllowContext(t *testing.T) {
	p := mustCompile(t, `body.items.all(x, x == 1)`)
	in := Input{Body: itemsBody(500)}

	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	expired, cancel2 := context.WithDeadline(t.Context(), time.Unix(0, 0))
	defer cancel2()

	for _, tc := range []struct {
		name    string
		ctx     context.Context
		wantErr error
	}{
		{"fail/cancelled-before", cancelled, context.Canceled},
		{"fail/deadline-exceeded", expired, context.DeadlineExceeded},
		{"fail/cancelled-during", newCancelOnCheck(t), context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := p.Allow(tc.ctx, in)
			if got || !errors.Is(err, tc.wantErr) || !errors.Is(err, ErrEvaluation) {
				t.Fatalf("Allow() = %v, %v, want false, %v", got, err, tc.wantErr)
			}
		})
	}
	t.Run("ok/live-context", func(t *testing.T) {
		if got, err := p.Allow(t.Context(), in); !got || err != nil {
			t.Fatalf("Allow() = %v, %v, want true, nil", got, err)
		}
	})
}

// TestAllowConcurrent runs one Program from many goroutines (go test -race).
func TestAllowConcurrent(t *testing.T) {
	p := mustCompile(t, `token.sub == request.path_params.id`)
	errc := make(chan error, 8)
	for i := range 8 {
		go func() {
			id := "alice"
			if i%2 == 1 {
				id = "bob"
			}
			for range 100 {
				got, err := p.Allow(context.Background(), Input{Token: map[string]any{"sub": "alice"}, Request: orderRequest(id)})
				if err != nil || got != (id == "alice") {
					errc <- errors.New("unexpected result")
					return
				}
			}
			errc <- nil
		}()
	}
	for range 8 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
}

func BenchmarkAllow(b *testing.B) {
	p := mustCompile(b, `token.sub == request.path_params.id`)
	in := Input{
		Token:   map[string]any{"sub": "alice", "scope": "orders:read", "client_id": "web"},
		Request: orderRequest("alice"),
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := p.Allow(ctx, in); !ok || err != nil {
			b.Fatalf("Allow() = %v, %v", ok, err)
		}
	}
}
