package gateway

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
)

// TestJail is item 7 (R3) through real HTTP: invalid or forged tokens and
// wrong API keys count toward the jail per client address and per
// principal; a jailed address or principal gets 429 with Retry-After even
// with valid credentials; jail.entered is logged with the request id.
// Client addresses are varied through X-Forwarded-For from a trusted peer.
func TestJail(t *testing.T) {
	f := newFixture(t)
	forged := bearer(f.token(t, f.claims("", "orders"))[:100] + "x.y")
	otherKey := newKey(t)
	foreign := func() http.Header { // well-formed, signed by an unknown key
		return bearer(joseToken(t, otherKey, "at-1", "at+jwt", false, nil, f.claims("", "orders")))
	}
	valid := bearer(f.token(t, f.claims("", "orders")))
	c9 := f.claims("", "other")
	c9.ClientID = "client-9"
	wrongAud9 := bearer(f.token(t, c9))
	c9ok := f.claims("", "orders")
	c9ok.ClientID = "client-9"
	valid9 := bearer(f.token(t, c9ok))
	expiredClaims := f.claims("", "orders")
	expiredClaims.Expiry = jwt.NewNumericDate(f.clock.Now().Add(-time.Hour))
	expiredClaims.IssuedAt = jwt.NewNumericDate(f.clock.Now().Add(-2 * time.Hour))
	expired := bearer(f.token(t, expiredClaims))

	cases := []struct {
		name  string
		steps []jailStep
		key   string // the key jail.entered must name on the last failure
	}{
		{"fail/forged-tokens-jail-the-address", []jailStep{
			{"203.0.113.1", "/orders/1", forged, 401},
			{"203.0.113.1", "/orders/1", foreign(), 401},
			{"203.0.113.1", "/orders/1", forged, 401},
			{"203.0.113.1", "/orders/1", valid, 429}, // even with a valid token
			{"203.0.113.1", "/pub/x", nil, 429},      // on every API
			{"203.0.113.2", "/orders/1", valid, 200}, // another address is free
		}, "ip:203.0.113.1"},
		{"fail/wrong-audience-jails-the-client", []jailStep{
			{"198.51.100.1", "/orders/1", wrongAud9, 401},
			{"198.51.100.2", "/orders/1", wrongAud9, 401},
			{"198.51.100.3", "/orders/1", wrongAud9, 401},
			{"198.51.100.4", "/orders/1", valid9, 429}, // the principal, from a fresh address
			{"198.51.100.4", "/orders/1", valid, 200},  // another client from that address
		}, "client:client-9"},
		{"ok/expired-and-missing-do-not-count", []jailStep{
			{"192.0.2.10", "/orders/1", expired, 401},
			{"192.0.2.10", "/orders/1", expired, 401},
			{"192.0.2.10", "/orders/1", nil, 401},
			{"192.0.2.10", "/orders/1", hdr("Authorization", ""), 401},
			{"192.0.2.10", "/orders/1", expired, 401},
			{"192.0.2.10", "/orders/1", valid, 200},
		}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := f.deps()
			d.Jail = f.newJail()
			_, srv := f.serve(t, Config{TrustedProxies: []string{"127.0.0.1"}, APIs: []API{
				{Name: "orders", PathPrefix: "/orders", Upstream: f.up.url(t, ""), Auth: AuthOAuth2},
				{Name: "other", PathPrefix: "/other", Upstream: f.up.url(t, ""), Auth: AuthOAuth2},
				{Name: "pub", PathPrefix: "/pub", Upstream: f.up.url(t, ""), Auth: AuthPublic},
			}}, d, false)
			runJailSteps(t, f, srv, tc.steps, tc.key)
		})
	}
}

// TestJailAPIKeys checks that unknown keys jail the address and a key used
// on an API it does not name jails the key itself.
func TestJailAPIKeys(t *testing.T) {
	f := newFixture(t)
	d, st := f.withKeys(f.deps())
	d.Jail = f.newJail()
	_, srv := f.serve(t, Config{TrustedProxies: []string{"127.0.0.1/32"}, APIs: []API{
		{Name: "catalog", PathPrefix: "/catalog", Upstream: f.up.url(t, ""), Auth: AuthAPIKey},
		{Name: "admin", PathPrefix: "/admin", Upstream: f.up.url(t, ""), Auth: AuthAPIKey},
	}}, d, false)
	k, raw := issue(t, st, f.clock.Now(), "catalog-app", "catalog")
	unknown := hdr("X-API-Key", "rpk_"+strings.Repeat("Q", 43))
	key := hdr("X-API-Key", raw)
	t.Run("fail/unknown-keys-jail-the-address", func(t *testing.T) {
		runJailSteps(t, f, srv, []jailStep{
			{"203.0.113.7", "/catalog/x", unknown, 401},
			{"203.0.113.7", "/catalog/x", hdr("X-API-Key", "garbage"), 401},
			{"203.0.113.7", "/catalog/x", unknown, 401},
			{"203.0.113.7", "/catalog/x", key, 429},
		}, "ip:203.0.113.7")
	})
	t.Run("fail/wrong-api-jails-the-key", func(t *testing.T) {
		runJailSteps(t, f, srv, []jailStep{
			{"203.0.113.8", "/admin/x", key, 401},
			{"203.0.113.9", "/admin/x", key, 401},
			{"203.0.113.10", "/admin/x", key, 401},
			{"203.0.113.11", "/catalog/x", key, 429}, // its own API, a fresh address
		}, "apikey:"+k.ID)
	})
	t.Run("ok/ban-ends", func(t *testing.T) {
		f.clock.Add(10*time.Minute + time.Second)
		runJailSteps(t, f, srv, []jailStep{{"203.0.113.7", "/catalog/x", key, 200}}, "")
	})
}

// jailStep is one request of a jail scenario, from the client address ip.
type jailStep struct {
	ip     string
	path   string
	header http.Header
	status int
}

// runJailSteps sends each step from its address and checks the status,
// Retry-After on 429, and that the last failure logged jail.entered for
// wantKey with its request id.
func runJailSteps(t *testing.T, f *fixture, srv *httptest.Server, steps []jailStep, wantKey string) {
	t.Helper()
	var lastFailureID string
	for i, s := range steps {
		h := s.header.Clone()
		if h == nil {
			h = http.Header{}
		}
		h.Set("X-Forwarded-For", s.ip)
		res, body := send(t, srv, "GET", s.path, h, "")
		_, hits := f.up.received()
		if res.StatusCode != s.status {
			t.Fatalf("step %d (%s %s): status %d, want %d (body %s)", i, s.ip, s.path, res.StatusCode, s.status, body)
		}
		switch s.status {
		case 429:
			checkProblem(t, res, body, 429)
			if ra := res.Header.Get("Retry-After"); ra != "600" {
				t.Errorf("step %d: Retry-After = %q, want 600", i, ra)
			}
			if hits != 0 {
				t.Errorf("step %d: a jailed request reached the upstream", i)
			}
		case 401:
			lastFailureID = res.Header.Get("X-Request-ID")
		}
	}
	logs := f.logs.String()
	if wantKey == "" {
		return
	}
	found := false
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "msg=jail.entered") && strings.Contains(line, "key="+wantKey) &&
			strings.Contains(line, "request_id="+lastFailureID) {
			found = true
		}
	}
	if !found {
		t.Errorf("no jail.entered line for %s with request_id %s in:\n%s", wantKey, lastFailureID, logs)
	}
}
