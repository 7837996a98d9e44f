package authserver

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestClientAuthJail(t *testing.T) {
	// R3, contract "Jail": 5 bad client secrets jail the client id and the
	// address; the 6th request, with the right secret, gets 429 with
	// Retry-After and an OAuth JSON error; after the ban, it works again.
	e := newLifecycleEnv(t, lcOptions{withJail: true})
	id, secret := e.register(t, ClientSpec{Name: "svc", GrantTypes: []string{GrantClientCredentials}, Scopes: []string{"orders:read"}})
	cc := form("grant_type", GrantClientCredentials)
	for i := range 5 {
		resp, tb, _ := e.post(t, "/token", id, "bad-secret-"+strconv.Itoa(i), cc)
		if resp.StatusCode != 401 || tb.Error != "invalid_client" {
			t.Fatalf("bad secret #%d: status %d %q", i, resp.StatusCode, tb.Error)
		}
	}
	for _, path := range []string{"/token", "/introspect", "/revoke"} {
		resp, tb, raw := e.post(t, path, id, secret, form("grant_type", GrantClientCredentials, "token", "x"))
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("%s with the right secret while jailed: status %d: %s", path, resp.StatusCode, raw)
		}
		ra, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		if err != nil || ra < 1 || ra > int((15*time.Minute).Seconds()) {
			t.Errorf("%s: Retry-After %q", path, resp.Header.Get("Retry-After"))
		}
		if tb.Error == "" || resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: not an OAuth JSON error: %s", path, raw)
		}
	}
	// The address is jailed too: another client from it is refused.
	other, otherSecret := e.register(t, ClientSpec{Name: "svc2", GrantTypes: []string{GrantClientCredentials}, Scopes: []string{"orders:read"}})
	if resp, _, _ := e.post(t, "/token", other, otherSecret, cc); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("other client from the jailed address: status %d", resp.StatusCode)
	}

	e.setNow(t0.Add(14 * time.Minute))
	if resp, _, _ := e.post(t, "/token", id, secret, cc); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("before the ban ends: status %d", resp.StatusCode)
	}
	e.setNow(t0.Add(16 * time.Minute))
	if resp, _, raw := e.post(t, "/token", id, secret, cc); resp.StatusCode != 200 {
		t.Fatalf("after the ban: status %d: %s", resp.StatusCode, raw)
	}

	var kinds []string
	for _, line := range strings.Split(e.logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil || rec["msg"] != "jail.entered" {
			continue
		}
		kinds = append(kinds, rec["key_kind"].(string))
		if strings.Contains(line, "bad-secret") || strings.Contains(line, secret) {
			t.Error("a secret appears in a jail log line")
		}
	}
	if strings.Join(kinds, ",") != "client,ip" && strings.Join(kinds, ",") != "ip,client" {
		t.Errorf("jail.entered kinds = %v, want client and ip once each", kinds)
	}
}

func TestClientAuthNoJail(t *testing.T) {
	// Without a jail (Deps.Jail nil), failures are not counted.
	e := newLifecycleEnv(t, lcOptions{})
	id, secret := e.register(t, ClientSpec{Name: "svc", GrantTypes: []string{GrantClientCredentials}, Scopes: []string{"orders:read"}})
	for range 6 {
		e.post(t, "/token", id, "bad", form("grant_type", GrantClientCredentials))
	}
	if resp, _, _ := e.post(t, "/token", id, secret, form("grant_type", GrantClientCredentials)); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

func TestClientAddr(t *testing.T) {
	for _, tc := range []struct{ remote, want string }{
		{"192.0.2.1:1234", "192.0.2.1"},
		{"[2001:db8::1]:443", "2001:db8::1"},
		{"[::ffff:192.0.2.1]:443", "192.0.2.1"},
		{"pipe", "pipe"},
	} {
		r, _ := http.NewRequest(http.MethodPost, "/token", nil)
		r.RemoteAddr = tc.remote
		if got := clientAddr(r); got != tc.want {
			t.Errorf("clientAddr(%q) = %q, want %q", tc.remote, got, tc.want)
		}
	}
}
