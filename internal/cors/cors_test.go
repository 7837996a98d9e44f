package cors

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func mustNew(t *testing.T, c Config) *Policy {
	t.Helper()
	p, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var listed = Config{
	AllowOrigins:     []string{"https://app.example.com", "http://localhost:8080"},
	AllowMethods:     []string{"GET", "POST", "DELETE"},
	AllowHeaders:     []string{"Authorization", "Content-Type"},
	ExposeHeaders:    []string{"X-Request-ID", "RateLimit"},
	AllowCredentials: true,
	MaxAge:           10 * time.Minute,
}

func TestApply(t *testing.T) {
	star := Config{AllowOrigins: []string{"*"}, ExposeHeaders: []string{"X-Request-ID"}}
	rows := []struct {
		name      string
		cfg       Config
		origin    string
		wantACAO  string
		wantCreds string
	}{
		{"ok/listed", listed, "https://app.example.com", "https://app.example.com", "true"},
		{"ok/listed-with-port", listed, "http://localhost:8080", "http://localhost:8080", "true"},
		{"fail/unlisted", listed, "https://evil.example.com", "", ""},
		{"fail/null", listed, "null", "", ""},
		{"fail/uppercase-host", listed, "https://APP.example.com", "", ""},
		{"fail/other-scheme", listed, "http://app.example.com", "", ""},
		{"fail/explicit-default-port", listed, "https://app.example.com:443", "", ""},
		{"fail/other-port", listed, "http://localhost:8081", "", ""},
		{"fail/suffix-match", listed, "https://app.example.com.evil.net", "", ""},
		{"fail/prefix-match", listed, "https://evilapp.example.com", "", ""},
		{"fail/trailing-slash", listed, "https://app.example.com/", "", ""},
		{"fail/trailing-space", listed, "https://app.example.com ", "", ""},
		{"ok/no-origin", listed, "", "", ""},
		{"ok/star-no-credentials", star, "https://anyone.example", "*", ""},
		{"ok/star-null", star, "null", "*", ""},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			p := mustNew(t, tc.cfg)
			h := http.Header{
				"Access-Control-Allow-Origin":      {"https://upstream-reflected.example"},
				"Access-Control-Allow-Credentials": {"true"},
				"Access-Control-Expose-Headers":    {"X-Secret"},
			}
			p.Apply(h, tc.origin)
			if got := h.Get("Access-Control-Allow-Origin"); got != tc.wantACAO {
				t.Errorf("Allow-Origin %q, want %q", got, tc.wantACAO)
			}
			if got := h.Get("Access-Control-Allow-Credentials"); got != tc.wantCreds {
				t.Errorf("Allow-Credentials %q, want %q", got, tc.wantCreds)
			}
			wantExpose := ""
			if tc.wantACAO != "" {
				wantExpose = strings.Join(tc.cfg.ExposeHeaders, ", ")
			}
			if got := h.Get("Access-Control-Expose-Headers"); got != wantExpose {
				t.Errorf("Expose-Headers %q, want %q", got, wantExpose)
			}
			if !slices.Contains(h.Values("Vary"), "Origin") {
				t.Errorf("Vary %q lacks Origin", h.Values("Vary"))
			}
		})
	}
}

func TestApplyVaryMerges(t *testing.T) {
	p := mustNew(t, listed)
	h := http.Header{"Vary": {"Accept-Encoding, origin"}}
	p.Apply(h, "https://app.example.com")
	if got := h.Values("Vary"); !slices.Equal(got, []string{"Accept-Encoding, origin"}) {
		t.Errorf("Vary %q: want the existing value kept and Origin not repeated", got)
	}
	h = http.Header{"Vary": {"Accept-Encoding"}}
	p.Apply(h, "")
	if got := h.Values("Vary"); !slices.Equal(got, []string{"Accept-Encoding", "Origin"}) {
		t.Errorf("Vary %q, want [Accept-Encoding Origin]", got)
	}
}

func TestApplyNilPolicy(t *testing.T) {
	var p *Policy
	h := http.Header{"Access-Control-Allow-Origin": {"*"}}
	p.Apply(h, "https://app.example.com")
	if h.Get("Access-Control-Allow-Origin") != "" || h.Get("Vary") != "Origin" {
		t.Errorf("nil policy: header %v, want upstream CORS removed and Vary: Origin", h)
	}
	r := httptest.NewRequest("OPTIONS", "/", nil)
	r.Header.Set("Origin", "https://app.example.com")
	r.Header.Set("Access-Control-Request-Method", "GET")
	if p.Preflight(httptest.NewRecorder(), r) {
		t.Error("nil policy handled a preflight")
	}
}

func TestPreflight(t *testing.T) {
	rows := []struct {
		name    string
		cfg     Config
		method  string
		hdr     map[string][]string
		handled bool
		status  int
	}{
		{"ok/allowed", listed, "OPTIONS", map[string][]string{"Origin": {"https://app.example.com"}, "Access-Control-Request-Method": {"DELETE"}, "Access-Control-Request-Headers": {"authorization,content-type"}}, true, 204},
		{"ok/headers-case-and-spaces", listed, "OPTIONS", map[string][]string{"Origin": {"https://app.example.com"}, "Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {" Content-Type ,, AUTHORIZATION"}}, true, 204},
		{"ok/no-request-headers", listed, "OPTIONS", map[string][]string{"Origin": {"http://localhost:8080"}, "Access-Control-Request-Method": {"GET"}}, true, 204},
		{"fail/unlisted-origin", listed, "OPTIONS", map[string][]string{"Origin": {"https://evil.example"}, "Access-Control-Request-Method": {"GET"}}, true, 403},
		{"fail/null-origin", listed, "OPTIONS", map[string][]string{"Origin": {"null"}, "Access-Control-Request-Method": {"GET"}}, true, 403},
		{"fail/two-origins", listed, "OPTIONS", map[string][]string{"Origin": {"https://app.example.com", "https://evil.example"}, "Access-Control-Request-Method": {"GET"}}, true, 403},
		{"fail/method", listed, "OPTIONS", map[string][]string{"Origin": {"https://app.example.com"}, "Access-Control-Request-Method": {"PUT"}}, true, 403},
		{"fail/method-case", listed, "OPTIONS", map[string][]string{"Origin": {"https://app.example.com"}, "Access-Control-Request-Method": {"delete"}}, true, 403},
		{"fail/header", listed, "OPTIONS", map[string][]string{"Origin": {"https://app.example.com"}, "Access-Control-Request-Method": {"GET"}, "Access-Control-Request-Headers": {"content-type, x-admin"}}, true, 403},
		{"fail/header-not-token", listed, "OPTIONS", map[string][]string{"Origin": {"https://app.example.com"}, "Access-Control-Request-Method": {"GET"}, "Access-Control-Request-Headers": {"content type"}}, true, 403},
		{"fail/default-methods-only-safelisted", Config{AllowOrigins: []string{"https://app.example.com"}}, "OPTIONS", map[string][]string{"Origin": {"https://app.example.com"}, "Access-Control-Request-Method": {"PATCH"}}, true, 403},
		{"ok/default-methods-post", Config{AllowOrigins: []string{"https://app.example.com"}}, "OPTIONS", map[string][]string{"Origin": {"https://app.example.com"}, "Access-Control-Request-Method": {"POST"}}, true, 204},
		{"ok/star", Config{AllowOrigins: []string{"*"}}, "OPTIONS", map[string][]string{"Origin": {"https://x.example"}, "Access-Control-Request-Method": {"GET"}}, true, 204},
		{"ok/not-preflight-no-acrm", listed, "OPTIONS", map[string][]string{"Origin": {"https://app.example.com"}}, false, 200},
		{"ok/not-preflight-no-origin", listed, "OPTIONS", map[string][]string{"Access-Control-Request-Method": {"GET"}}, false, 200},
		{"ok/not-preflight-get", listed, "GET", map[string][]string{"Origin": {"https://app.example.com"}, "Access-Control-Request-Method": {"GET"}}, false, 200},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			p := mustNew(t, tc.cfg)
			r := httptest.NewRequest(tc.method, "/orders", nil)
			for k, v := range tc.hdr {
				r.Header[k] = v
			}
			w := httptest.NewRecorder()
			if got := p.Preflight(w, r); got != tc.handled {
				t.Fatalf("handled = %v, want %v", got, tc.handled)
			}
			if w.Code != tc.status {
				t.Errorf("status %d, want %d", w.Code, tc.status)
			}
			h := w.Header()
			if !tc.handled {
				if len(h) != 0 {
					t.Errorf("not handled but wrote header %v", h)
				}
				return
			}
			if got := h.Values("Vary"); !slices.Equal(got, []string{"Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"}) {
				t.Errorf("Vary %q", got)
			}
			acao := h.Get("Access-Control-Allow-Origin")
			if tc.status == 403 {
				for k := range h {
					if strings.HasPrefix(k, "Access-Control-") {
						t.Errorf("refused preflight carries %s", k)
					}
				}
				return
			}
			if tc.cfg.AllowOrigins[0] == "*" {
				if acao != "*" || h.Get("Access-Control-Allow-Credentials") != "" {
					t.Errorf("star: Allow-Origin %q, Allow-Credentials %q", acao, h.Get("Access-Control-Allow-Credentials"))
				}
				return
			}
			if acao != r.Header.Get("Origin") {
				t.Errorf("Allow-Origin %q, want the request origin", acao)
			}
			if tc.cfg.AllowCredentials != (h.Get("Access-Control-Allow-Credentials") == "true") {
				t.Errorf("Allow-Credentials %q", h.Get("Access-Control-Allow-Credentials"))
			}
			if len(tc.cfg.AllowMethods) > 0 && h.Get("Access-Control-Allow-Methods") != "GET, POST, DELETE" {
				t.Errorf("Allow-Methods %q", h.Get("Access-Control-Allow-Methods"))
			}
			if len(tc.cfg.AllowMethods) == 0 && h.Get("Access-Control-Allow-Methods") != "GET, HEAD, POST" {
				t.Errorf("default Allow-Methods %q", h.Get("Access-Control-Allow-Methods"))
			}
			if len(tc.cfg.AllowHeaders) > 0 && h.Get("Access-Control-Allow-Headers") != "Authorization, Content-Type" {
				t.Errorf("Allow-Headers %q", h.Get("Access-Control-Allow-Headers"))
			}
			wantAge := ""
			if tc.cfg.MaxAge > 0 {
				wantAge = "600"
			}
			if got := h.Get("Access-Control-Max-Age"); got != wantAge {
				t.Errorf("Max-Age %q, want %q", got, wantAge)
			}
		})
	}
}

func TestNewRefuses(t *testing.T) {
	rows := []struct {
		name string
		cfg  Config
	}{
		{"fail/no-origins", Config{}},
		{"fail/star-with-credentials", Config{AllowOrigins: []string{"*"}, AllowCredentials: true}},
		{"fail/star-and-list", Config{AllowOrigins: []string{"*", "https://a.example"}}},
		{"fail/null", Config{AllowOrigins: []string{"null"}}},
		{"fail/wildcard-subdomain", Config{AllowOrigins: []string{"https://*.example.com"}}},
		{"fail/no-scheme", Config{AllowOrigins: []string{"app.example.com"}}},
		{"fail/ftp", Config{AllowOrigins: []string{"ftp://app.example.com"}}},
		{"fail/path", Config{AllowOrigins: []string{"https://app.example.com/"}}},
		{"fail/query", Config{AllowOrigins: []string{"https://app.example.com?"}}},
		{"fail/userinfo", Config{AllowOrigins: []string{"https://u@app.example.com"}}},
		{"fail/uppercase", Config{AllowOrigins: []string{"https://App.example.com"}}},
		{"fail/default-port", Config{AllowOrigins: []string{"https://app.example.com:443"}}},
		{"fail/empty-port", Config{AllowOrigins: []string{"https://app.example.com:"}}},
		{"fail/bad-port", Config{AllowOrigins: []string{"http://localhost:99999"}}},
		{"fail/leading-zero-port", Config{AllowOrigins: []string{"http://localhost:08080"}}},
		{"fail/unicode-host", Config{AllowOrigins: []string{"https://bücher.example"}}},
		{"fail/no-host", Config{AllowOrigins: []string{"https://"}}},
		{"fail/star-method", Config{AllowOrigins: []string{"https://a.example"}, AllowMethods: []string{"*"}}},
		{"fail/bad-method", Config{AllowOrigins: []string{"https://a.example"}, AllowMethods: []string{"GE T"}}},
		{"fail/star-header", Config{AllowOrigins: []string{"https://a.example"}, AllowHeaders: []string{"*"}}},
		{"fail/bad-header", Config{AllowOrigins: []string{"https://a.example"}, AllowHeaders: []string{"X:Y"}}},
		{"fail/bad-expose", Config{AllowOrigins: []string{"https://a.example"}, ExposeHeaders: []string{"*"}}},
		{"fail/negative-max-age", Config{AllowOrigins: []string{"https://a.example"}, MaxAge: -time.Second}},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(tc.cfg)
			if err == nil || p != nil || !errors.Is(err, ErrConfig) {
				t.Errorf("New = %v, %v; want ErrConfig", p, err)
			}
		})
	}
	t.Run("ok/reports-every-problem", func(t *testing.T) {
		_, err := New(Config{AllowOrigins: []string{"null", "https://*.x.example"}, AllowMethods: []string{"*"}})
		if err == nil || strings.Count(err.Error(), "\n") != 2 {
			t.Errorf("error %q, want three joined problems", err)
		}
	})
	t.Run("ok/valid", func(t *testing.T) {
		for _, o := range []string{"https://app.example.com", "http://localhost:8080", "http://[::1]:3000", "https://xn--bcher-kva.example"} {
			if _, err := New(Config{AllowOrigins: []string{o}}); err != nil {
				t.Errorf("New(%q) = %v", o, err)
			}
		}
	})
}
