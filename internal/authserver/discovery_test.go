package authserver

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func getJSON(t *testing.T, e *testEnv, url string) (*http.Response, map[string]any) {
	t.Helper()
	resp, err := e.srv.Client().Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp, doc
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestDiscovery(t *testing.T) {
	for _, path := range []string{"", "/tenant/a"} {
		e := newTestEnv(t, path)
		docs := []struct {
			name, url string
			oidc      bool
		}{
			{"ok/rfc8414" + path, e.issuer + "/.well-known/oauth-authorization-server", false},
			{"ok/oidc" + path, e.issuer + "/.well-known/openid-configuration", true},
		}
		if path != "" {
			// RFC 8414 §3.1: well-known segment inserted before the path.
			host := strings.TrimSuffix(e.issuer, path)
			docs = append(docs, struct {
				name, url string
				oidc      bool
			}{"ok/rfc8414-inserted" + path, host + "/.well-known/oauth-authorization-server" + path, false})
		}
		for _, d := range docs {
			t.Run(d.name, func(t *testing.T) {
				resp, doc := getJSON(t, e, d.url)
				if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
					t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
				}
				if got := resp.Header.Get("Cache-Control"); got != "public, max-age=300" {
					t.Errorf("Cache-Control = %q", got)
				}
				want := map[string]any{
					"issuer":                                e.issuer,
					"token_endpoint":                        e.issuer + "/token",
					"jwks_uri":                              e.issuer + "/jwks",
					"scopes_supported":                      []string{"billing:read", "orders:read", "orders:write"},
					"response_types_supported":              []string(nil),
					"grant_types_supported":                 []string{"client_credentials", "refresh_token"},
					"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "private_key_jwt"},
					// Token lifecycle: introspection (RFC 7662), revocation (RFC 7009), private_key_jwt.
					"token_endpoint_auth_signing_alg_values_supported":         []string{"ES256", "PS256", "RS256"},
					"introspection_endpoint":                                   e.issuer + "/introspect",
					"introspection_endpoint_auth_methods_supported":            []string{"client_secret_basic", "client_secret_post", "private_key_jwt"},
					"introspection_endpoint_auth_signing_alg_values_supported": []string{"ES256", "PS256", "RS256"},
					"revocation_endpoint":                                      e.issuer + "/revoke",
					"revocation_endpoint_auth_methods_supported":               []string{"client_secret_basic", "client_secret_post", "private_key_jwt"},
					"revocation_endpoint_auth_signing_alg_values_supported":    []string{"ES256", "PS256", "RS256"},
				}
				if d.oidc {
					want["subject_types_supported"] = []string{"public"}
					want["id_token_signing_alg_values_supported"] = []string{"ES256"}
				}
				if len(doc) != len(want) {
					t.Errorf("members = %v, want %d members", doc, len(want))
				}
				for k, w := range want {
					got, ok := doc[k]
					if !ok {
						t.Errorf("member %q missing", k)
						continue
					}
					switch w := w.(type) {
					case string:
						if got != w {
							t.Errorf("%s = %v, want %q", k, got, w)
						}
					case []string:
						if !slices.Equal(strs(got), w) {
							t.Errorf("%s = %v, want %q", k, got, w)
						}
					}
				}
				for _, unsupported := range []string{"password", "implicit", "authorization_code", "token"} {
					if slices.Contains(strs(doc["grant_types_supported"]), unsupported) || slices.Contains(strs(doc["response_types_supported"]), unsupported) {
						t.Errorf("advertises unsupported %q", unsupported)
					}
				}
				// Every endpoint advertised is served.
				for _, k := range []string{"token_endpoint", "jwks_uri", "introspection_endpoint", "revocation_endpoint"} {
					if !strings.HasPrefix(doc[k].(string), e.issuer+"/") {
						t.Errorf("%s not under the issuer", k)
					}
				}
			})
		}
		t.Run("ok/jwks"+path, func(t *testing.T) {
			resp, err := e.srv.Client().Get(e.issuer + "/jwks")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || string(b) != string(e.keys.jwks) {
				t.Errorf("status %d body %s", resp.StatusCode, b)
			}
			if got := resp.Header.Get("Content-Type"); got != "application/jwk-set+json" {
				t.Errorf("Content-Type = %q", got)
			}
			if got := resp.Header.Get("Cache-Control"); got != "public, max-age=300" {
				t.Errorf("Cache-Control = %q", got)
			}
		})
		t.Run("fail/unknown-path"+path, func(t *testing.T) {
			resp, err := e.srv.Client().Get(e.issuer + "/authorize")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		})
	}
}

func TestJWKSUnavailable(t *testing.T) {
	s, err := New(Config{Issuer: "https://as.example"}, Deps{Clients: newMemStore(), Keys: &testKeys{}, Hasher: testHasher(t)})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/jwks", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", rec.Code)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := Config{Issuer: "https://as.example", APIs: testAPIs}
	tests := []struct {
		name   string
		mutate func(*Config)
		ok     bool
	}{
		{"ok/basic", func(*Config) {}, true},
		{"ok/trailing-slash", func(c *Config) { c.Issuer = "https://as.example/" }, true},
		{"ok/path", func(c *Config) { c.Issuer = "https://as.example/t/a_b-c.d~" }, true},
		{"ok/ttl", func(c *Config) { c.AccessTokenTTL = time.Minute }, true},
		{"ok/no-resource", func(c *Config) { c.APIs = []API{{Name: "x", Scopes: []string{"x"}}} }, true},
		{"fail/empty-issuer", func(c *Config) { c.Issuer = "" }, false},
		{"fail/relative-issuer", func(c *Config) { c.Issuer = "/as" }, false},
		{"fail/ftp-issuer", func(c *Config) { c.Issuer = "ftp://as.example" }, false},
		{"fail/issuer-query", func(c *Config) { c.Issuer = "https://as.example?x=1" }, false},
		{"fail/issuer-fragment", func(c *Config) { c.Issuer = "https://as.example#f" }, false},
		{"fail/issuer-userinfo", func(c *Config) { c.Issuer = "https://u:p@as.example" }, false},
		{"fail/issuer-pattern-chars", func(c *Config) { c.Issuer = "https://as.example/{x}" }, false},
		{"fail/issuer-escaped-path", func(c *Config) { c.Issuer = "https://as.example/a%2Fb" }, false},
		{"fail/ttl-too-short", func(c *Config) { c.AccessTokenTTL = time.Millisecond }, false},
		{"fail/api-no-name", func(c *Config) { c.APIs = []API{{Scopes: []string{"x"}}} }, false},
		{"fail/api-duplicate", func(c *Config) { c.APIs = []API{{Name: "a"}, {Name: "a"}} }, false},
		{"fail/api-bad-resource", func(c *Config) { c.APIs = []API{{Name: "a", Resource: "/orders"}} }, false},
		{"fail/api-duplicate-resource", func(c *Config) {
			c.APIs = []API{{Name: "a", Resource: "https://g/x"}, {Name: "b", Resource: "https://g/x"}}
		}, false},
		{"fail/api-bad-scope", func(c *Config) { c.APIs = []API{{Name: "a", Scopes: []string{`a"b`}}} }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			c.APIs = slices.Clone(ok.APIs)
			tc.mutate(&c)
			err := c.Validate()
			if (err == nil) != tc.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tc.ok)
			}
			_, nerr := New(c, Deps{Clients: newMemStore(), Keys: newTestKeys(t), Hasher: testHasher(t)})
			if (nerr == nil) != tc.ok {
				t.Errorf("New() = %v, want ok=%v", nerr, tc.ok)
			}
		})
	}
	if _, err := New(ok, Deps{}); err == nil {
		t.Error("New without dependencies succeeded")
	}
}
