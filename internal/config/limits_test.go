package config

import (
	"strings"
	"testing"
	"time"
)

func TestGatewayLimits(t *testing.T) {
	base := func() *Config {
		c := &Config{
			AuthorizationServer: &AuthorizationServer{},
			Gateway:             &Gateway{},
		}
		ApplyDefaults(c)
		return c
	}
	c := base()
	if g := c.Gateway; g.MaxHeaders != 100 || g.MaxResponseBody != 10<<20 || g.Timeouts.Upstream.Std() != 30*time.Second || g.JSONLimits.MaxDepth != 32 {
		t.Errorf("defaults not applied: %+v", g)
	}
	if rl := c.AuthorizationServer.RateLimit; rl == nil || rl.Requests != DefaultTokenRateLimit || rl.By != ByIP {
		t.Errorf("token endpoint rate limit default = %+v", rl)
	}
	if rl := c.AuthorizationServer.LoginRateLimit; rl == nil || rl.Requests != DefaultLoginRateLimit || rl.By != ByIP {
		t.Errorf("login rate limit default = %+v", rl)
	}
	for _, tc := range []struct {
		name string
		mut  func(*Config)
		want string // "" = no error expected
	}{
		{"ok/defaults", func(*Config) {}, ""},
		{"ok/credential-params", func(c *Config) { c.Gateway.CredentialParams = []string{"sig", "x-auth"} }, ""},
		{"fail/credential-param-empty", func(c *Config) { c.Gateway.CredentialParams = []string{""} }, "gateway.credential_params[0]"},
		{"fail/credential-param-equals", func(c *Config) { c.Gateway.CredentialParams = []string{"a=b"} }, "gateway.credential_params[0]"},
		{"fail/too-many-headers", func(c *Config) { c.Gateway.MaxHeaders = 5000 }, "gateway.max_headers"},
		{"fail/header-bytes", func(c *Config) { c.Gateway.MaxHeaderBytes = 2 << 20 }, "gateway.max_header_bytes"},
		{"fail/negative-timeout", func(c *Config) { c.Gateway.Timeouts.Upstream = -1 }, "gateway.timeouts.upstream"},
		{"fail/json-depth", func(c *Config) { c.Gateway.JSONLimits.MaxDepth = -1 }, "gateway.json_limits.max_depth"},
		{"fail/as-rate-limit-by-user", func(c *Config) { c.AuthorizationServer.RateLimit.By = ByUser }, "authorization_server.rate_limit.by"},
		{"fail/as-rate-limit-zero", func(c *Config) { c.AuthorizationServer.RateLimit.Requests = 0 }, "authorization_server.rate_limit.requests"},
		{"fail/login-rate-limit-by-client", func(c *Config) { c.AuthorizationServer.LoginRateLimit.By = ByClient }, "authorization_server.login_rate_limit.by"},
		{"fail/login-rate-limit-zero", func(c *Config) { c.AuthorizationServer.LoginRateLimit.Per = 0 }, "authorization_server.login_rate_limit.per"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.mut(c)
			err := c.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			for _, key := range []string{"gateway.max", "gateway.timeouts", "gateway.json_limits", "gateway.credential_params", "authorization_server.rate_limit", "authorization_server.login_rate_limit"} {
				if tc.want == "" && strings.Contains(got, key) {
					t.Errorf("unexpected error: %v", err)
				}
			}
			if tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("Validate() = %v, want an error at %s", err, tc.want)
			}
		})
	}
}

func TestSQLiteDSNResolvedAgainstConfigDir(t *testing.T) {
	c, err := Parse([]byte("store: { driver: sqlite, dsn: db/rempart.db }\nadmin: {}\n"), "/etc/rempart")
	if err != nil {
		t.Fatal(err)
	}
	if c.Store.DSN != "/etc/rempart/db/rempart.db" {
		t.Errorf("dsn = %q, want it resolved against the config file's directory", c.Store.DSN)
	}
}
