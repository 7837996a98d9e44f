package app

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rempart/rempart/internal/config"
)

func TestConfigureGatewayServer(t *testing.T) {
	gw := &config.Gateway{MaxHeaderBytes: 8 << 10, Timeouts: config.Timeouts{
		ReadHeader: config.Duration(2 * time.Second), Read: config.Duration(3 * time.Second),
		Write: config.Duration(4 * time.Second), Idle: config.Duration(5 * time.Second),
	}}
	srv := &http.Server{ReadHeaderTimeout: time.Minute, ReadTimeout: time.Minute, WriteTimeout: time.Minute, IdleTimeout: time.Minute, MaxHeaderBytes: 1}
	configureGatewayServer(srv, gw)
	if srv.ReadHeaderTimeout != 2*time.Second || srv.ReadTimeout != 3*time.Second || srv.WriteTimeout != 4*time.Second ||
		srv.IdleTimeout != 5*time.Second || srv.MaxHeaderBytes != 8<<10 {
		t.Errorf("server = %+v, want the gateway's timeouts and header limit", srv)
	}
	untouched := &http.Server{ReadTimeout: time.Minute}
	configureGatewayServer(untouched, &config.Gateway{})
	if untouched.ReadTimeout != time.Minute || untouched.MaxHeaderBytes != 0 {
		t.Errorf("zero settings changed the server: %+v", untouched)
	}
}

func TestGatewayProblems(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("openapi: 3.0.3\npaths: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	api := func(mod func(*config.API)) *config.Config {
		a := config.API{Name: "orders", PathPrefix: "/orders", Upstream: "http://127.0.0.1:9000", Auth: config.AuthOAuth2,
			Routes: []config.Route{{Methods: []string{"GET"}, Path: "/orders"}}}
		mod(&a)
		return &config.Config{Gateway: &config.Gateway{APIs: []config.API{a}}}
	}
	for _, tc := range []struct {
		name string
		cfg  *config.Config
		path string // "" = no problem
		msg  string
	}{
		{"ok/none", api(func(*config.API) {}), "", ""},
		{"ok/valid-policy", api(func(a *config.API) { a.Policy = `token.sub == "x"` }), "", ""},
		{"fail/policy-syntax", api(func(a *config.API) { a.Policy = "token.sub ==" }), "gateway.apis[0].policy", "line 1, column"},
		{"fail/policy-not-bool", api(func(a *config.API) { a.Policy = "token.sub" }), "gateway.apis[0].policy", "line 1"},
		{"fail/route-policy-unknown-variable", api(func(a *config.API) { a.Routes[0].Policy = "user.id == 1" }), "gateway.apis[0].routes[0].policy", "line 1"},
		{"fail/openapi", api(func(a *config.API) { a.OpenAPI = bad }), "gateway.apis[0].openapi", "OpenAPI"},
		{"fail/cors-origin", api(func(a *config.API) { a.CORS = &config.CORS{AllowOrigins: []string{"https://Shop.example.com"}} }), "gateway.apis[0].cors", "browsers send it as"},
		{"ok/no-gateway", &config.Config{}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := GatewayProblems(tc.cfg)
			if tc.path == "" {
				if len(got) != 0 {
					t.Errorf("problems = %v, want none", got)
				}
				return
			}
			if len(got) != 1 || got[0].Path != tc.path || !strings.Contains(got[0].Message, tc.msg) {
				t.Errorf("problems = %v, want one at %s containing %q", got, tc.path, tc.msg)
			}
		})
	}
}

// TestGatewayConfig checks the conversion of the keys gateway.New does not
// see as written: dates, durations, sizes and rate limits.
func TestGatewayConfig(t *testing.T) {
	cfg := &config.Config{Gateway: &config.Gateway{
		MaxBody: 1024, MaxResponseBody: 2048, MaxHeaders: 50,
		Timeouts:   config.Timeouts{Upstream: config.Duration(7 * time.Second)},
		JSONLimits: config.JSONLimits{MaxDepth: 4, MaxStringLength: 100, MaxArrayLength: 5, MaxMembers: 6},
		APIs: []config.API{{Name: "v1", PathPrefix: "/v1", Upstream: "http://127.0.0.1:9000", Auth: config.AuthPublic,
			Deprecated:      &config.Deprecation{Since: "2026-01-01", Sunset: "Thu, 31 Dec 2026 00:00:00 GMT", Link: "https://d.example/x"},
			RateLimit:       &config.RateLimit{Requests: 3, Per: config.Duration(time.Minute), By: config.ByIP},
			UpstreamTimeout: config.Duration(time.Second), MaxBody: 10,
			CORS: &config.CORS{AllowOrigins: []string{"*"}, MaxAge: config.Duration(time.Minute)},
			Routes: []config.Route{{Methods: []string{"GET"}, Path: "/v1/x", Policy: "true",
				RateLimit: &config.RateLimit{Requests: 1, Per: config.Duration(time.Second), By: config.ByUser}}}}},
	}}
	gc, err := gatewayConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a := gc.APIs[0]
	switch {
	case gc.MaxBody != 1024 || gc.MaxResponseBody != 2048 || gc.MaxHeaders != 50 || gc.UpstreamTimeout != 7*time.Second:
		t.Errorf("limits = %+v", gc)
	case gc.JSONLimits.MaxDepth != 4 || gc.JSONLimits.MaxStringLength != 100 || gc.JSONLimits.MaxArrayLength != 5 || gc.JSONLimits.MaxMembers != 6:
		t.Errorf("json limits = %+v", gc.JSONLimits)
	case !a.Deprecated.Since.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) || !a.Deprecated.Sunset.Equal(time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)):
		t.Errorf("deprecation = %+v", a.Deprecated)
	case a.RateLimit.Requests != 3 || a.RateLimit.Per != time.Minute || a.RateLimit.By != config.ByIP:
		t.Errorf("rate limit = %+v", a.RateLimit)
	case a.UpstreamTimeout != time.Second || a.MaxBody != 10 || a.CORS.MaxAge != time.Minute:
		t.Errorf("api = %+v", a)
	case a.Routes[0].Policy != "true" || a.Routes[0].RateLimit.By != config.ByUser:
		t.Errorf("route = %+v", a.Routes[0])
	}
}
