package gateway

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAPIKeys is item 1 of the protection pipeline (A1) through real HTTP:
// keys from X-API-Key or Authorization: ApiKey only, valid only for the
// APIs they name, revocation effective within 1 s (D1), never forwarded.
func TestAPIKeys(t *testing.T) {
	f := newFixture(t)
	d, st := f.withKeys(f.deps())
	cfg := Config{APIs: []API{
		{Name: "catalog", PathPrefix: "/catalog", Upstream: f.up.url(t, ""), Auth: AuthAPIKey},
		{Name: "partners", PathPrefix: "/partners", Upstream: f.up.url(t, ""), Auth: AuthAPIKey},
		{Name: "mixed", PathPrefix: "/mixed", Upstream: f.up.url(t, ""), Auth: AuthPublic, Routes: []Route{
			{Methods: []string{"GET"}, Path: "/mixed/open"},
			{Methods: []string{"GET"}, Path: "/mixed/keyed", Auth: AuthAPIKey},
		}},
	}}
	_, srv := f.serve(t, cfg, d, false)
	key, raw := issue(t, st, f.clock.Now(), "shop-frontend", "catalog", "mixed")
	_, other := issue(t, st, f.clock.Now(), "partner", "partners")
	revoked, revokedRaw := issue(t, st, f.clock.Now(), "old", "catalog")
	if err := st.RevokeAPIKey(t.Context(), revoked.ID, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	malformed := "rpk_" + strings.Repeat("A", 10)

	cases := []struct {
		name, path string
		header     http.Header
		status     int
		reason     string
	}{
		{"ok/x-api-key", "/catalog/items", hdr("X-API-Key", raw), 200, ""},
		{"ok/authorization-apikey", "/catalog/items", hdr("Authorization", "ApiKey "+raw), 200, ""},
		{"ok/authorization-scheme-case", "/catalog/items", hdr("Authorization", "apikey "+raw), 200, ""},
		{"ok/route-level-api-key", "/mixed/keyed", hdr("X-API-Key", raw), 200, ""},
		{"ok/public-route-beside", "/mixed/open", nil, 200, ""},
		{"fail/missing", "/catalog/items", nil, 401, "missing"},
		{"fail/route-level-missing", "/mixed/keyed", nil, 401, "missing"},
		{"fail/unknown", "/catalog/items", hdr("X-API-Key", "rpk_"+strings.Repeat("Q", 43)), 401, "unknown"},
		{"fail/malformed", "/catalog/items", hdr("X-API-Key", malformed), 401, "malformed"},
		{"fail/revoked", "/catalog/items", hdr("X-API-Key", revokedRaw), 401, "revoked"},
		{"fail/other-api", "/catalog/items", hdr("X-API-Key", other), 401, "wrong_api"},
		{"fail/key-for-catalog-on-partners", "/partners/x", hdr("X-API-Key", raw), 401, "wrong_api"},
		{"fail/ambiguous", "/catalog/items", hdr("X-API-Key", raw, "Authorization", "ApiKey "+raw), 401, "ambiguous"},
		{"fail/bearer-is-not-a-key", "/catalog/items", hdr("Authorization", "Bearer "+raw), 401, "missing"},
		{"fail/in-query", "/catalog/items?api_key=" + raw, nil, 400, "credential_in_query"},
		{"fail/in-query-x-api-key", "/catalog/items?x-api-key=" + raw, nil, 400, "credential_in_query"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := authFailures(t, f.metrics, tc.reason)
			res, body := send(t, srv, "GET", tc.path, tc.header, "")
			got, hits := f.up.received()
			if tc.status != 200 {
				checkProblem(t, res, body, tc.status)
				if hits != 0 {
					t.Errorf("upstream reached on a refusal")
				}
				if tc.status == 401 && res.Header.Get("WWW-Authenticate") != `ApiKey realm="rempart"` {
					t.Errorf("WWW-Authenticate = %q", res.Header.Get("WWW-Authenticate"))
				}
				if after := authFailures(t, f.metrics, tc.reason); after != before+1 {
					t.Errorf("auth failures{reason=%q} = %v, want %v", tc.reason, after, before+1)
				}
				return
			}
			if res.StatusCode != 200 || hits != 1 {
				t.Fatalf("status %d, hits %d (body %s)", res.StatusCode, hits, body)
			}
			if got.Header.Get("X-Api-Key") != "" || got.Header.Get("Authorization") != "" {
				t.Errorf("the key was forwarded upstream")
			}
			if strings.HasPrefix(tc.path, "/mixed/open") {
				if got.Header.Get("Rempart-Identity") != "" {
					t.Errorf("Rempart-Identity on a public route")
				}
				return
			}
			ic, err := f.idVerifier.VerifyIdentity(got.Header.Get("Rempart-Identity"), strings.Split(tc.path, "/")[1])
			if err != nil {
				t.Fatalf("Rempart-Identity: %v", err)
			}
			if ic.Subject != key.ID || ic.ClientID != "" || ic.Scope != "" {
				t.Errorf("identity sub=%q client_id=%q scope=%q, want sub = the key id", ic.Subject, ic.ClientID, ic.Scope)
			}
		})
	}
	if strings.Contains(f.logs.String(), raw) || strings.Contains(f.logs.String(), other) {
		t.Errorf("an API key reached the log")
	}

	t.Run("ok/revocation-within-one-second", func(t *testing.T) {
		_, k := issue(t, st, f.clock.Now(), "short-lived", "catalog")
		if res, _ := send(t, srv, "GET", "/catalog/x", hdr("X-API-Key", k), ""); res.StatusCode != 200 {
			t.Fatalf("status %d before revocation", res.StatusCode)
		}
		keys, _ := st.ListAPIKeys(t.Context())
		if err := st.RevokeAPIKey(t.Context(), keys[len(keys)-1].ID, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(time.Second) // D1: the cached answer lives at most 1 s
		if res, _ := send(t, srv, "GET", "/catalog/x", hdr("X-API-Key", k), ""); res.StatusCode != 401 {
			t.Errorf("status %d one second after revocation, want 401", res.StatusCode)
		}
	})
	t.Run("fail/store-down-fails-closed", func(t *testing.T) {
		f.clock.Add(2 * time.Second)
		st.fail(errors.New("database is down"))
		defer st.fail(nil)
		res, body := send(t, srv, "GET", "/catalog/x", hdr("X-API-Key", raw), "")
		checkProblem(t, res, body, http.StatusServiceUnavailable)
		if strings.Contains(string(body), "database") {
			t.Errorf("store error leaked: %s", body)
		}
	})
}

// TestAPIKeyIdentityReused checks that an API key's Rempart-Identity is
// signed once and reused, like a token's.
func TestAPIKeyIdentityReused(t *testing.T) {
	f := newFixture(t)
	d, st := f.withKeys(f.deps())
	_, srv := f.serve(t, Config{APIs: []API{{Name: "catalog", PathPrefix: "/catalog", Upstream: f.up.url(t, ""), Auth: AuthAPIKey}}}, d, false)
	_, raw := issue(t, st, f.clock.Now(), "app", "catalog")
	var ids []string
	for range 2 {
		send(t, srv, "GET", "/catalog/x", hdr("X-API-Key", raw), "")
		got, _ := f.up.received()
		ids = append(ids, got.Header.Get("Rempart-Identity"))
	}
	if ids[0] == "" || ids[0] != ids[1] {
		t.Errorf("identity not reused across requests of one key")
	}
}
