package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const unsup = "not supported by this version of rempart yet"

// e builds an expected problem: path and a fragment of the message.
func e(path, msg string) Problem { return Problem{Path: path, Message: msg} }

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	cert, key, ca := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), filepath.Join(dir, "ca.pem")
	for _, f := range []string{cert, key, ca} {
		if err := os.WriteFile(f, []byte("pem"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	api := func(c *Config) *API { return &c.Gateway.APIs[0] }
	route := func(c *Config) *Route { return &c.Gateway.APIs[0].Routes[0] }
	second := func(c *Config) *API {
		c.Gateway.APIs = append(c.Gateway.APIs, API{Name: "b", PathPrefix: "/b", Upstream: "https://b.internal", Auth: AuthOAuth2, SenderConstraint: SenderNone})
		return &c.Gateway.APIs[1]
	}
	tests := []struct {
		name   string
		mutate func(c *Config)
		want   []Problem // exactly these errors (message fragments)
	}{
		{"ok/valid", func(c *Config) {}, nil},
		{"fail/no-role", func(c *Config) { c.AuthorizationServer, c.Gateway, c.Admin = nil, nil, nil }, []Problem{e("", "no role configured")}},
		{"ok/admin-only", func(c *Config) { c.AuthorizationServer, c.Gateway = nil, nil }, nil},
		{"fail/data-dir", func(c *Config) { c.DataDir = "" }, []Problem{e("data_dir", "required")}},
		{"fail/driver", func(c *Config) { c.Store.Driver = "mysql" }, []Problem{e("store.driver", "sqlite or postgres")}},
		{"fail/postgres-no-dsn", func(c *Config) { c.Store.Driver = DriverPostgres }, []Problem{e("store.dsn", "required with driver postgres")}},
		{"ok/postgres", func(c *Config) { c.Store = Store{Driver: DriverPostgres, DSN: "postgres://u@db/r"} }, nil},
		{"fail/redis-url", func(c *Config) { c.Redis = &Redis{URL: "http://x"} }, []Problem{e("redis.url", "redis://"), e("redis", unsup)}},
		{"fail/redis-literal-password", func(c *Config) {
			c.Redis = &Redis{URL: "redis://:pw@h:6379/0"}
			c.literal = []string{"redis.url"}
		}, []Problem{e("redis.url", "contains a password written in the config file"), e("redis", unsup)}},
		{"fail/key-short", func(c *Config) { c.EncryptionKey = "c2hvcnQ=" }, []Problem{e("encryption_key", "exactly 32 random bytes")}},
		{"fail/key-not-base64", func(c *Config) { c.EncryptionKey = "not base64!" }, []Problem{e("encryption_key", "standard base64")}},
		{"fail/key-url-base64", func(c *Config) {
			c.EncryptionKey = strings.NewReplacer("+", "-", "/", "_").Replace("+/+/" + testKey[4:])
		}, []Problem{e("encryption_key", "standard base64")}},
		{"fail/key-literal", func(c *Config) { c.literal = []string{"encryption_key"} }, []Problem{e("encryption_key", "must not be written in the config file")}},
		{"fail/dsn-literal-password", func(c *Config) {
			c.Store = Store{Driver: DriverPostgres, DSN: "host=db user=r password=pw"}
			c.literal = []string{"store.dsn"}
		}, []Problem{e("store.dsn", "contains a password")}},
		{"ok/dsn-literal-no-password", func(c *Config) {
			c.Store = Store{Driver: DriverPostgres, DSN: "postgres://r@db/r"}
			c.literal = []string{"store.dsn"}
		}, nil},
		{"fail/listen-no-port", func(c *Config) { c.Admin.Listen = "127.0.0.1" }, []Problem{e("admin.listen", "host:port")}},
		{"fail/listen-port-range", func(c *Config) { c.Admin.Listen = "127.0.0.1:70000" }, []Problem{e("admin.listen", "0 to 65535")}},
		{"fail/listen-host", func(c *Config) { c.Admin.Listen = "bad_host!:1" }, []Problem{e("admin.listen", "IP address or a host name")}},
		{"ok/listen-ipv6", func(c *Config) { c.Admin.Listen = "[::1]:9444" }, nil},
		{"fail/listen-conflict", func(c *Config) { c.Admin.Listen = c.Gateway.Listen }, []Problem{e("admin.listen", "same address as gateway.listen")}},
		{"fail/listen-conflict-any", func(c *Config) { c.Admin.Listen = ":8443" }, []Problem{e("admin.listen", "same address as gateway.listen")}},
		{"fail/tls-and-plaintext", func(c *Config) {
			c.Admin.TLS = &TLS{CertFile: cert, KeyFile: key}
			c.Admin.InsecurePlaintext = true
		}, []Problem{e("admin.insecure_plaintext", "cannot be combined with tls")}},
		{"fail/tls-cert-without-key", func(c *Config) { c.Gateway.TLS = &TLS{CertFile: cert} }, []Problem{e("gateway.tls", "given together")}},
		{"fail/tls-file-missing", func(c *Config) { c.Gateway.TLS = &TLS{CertFile: cert, KeyFile: filepath.Join(dir, "nope")} }, []Problem{e("gateway.tls.key_file", "file not found")}},
		{"fail/tls-file-dir", func(c *Config) { c.Gateway.TLS = &TLS{CertFile: cert, KeyFile: key, ClientCAFile: dir} }, []Problem{e("gateway.tls.client_ca_file", "not a regular file")}},
		{"ok/tls-files", func(c *Config) { c.Gateway.TLS = &TLS{CertFile: cert, KeyFile: key, ClientCAFile: ca} }, nil},
		{"ok/tls-client-ca-only", func(c *Config) { c.Gateway.TLS = &TLS{ClientCAFile: ca} }, nil},
		{"fail/issuer-http", func(c *Config) { c.AuthorizationServer.Issuer = "http://as.example" }, []Problem{e("authorization_server.issuer", "absolute https URL")}},
		{"ok/issuer-http-plaintext", func(c *Config) {
			c.AuthorizationServer.Issuer = "http://as.example"
			c.AuthorizationServer.InsecurePlaintext = true
		}, nil},
		{"ok/issuer-path", func(c *Config) { c.AuthorizationServer.Issuer = "https://as.example/tenant" }, nil},
		{"fail/issuer-query", func(c *Config) { c.AuthorizationServer.Issuer = "https://as.example/?a=b" }, []Problem{e("authorization_server.issuer", "query or a fragment")}},
		{"fail/issuer-fragment", func(c *Config) { c.AuthorizationServer.Issuer = "https://as.example/#x" }, []Problem{e("authorization_server.issuer", "query or a fragment")}},
		{"fail/issuer-trailing-slash", func(c *Config) { c.AuthorizationServer.Issuer = "https://as.example/" }, []Problem{e("authorization_server.issuer", "must not end with /")}},
		{"fail/issuer-relative", func(c *Config) { c.AuthorizationServer.Issuer = "/as" }, []Problem{e("authorization_server.issuer", "with a host")}},
		{"fail/issuer-userinfo", func(c *Config) { c.AuthorizationServer.Issuer = "https://u@as.example" }, []Problem{e("authorization_server.issuer", "user information")}},
		{"fail/issuer-from-hostless-listen", func(c *Config) {
			c.AuthorizationServer = &AuthorizationServer{Listener: Listener{Listen: ":9443"}}
			ApplyDefaults(c)
		}, []Problem{e("authorization_server.issuer", "set issuer explicitly")}},
		{"fail/format", func(c *Config) { c.AuthorizationServer.AccessToken.Format = "paseto" }, []Problem{e("authorization_server.access_token.format", "jwt or opaque")}},
		{"fail/access-ttl-short", func(c *Config) { c.AuthorizationServer.AccessToken.TTL = Duration(500 * time.Millisecond) }, []Problem{e("authorization_server.access_token.ttl", "at least 1s")}},
		{"fail/refresh-ttl-short", func(c *Config) { c.AuthorizationServer.RefreshToken.TTL = Duration(time.Millisecond) }, []Problem{e("authorization_server.refresh_token.ttl", "at least 1s")}},
		{"fail/t1-access-2h", func(c *Config) { c.AuthorizationServer.AccessToken.TTL = Duration(2 * time.Hour) }, []Problem{e("authorization_server.access_token.ttl", "above 1h is refused (T1)")}},
		{"ok/t1-access-1h", func(c *Config) { c.AuthorizationServer.AccessToken.TTL = Duration(time.Hour) }, nil},
		{"ok/t1-access-2h-allowed", func(c *Config) {
			c.AuthorizationServer.AccessToken.TTL = Duration(2 * time.Hour)
			c.AuthorizationServer.AllowLongLifetimes = true
		}, nil},
		{"fail/t2-refresh-31d", func(c *Config) { c.AuthorizationServer.RefreshToken.TTL = Duration(31 * 24 * time.Hour) }, []Problem{e("authorization_server.refresh_token.ttl", "above 720h (30 days) is refused (T2)")}},
		{"ok/t2-refresh-30d", func(c *Config) { c.AuthorizationServer.RefreshToken.TTL = Duration(720 * time.Hour) }, nil},
		{"ok/t2-refresh-31d-allowed", func(c *Config) {
			c.AuthorizationServer.RefreshToken.TTL = Duration(31 * 24 * time.Hour)
			c.AuthorizationServer.AllowLongLifetimes = true
		}, nil},
		{"fail/details-type-empty", func(c *Config) {
			c.AuthorizationServer.AuthorizationDetailsTypes = []AuthorizationDetailsType{{Type: ""}}
		}, []Problem{e("authorization_server.authorization_details_types[0].type", "required"), e("authorization_server.authorization_details_types", unsup)}},
		{"fail/public-url-trailing-slash", func(c *Config) { c.Gateway.PublicURL = "https://api.example/" }, []Problem{e("gateway.public_url", "must not end with /")}},
		{"fail/public-url-http", func(c *Config) { c.Gateway.PublicURL = "http://api.example" }, []Problem{e("gateway.public_url", "https")}},
		{"fail/max-body", func(c *Config) { c.Gateway.MaxBody = -1 }, []Problem{e("gateway.max_body", "greater than zero")}},
		{"fail/api-name-empty", func(c *Config) { api(c).Name = "" }, []Problem{e("gateway.apis[0].name", "required")}},
		{"fail/api-name-upper", func(c *Config) { api(c).Name = "Orders" }, []Problem{e("gateway.apis[0].name", "[a-z0-9][a-z0-9_-]*")}},
		{"fail/api-name-leading-dash", func(c *Config) { api(c).Name = "-orders" }, []Problem{e("gateway.apis[0].name", "[a-z0-9][a-z0-9_-]*")}},
		{"fail/api-name-long", func(c *Config) { api(c).Name = strings.Repeat("a", 64) }, []Problem{e("gateway.apis[0].name", "at most 63")}},
		{"ok/api-name-chars", func(c *Config) { api(c).Name = "orders_v2-beta" }, nil},
		{"fail/api-name-dup", func(c *Config) { second(c).Name = "orders" }, []Problem{e("gateway.apis[1].name", "same name as gateway.apis[0]")}},
		{"fail/prefix-no-slash", func(c *Config) { api(c).PathPrefix = "orders" }, []Problem{e("gateway.apis[0].path_prefix", "start with /"), e("gateway.apis[0].routes[0].path", "path_prefix"), e("gateway.apis[0].routes[1].path", "path_prefix")}},
		{"fail/prefix-trailing-slash", func(c *Config) { second(c).PathPrefix = "/b/" }, []Problem{e("gateway.apis[1].path_prefix", "end with /")}},
		{"ok/prefix-root", func(c *Config) { api(c).PathPrefix = "/" }, nil},
		{"fail/prefix-dotdot", func(c *Config) { second(c).PathPrefix = "/b/../a" }, []Problem{e("gateway.apis[1].path_prefix", "..")}},
		{"fail/prefix-dot-segment", func(c *Config) { second(c).PathPrefix = "/b/./a" }, []Problem{e("gateway.apis[1].path_prefix", ". segments")}},
		{"fail/prefix-double-slash", func(c *Config) { second(c).PathPrefix = "/b//a" }, []Problem{e("gateway.apis[1].path_prefix", "//")}},
		{"fail/prefix-percent", func(c *Config) { second(c).PathPrefix = "/b%2Fa" }, []Problem{e("gateway.apis[1].path_prefix", "%")}},
		{"fail/prefix-backslash", func(c *Config) { second(c).PathPrefix = `/b\a` }, []Problem{e("gateway.apis[1].path_prefix", `\ or ;`)}},
		{"fail/prefix-semicolon", func(c *Config) { second(c).PathPrefix = "/b;a" }, []Problem{e("gateway.apis[1].path_prefix", `\ or ;`)}},
		{"fail/prefix-space", func(c *Config) { second(c).PathPrefix = "/b a" }, []Problem{e("gateway.apis[1].path_prefix", "not allowed")}},
		{"fail/prefix-braces", func(c *Config) { second(c).PathPrefix = "/{b}" }, []Problem{e("gateway.apis[1].path_prefix", "braces")}},
		{"fail/prefix-dup", func(c *Config) { second(c).PathPrefix = "/orders" }, []Problem{e("gateway.apis[1].path_prefix", "same path_prefix as gateway.apis[0]")}},
		{"ok/prefix-nested", func(c *Config) { second(c).PathPrefix = "/orders/admin" }, nil},
		{"fail/upstream-relative", func(c *Config) { api(c).Upstream = "127.0.0.1:9000" }, []Problem{e("gateway.apis[0].upstream", "absolute http or https URL")}},
		{"fail/upstream-scheme", func(c *Config) { api(c).Upstream = "ftp://h" }, []Problem{e("gateway.apis[0].upstream", "absolute http or https URL")}},
		{"fail/upstream-userinfo", func(c *Config) { api(c).Upstream = "http://u:p@h" }, []Problem{e("gateway.apis[0].upstream", "user information")}},
		{"fail/upstream-query", func(c *Config) { api(c).Upstream = "http://h/?x=1" }, []Problem{e("gateway.apis[0].upstream", "query")}},
		{"fail/auth", func(c *Config) { api(c).Auth = "basic" }, []Problem{e("gateway.apis[0].auth", "oauth2, api_key or public")}},
		{"fail/scopes-with-api-key", func(c *Config) { second(c).Auth, c.Gateway.APIs[1].Scopes = AuthAPIKey, []string{"x"} }, []Problem{e("gateway.apis[1].scopes", "only checked with auth: oauth2")}},
		{"fail/route-scopes-with-public", func(c *Config) { route(c).Auth = AuthPublic }, []Problem{e("gateway.apis[0].routes[0].scopes", "only checked with auth: oauth2")}},
		{"ok/route-public-inherits", func(c *Config) { c.Gateway.APIs[0].Routes[1].Auth = AuthPublic }, nil},
		{"fail/route-auth", func(c *Config) { c.Gateway.APIs[0].Routes[1].Auth = "none" }, []Problem{e("gateway.apis[0].routes[1].auth", "oauth2, api_key or public")}},
		{"fail/scope-token-space", func(c *Config) { api(c).Scopes = []string{"a b"} }, []Problem{e("gateway.apis[0].scopes[0]", "scope token")}},
		{"fail/scope-token-quote", func(c *Config) { route(c).Scopes = []string{`a"b`} }, []Problem{e("gateway.apis[0].routes[0].scopes[0]", "scope token")}},
		{"fail/scope-token-empty", func(c *Config) { api(c).Scopes = []string{""} }, []Problem{e("gateway.apis[0].scopes[0]", "scope token")}},
		{"fail/method-lowercase", func(c *Config) { route(c).Methods = []string{"post"} }, []Problem{e("gateway.apis[0].routes[0].methods[0]", "uppercase")}},
		{"fail/method-token", func(c *Config) { route(c).Methods = []string{"GE T"} }, []Problem{e("gateway.apis[0].routes[0].methods[0]", "HTTP method")}},
		{"fail/method-trace", func(c *Config) { route(c).Methods = []string{"TRACE"} }, []Problem{e("gateway.apis[0].routes[0].methods[0]", "TRACE")}},
		{"fail/methods-empty", func(c *Config) { route(c).Methods = nil }, []Problem{e("gateway.apis[0].routes[0].methods", "at least one")}},
		{"fail/route-outside-prefix", func(c *Config) { route(c).Path = "/ordersx" }, []Problem{e("gateway.apis[0].routes[0].path", "must start with the API's path_prefix")}},
		{"fail/route-relative", func(c *Config) { route(c).Path = "orders" }, []Problem{e("gateway.apis[0].routes[0].path", "start with /")}},
		{"fail/route-param-unclosed", func(c *Config) { route(c).Path = "/orders/{id" }, []Problem{e("gateway.apis[0].routes[0].path", "whole segment {name}")}},
		{"fail/route-param-partial", func(c *Config) { route(c).Path = "/orders/x{id}" }, []Problem{e("gateway.apis[0].routes[0].path", "braces")}},
		{"fail/route-param-name", func(c *Config) { route(c).Path = "/orders/{a-b}" }, []Problem{e("gateway.apis[0].routes[0].path", "whole segment {name}")}},
		{"fail/route-param-dup", func(c *Config) { route(c).Path = "/orders/{id}/{id}" }, []Problem{e("gateway.apis[0].routes[0].path", "appears twice")}},
		{"fail/route-dup", func(c *Config) {
			api(c).Routes = append(api(c).Routes, Route{Methods: []string{"PUT", "GET"}, Path: "/orders/{oid}"})
		}, []Problem{e("gateway.apis[0].routes[2]", "same method and path as gateway.apis[0].routes[1]")}},
		{"fail/rate-limit", func(c *Config) { api(c).RateLimit = &RateLimit{By: "tenant"} }, []Problem{
			e("gateway.apis[0].rate_limit.requests", "greater than zero"), e("gateway.apis[0].rate_limit.per", "greater than zero"),
			e("gateway.apis[0].rate_limit.by", "client, api_key, user or ip")}},
		{"ok/route-rate-limit", func(c *Config) { route(c).RateLimit = &RateLimit{Requests: 1, Per: Duration(time.Second), By: ByIP} }, nil},
		{"fail/route-rate-limit-by", func(c *Config) {
			route(c).RateLimit = &RateLimit{Requests: 1, Per: Duration(time.Second), By: "tenant"}
		}, []Problem{e("gateway.apis[0].routes[0].rate_limit.by", "client, api_key, user or ip")}},
		{"fail/sender-constraint", func(c *Config) { api(c).SenderConstraint = "token-binding" }, []Problem{e("gateway.apis[0].sender_constraint", "none, dpop or mtls"), e("gateway.apis[0].sender_constraint", unsup)}},
		{"fail/sender-dpop", func(c *Config) { api(c).SenderConstraint = SenderDPoP }, []Problem{e("gateway.apis[0].sender_constraint", unsup)}},
		{"fail/sender-mtls-no-ca", func(c *Config) { api(c).SenderConstraint = SenderMTLS }, []Problem{e("gateway.apis[0].sender_constraint", "client_ca_file"), e("gateway.apis[0].sender_constraint", unsup)}},
		{"fail/response-validation", func(c *Config) { api(c).ResponseValidation = "warn" }, []Problem{e("gateway.apis[0].response_validation", "block, strip or off")}},
		{"fail/response-validation-without-openapi", func(c *Config) { api(c).ResponseValidation = "strip" }, []Problem{e("gateway.apis[0].response_validation", "needs openapi")}},
		{"ok/response-validation-off", func(c *Config) { api(c).ResponseValidation = "off" }, nil},
		{"fail/content-type", func(c *Config) { api(c).ContentTypes = []string{"json"} }, []Problem{e("gateway.apis[0].content_types[0]", "media type")}},
		{"ok/content-types", func(c *Config) { api(c).ContentTypes = []string{"application/json"} }, nil},
		{"fail/openapi-missing", func(c *Config) { api(c).OpenAPI = filepath.Join(dir, "nope.yaml") }, []Problem{e("gateway.apis[0].openapi", "file not found")}},
		{"ok/policy", func(c *Config) { api(c).Policy = "true" }, nil},
		{"ok/route-policy", func(c *Config) { route(c).Policy = "true" }, nil},
		{"fail/deprecated", func(c *Config) { api(c).Deprecated = &Deprecation{Sunset: "soon", Link: "docs"} }, []Problem{
			e("gateway.apis[0].deprecated.sunset", "date"), e("gateway.apis[0].deprecated.link", "absolute")}},
		{"ok/deprecated", func(c *Config) {
			api(c).Deprecated = &Deprecation{Since: "2029-06-01", Sunset: "2030-01-01", Link: "https://docs.example/x"}
		}, nil},
		{"fail/deprecated-since", func(c *Config) {
			api(c).Deprecated = &Deprecation{Since: "June", Sunset: "2030-01-01"}
		}, []Problem{e("gateway.apis[0].deprecated.since", "date")}},
		{"fail/deprecated-sunset-before-since", func(c *Config) {
			api(c).Deprecated = &Deprecation{Since: "2030-01-02", Sunset: "Tue, 01 Jan 2030 00:00:00 GMT"}
		}, []Problem{e("gateway.apis[0].deprecated.sunset", "earlier than deprecated.since")}},
		{"ok/disabled", func(c *Config) { api(c).Disabled = true }, nil},
		{"ok/max-body-api", func(c *Config) { api(c).MaxBody = 10 }, nil},
		{"fail/upstream-timeout", func(c *Config) { api(c).UpstreamTimeout = -1 }, []Problem{e("gateway.apis[0].upstream_timeout", "negative")}},
		{"ok/upstream-timeout", func(c *Config) { api(c).UpstreamTimeout = Duration(5 * time.Second) }, nil},
		{"fail/cors-origin-path", func(c *Config) { api(c).CORS = &CORS{AllowOrigins: []string{"https://a.example/"}} }, []Problem{e("gateway.apis[0].cors.allow_origins[0]", "exact origin")}},
		{"fail/cors-origin-wildcard-host", func(c *Config) { api(c).CORS = &CORS{AllowOrigins: []string{"https://*.example"}} }, []Problem{e("gateway.apis[0].cors.allow_origins[0]", "exact origin")}},
		{"fail/cors-star-credentials", func(c *Config) { api(c).CORS = &CORS{AllowOrigins: []string{"*"}, AllowCredentials: true} }, []Problem{e("gateway.apis[0].cors.allow_origins[0]", "allow_credentials")}},
		{"fail/cors-no-origin", func(c *Config) { api(c).CORS = &CORS{} }, []Problem{e("gateway.apis[0].cors.allow_origins", "at least one")}},
		{"ok/cors", func(c *Config) {
			api(c).CORS = &CORS{AllowOrigins: []string{"https://a.example:8443", "http://localhost:3000"}, AllowMethods: []string{"GET"}, AllowHeaders: []string{"Content-Type"}}
		}, nil},
		{"fail/allow-ips", func(c *Config) { api(c).AllowIPs = []string{"10.0.0.0/8", "::1", "10.0.0.300"} }, []Problem{e("gateway.apis[0].allow_ips[2]", "IP address or a CIDR")}},
		{"ok/deny-ips", func(c *Config) { api(c).DenyIPs = []string{"192.0.2.0/24"} }, nil},
		{"fail/trusted-proxies", func(c *Config) { c.Gateway.TrustedProxies = []string{"10.0.0.0/33"} }, []Problem{e("gateway.trusted_proxies[0]", "IP address or a CIDR")}},
		{"ok/trusted-proxies", func(c *Config) { c.Gateway.TrustedProxies = []string{"10.0.0.0/8", "192.0.2.1"} }, nil},
		{"ok/opaque", func(c *Config) { c.AuthorizationServer.AccessToken.Format = FormatOpaque }, nil},
		{"fail/audit-retention", func(c *Config) { c.Audit.Retention = Duration(4379 * time.Hour) }, []Problem{e("audit.retention", "at least 4380h")}},
		{"ok/audit-retention-min", func(c *Config) { c.Audit.Retention = Duration(4380 * time.Hour) }, nil},
		{"fail/audit-dir", func(c *Config) { c.Audit.Dir = "" }, []Problem{e("audit.dir", "required")}},
		{"fail/jail", func(c *Config) { c.Jail = Jail{MaxFailures: -1, Window: -1, Ban: -1} }, []Problem{
			e("jail.max_failures", "between 1 and 100"), e("jail.window", "greater than zero"), e("jail.ban", "greater than zero")}},
		{"fail/jail-too-many", func(c *Config) { c.Jail.MaxFailures = 101 }, []Problem{e("jail.max_failures", "between 1 and 100")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			tc.mutate(c)
			before := cloneConfig(t, c)
			err := c.Validate()
			if !reflect.DeepEqual(before, c) {
				t.Fatal("Validate mutated the config")
			}
			got := derefAll(problems(t, err))
			if len(got) != len(tc.want) {
				t.Fatalf("Validate() = %d errors, want %d:\n%v", len(got), len(tc.want), err)
			}
			for _, w := range tc.want {
				if !hasProblem(got, w.Path, w.Message) {
					t.Errorf("Validate() has no error %q at %q:\n%v", w.Message, w.Path, err)
				}
			}
		})
	}
}

// cloneConfig deep-copies c (pointers, structs and slices) with reflection.
func cloneConfig(t *testing.T, c *Config) *Config {
	t.Helper()
	return deepCopy(reflect.ValueOf(c)).Interface().(*Config)
}

func deepCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(deepCopy(v.Elem()))
		return p
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		out.Set(v) // copies unexported fields too
		for i := range v.NumField() {
			if out.Field(i).CanSet() {
				out.Field(i).Set(deepCopy(v.Field(i)))
			}
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(deepCopy(v.Index(i)))
		}
		return out
	}
	return v
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c := validConfig()
	c.DataDir = ""
	c.AuthorizationServer.AccessToken.TTL = Duration(2 * time.Hour)
	c.Gateway.APIs[0].Upstream = "nope"
	c.Gateway.APIs[0].Routes[0].Methods = []string{"get"}
	c.Audit.Retention = Duration(time.Hour)
	c.Gateway.APIs[0].CORS = &CORS{}
	err := c.Validate()
	want := []string{"data_dir", "authorization_server.access_token.ttl", "gateway.apis[0].upstream",
		"gateway.apis[0].routes[0].methods[0]", "audit.retention", "gateway.apis[0].cors.allow_origins"}
	got := derefAll(problems(t, err))
	if len(got) != len(want) {
		t.Errorf("Validate() = %d problems, want %d:\n%v", len(got), len(want), err)
	}
	for _, path := range want {
		if !hasProblem(got, path, "") {
			t.Errorf("Validate() has no problem at %s:\n%v", path, err)
		}
	}
	var p *Problem
	if !errors.As(err, &p) || p.Path != "data_dir" || p.Error() != "data_dir: required" {
		t.Errorf("errors.As(*Problem) = %v, want the first problem data_dir: required", p)
	}
}

func TestValidateNil(t *testing.T) {
	var c *Config
	if err := c.Validate(); err == nil {
		t.Error("(*Config)(nil).Validate() = nil")
	}
}

func TestGatewayIssuer(t *testing.T) {
	gw := func(issuer string) *Gateway {
		return &Gateway{Listener: Listener{Listen: "127.0.0.1:8443"}, Issuer: issuer}
	}
	as := &AuthorizationServer{Listener: Listener{Listen: "127.0.0.1:9443"}, Issuer: "https://as.example"}
	for _, tc := range []struct {
		name    string
		c       Config
		want    string // GatewayIssuer
		wantErr string // substring of Validate's error, "" for no gateway.issuer error
	}{
		{"ok/from-authorization-server", Config{Gateway: gw(""), AuthorizationServer: as}, "https://as.example", ""},
		{"ok/same-as-authorization-server", Config{Gateway: gw("https://as.example"), AuthorizationServer: as}, "https://as.example", ""},
		{"ok/gateway-alone", Config{Gateway: gw("https://as.example")}, "https://as.example", ""},
		{"fail/gateway-alone-without-issuer", Config{Gateway: gw("")}, "", "gateway.issuer: required"},
		{"fail/differs", Config{Gateway: gw("https://other.example"), AuthorizationServer: as}, "https://other.example", "gateway.issuer: must equal"},
		{"fail/not-a-url", Config{Gateway: gw("as.example")}, "as.example", "gateway.issuer: must be"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ApplyDefaults(&tc.c)
			if got := tc.c.GatewayIssuer(); got != tc.want {
				t.Errorf("GatewayIssuer() = %q, want %q", got, tc.want)
			}
			err := tc.c.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if tc.wantErr == "" && strings.Contains(got, "gateway.issuer") {
				t.Errorf("unexpected gateway.issuer error: %v", err)
			}
			if tc.wantErr != "" && !strings.Contains(got, tc.wantErr) {
				t.Errorf("Validate() = %v, want %q", err, tc.wantErr)
			}
		})
	}
}
