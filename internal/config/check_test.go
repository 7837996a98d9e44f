package config

import (
	"reflect"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	h := func(d time.Duration) Duration { return Duration(d) }
	as := func(c *Config) *AuthorizationServer { return c.AuthorizationServer }
	tests := []struct {
		name     string
		mutate   func(c *Config)
		wantErr  []Problem
		wantWarn []Problem
		noWarn   []string // paths that must carry no warning
	}{
		{"ok/defaults", func(c *Config) {}, nil, nil, []string{
			"authorization_server.access_token.ttl", "authorization_server.refresh_token.ttl",
			"encryption_key", "admin.listen", "gateway.apis[0].scopes", "gateway.insecure_plaintext",
		}},
		{"warn/t1-31m", func(c *Config) { as(c).AccessToken.TTL = h(31 * time.Minute) }, nil,
			[]Problem{e("authorization_server.access_token.ttl", "longer than 30m (T1)")}, nil},
		{"ok/t1-30m", func(c *Config) { as(c).AccessToken.TTL = h(30 * time.Minute) }, nil, nil,
			[]string{"authorization_server.access_token.ttl"}},
		{"error/t1-2h", func(c *Config) { as(c).AccessToken.TTL = h(2 * time.Hour) },
			[]Problem{e("authorization_server.access_token.ttl", "above 1h is refused (T1)")}, nil, nil},
		{"warn/t1-2h-allowed", func(c *Config) {
			as(c).AccessToken.TTL = h(2 * time.Hour)
			as(c).AllowLongLifetimes = true
		}, nil, []Problem{e("authorization_server.access_token.ttl", "allowed only by allow_long_lifetimes")}, nil},
		{"error/t2-refresh-31d", func(c *Config) { as(c).RefreshToken.TTL = h(31 * 24 * time.Hour) },
			[]Problem{e("authorization_server.refresh_token.ttl", "refused (T2)")}, nil, nil},
		{"warn/t2-refresh-31d-allowed", func(c *Config) {
			as(c).RefreshToken.TTL = h(31 * 24 * time.Hour)
			as(c).AllowLongLifetimes = true
		}, nil, []Problem{e("authorization_server.refresh_token.ttl", "allowed only by allow_long_lifetimes")}, nil},
		{"warn/refresh-not-multiple", func(c *Config) { as(c).RefreshToken.TTL = h(24*time.Hour + 7*time.Minute) }, nil,
			[]Problem{e("authorization_server.refresh_token.ttl", "not a multiple of access_token.ttl (T2)")}, nil},
		{"warn/refresh-shorter", func(c *Config) { as(c).RefreshToken.TTL = h(20 * time.Minute) }, nil,
			[]Problem{e("authorization_server.refresh_token.ttl", "not a multiple")}, nil},
		{"warn/insecure-plaintext", func(c *Config) { c.Gateway.InsecurePlaintext = true; c.Gateway.PublicURL = "http://127.0.0.1:8443" }, nil,
			[]Problem{e("gateway.insecure_plaintext", "plaintext HTTP listener")}, []string{"gateway.tls"}},
		{"warn/insecure-plaintext-admin", func(c *Config) { c.Admin.InsecurePlaintext = true }, nil,
			[]Problem{e("admin.insecure_plaintext", "plaintext HTTP listener")}, nil},
		{"warn/local-ca-certificate", func(c *Config) {}, nil,
			[]Problem{e("gateway.tls", "local CA"), e("authorization_server.tls", "local CA")}, []string{"admin.tls"}},
		{"warn/admin-not-loopback", func(c *Config) { c.Admin.Listen = "0.0.0.0:9444" }, nil,
			[]Problem{e("admin.listen", "not a loopback address")}, nil},
		{"ok/admin-localhost", func(c *Config) { c.Admin.Listen = "localhost:9444" }, nil, nil, []string{"admin.listen"}},
		{"warn/no-encryption-key", func(c *Config) { c.EncryptionKey = "" }, nil,
			[]Problem{e("encryption_key", "generated in data_dir")}, nil},
		{"warn/sqlite-with-redis", func(c *Config) { c.Redis = &Redis{URL: "redis://127.0.0.1:6379/0"} },
			[]Problem{e("redis", unsup)}, []Problem{e("redis", "sqlite")}, nil},
		{"warn/no-apis", func(c *Config) { c.Gateway.APIs = nil }, nil, []Problem{e("gateway.apis", "no API configured")}, nil},
		{"warn/no-scopes", func(c *Config) {
			c.Gateway.APIs[0].Scopes = nil
			c.Gateway.APIs[0].Routes[0].Scopes = nil
		}, nil, []Problem{e("gateway.apis[0].scopes", "no scope required")}, nil},
		{"warn/plaintext-upstream", func(c *Config) { c.Gateway.APIs[0].Upstream = "http://orders.internal:9000" }, nil,
			[]Problem{e("gateway.apis[0].upstream", "plaintext HTTP to a non-loopback upstream")}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			tc.mutate(c)
			r := c.Check()
			if r.OK() != (len(tc.wantErr) == 0) {
				t.Errorf("Check().OK() = %v, errors: %v", r.OK(), r.Errors)
			}
			if len(r.Errors) != len(tc.wantErr) {
				t.Errorf("Check() errors = %v, want %v", r.Errors, tc.wantErr)
			}
			for _, w := range tc.wantErr {
				if !hasProblem(r.Errors, w.Path, w.Message) {
					t.Errorf("Check() has no error %q at %q: %v", w.Message, w.Path, r.Errors)
				}
			}
			for _, w := range tc.wantWarn {
				if !hasProblem(r.Warnings, w.Path, w.Message) {
					t.Errorf("Check() has no warning %q at %q: %v", w.Message, w.Path, r.Warnings)
				}
			}
			for _, path := range tc.noWarn {
				if hasProblem(r.Warnings, path, "") {
					t.Errorf("Check() warns at %q: %v", path, r.Warnings)
				}
			}
			if got := derefAll(problems(t, c.Validate())); !reflect.DeepEqual(got, r.Errors) && len(got)+len(r.Errors) > 0 {
				t.Errorf("Validate() = %v, want Check().Errors %v", got, r.Errors)
			}
			if got := derefAll(problems(t, r.Err())); len(got) != len(r.Errors) {
				t.Errorf("Report.Err() = %v, want %d problems", r.Err(), len(r.Errors))
			}
		})
	}
}

func TestAPIByNameAndAllScopes(t *testing.T) {
	c := validConfig()
	c.Gateway.APIs = append(c.Gateway.APIs, API{Name: "b", Routes: []Route{{Scopes: []string{"z", "a"}}, {Scopes: []string{"a"}}}})
	if got := c.APIByName("orders"); got != &c.Gateway.APIs[0] {
		t.Errorf("APIByName(orders) = %p, want %p", got, &c.Gateway.APIs[0])
	}
	if got := c.APIByName("nope"); got != nil {
		t.Errorf("APIByName(nope) = %v, want nil", got)
	}
	if got := (&Config{}).APIByName("orders"); got != nil {
		t.Errorf("APIByName without gateway = %v, want nil", got)
	}
	tests := []struct {
		api  *API
		want []string
	}{
		{&c.Gateway.APIs[0], []string{"orders:read", "orders:write"}},
		{&c.Gateway.APIs[1], []string{"a", "z"}},
		{&API{}, nil},
	}
	for _, tc := range tests {
		if got := tc.api.AllScopes(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("AllScopes(%s) = %v, want %v", tc.api.Name, got, tc.want)
		}
	}
}

func TestApplyDefaultsIdempotent(t *testing.T) {
	c := &Config{AuthorizationServer: &AuthorizationServer{}, Gateway: &Gateway{APIs: []API{{}}}, Admin: &Admin{}}
	ApplyDefaults(c)
	once := cloneConfig(t, c)
	ApplyDefaults(c)
	if !reflect.DeepEqual(once, c) {
		t.Errorf("ApplyDefaults is not idempotent: %+v then %+v", once, c)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"data_dir", c.DataDir, DefaultDataDir},
		{"driver", c.Store.Driver, DriverSQLite},
		{"as listen", c.AuthorizationServer.Listen, "127.0.0.1:9443"},
		{"issuer", c.AuthorizationServer.Issuer, "https://127.0.0.1:9443"},
		{"access ttl", c.AuthorizationServer.AccessToken.TTL.Std(), 30 * time.Minute},
		{"format", c.AuthorizationServer.AccessToken.Format, FormatJWT},
		{"refresh ttl", c.AuthorizationServer.RefreshToken.TTL.Std(), 24 * time.Hour},
		{"gateway listen", c.Gateway.Listen, "127.0.0.1:8443"},
		{"public_url", c.Gateway.PublicURL, "https://127.0.0.1:8443"},
		{"max_body", c.Gateway.MaxBody, ByteSize(1 << 20)},
		{"api auth", c.Gateway.APIs[0].Auth, AuthOAuth2},
		{"sender", c.Gateway.APIs[0].SenderConstraint, SenderNone},
		{"admin listen", c.Admin.Listen, "127.0.0.1:9444"},
		{"audit dir", c.Audit.Dir, "rempart-data/audit"},
		{"retention", c.Audit.Retention.Std(), 4464 * time.Hour},
		{"jail", c.Jail, Jail{MaxFailures: 5, Window: Duration(5 * time.Minute), Ban: Duration(15 * time.Minute)}},
	}
	for _, tc := range checks {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	empty := &Config{}
	ApplyDefaults(empty)
	if empty.AuthorizationServer != nil || empty.Gateway != nil || empty.Admin != nil {
		t.Error("ApplyDefaults created a role section")
	}
}
