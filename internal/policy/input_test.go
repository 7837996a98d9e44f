package policy

import (
	"maps"
	"net/http"
	"strings"
	"testing"
)

func TestNewHeaders(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   map[string][]string
		want map[string]string
	}{
		{"ok/nil", nil, map[string]string{}},
		{"ok/lower-case", map[string][]string{"X-Tenant": {"acme"}, "Accept": {"*/*"}},
			map[string]string{"x-tenant": "acme", "accept": "*/*"}},
		{"ok/joined", map[string][]string{"X-Forwarded-For": {"192.0.2.1", "10.0.0.1"}},
			map[string]string{"x-forwarded-for": "192.0.2.1, 10.0.0.1"}},
		{"ok/empty-values-dropped", map[string][]string{"X-Empty": {}}, map[string]string{}},
		// R20: credentials never reach a policy.
		{"ok/credentials-dropped", map[string][]string{
			"Authorization":       {"Bearer eyJ"},
			"Proxy-Authorization": {"Basic eA=="},
			"Cookie":              {"sid=1"},
			"X-Api-Key":           {"rk_secret"},
			"Dpop":                {"eyJ"},
			"Rempart-Identity":    {"eyJ"},
			"User-Agent":          {"curl"},
		}, map[string]string{"user-agent": "curl"}},
		{"ok/credentials-dropped-any-case", map[string][]string{
			"AUTHORIZATION": {"Bearer eyJ"}, "x-api-key": {"k"}, "DPoP": {"p"}, "cOOkie": {"c"},
		}, map[string]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := NewHeaders(tc.in)
			if !maps.Equal(got, tc.want) {
				t.Errorf("NewHeaders(%v) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// TestNewHeadersFromRequest feeds a real http.Header, as the gateway does.
func TestNewHeadersFromRequest(t *testing.T) {
	h := http.Header{}
	h.Set("Authorization", "Bearer secret-token")
	h.Set("X-API-Key", "secret-key")
	h.Add("X-Scope", "a")
	h.Add("X-Scope", "b")
	got := NewHeaders(h)
	for name, v := range got {
		if strings.Contains(v, "secret") {
			t.Errorf("NewHeaders kept credential %s", name)
		}
	}
	if got["x-scope"] != "a, b" {
		t.Errorf(`x-scope = %q, want "a, b"`, got["x-scope"])
	}
}
