package config

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strings"
)

// Report is the outcome of Check: errors make the configuration unusable
// (the same as Validate), warnings are risky choices worth a look. Each
// problem carries its key path so the CLI can print it.
type Report struct {
	Errors   []Problem
	Warnings []Problem
}

// OK reports whether the configuration has no error (warnings allowed).
func (r Report) OK() bool { return len(r.Errors) == 0 }

// Err returns the errors joined as *Problem values, or nil.
func (r Report) Err() error {
	errs := make([]error, len(r.Errors))
	for i := range r.Errors {
		errs[i] = &r.Errors[i]
	}
	return errors.Join(errs...)
}

// Check reports every error Validate reports plus warnings: token
// lifetimes (T1, T2), plaintext listeners and certificates from the local development CA
// (R12), a non-loopback admin listener, a generated encryption key, and
// more. It never mutates c.
func (c *Config) Check() Report {
	if c == nil {
		return Report{Errors: []Problem{{Message: "no configuration"}}}
	}
	var f findings
	c.validate(&f)
	c.warnings(&f)
	return Report{Errors: f.errs, Warnings: f.warns}
}

// warnings records the warnings of c.
func (c *Config) warnings(f *findings) {
	if c.EncryptionKey == "" {
		f.warn("encryption_key", "absent: a key is generated in data_dir; fine for a single node, but every node of a cluster needs the same key")
	}
	if c.Store.Driver == DriverSQLite && c.Redis != nil {
		f.warn("redis", "set with store driver sqlite, which a cluster cannot share: nodes will not share state")
	}
	for _, l := range c.listeners() {
		if l.l.InsecurePlaintext {
			f.warn(l.path+".insecure_plaintext", "plaintext HTTP listener: use only behind a TLS-terminating proxy (R12)")
		} else if l.l.TLS == nil || l.l.TLS.CertFile == "" {
			if l.path != "admin" {
				f.warn(l.path+".tls", "no certificate configured: a development certificate from the local CA in data_dir/tls is served")
			}
		}
	}
	if a := c.Admin; a != nil && a.Listen != "" && !isLoopback(a.Listen) {
		f.warn("admin.listen", "not a loopback address: the admin API is reachable from the network")
	}
	if as := c.AuthorizationServer; as != nil {
		lifetimeWarnings(f, as)
	}
	if g := c.Gateway; g != nil {
		gatewayWarnings(f, g)
	}
}

func lifetimeWarnings(f *findings, as *AuthorizationServer) {
	const p = "authorization_server"
	access, refresh := as.AccessToken.TTL.Std(), as.RefreshToken.TTL.Std()
	switch {
	case access > accessTTLCeiling && as.AllowLongLifetimes:
		f.warn(p+".access_token.ttl", "above the 1h ceiling (T1), allowed only by allow_long_lifetimes")
	case access > accessTTLWarn && access <= accessTTLCeiling:
		f.warn(p+".access_token.ttl", "longer than 30m (T1): keep access tokens short-lived")
	}
	if refresh > refreshTTLCeiling && as.AllowLongLifetimes {
		f.warn(p+".refresh_token.ttl", "above the 720h (30 days) ceiling (T2), allowed only by allow_long_lifetimes")
	}
	if access >= minLifetime && refresh >= minLifetime && refresh%access != 0 {
		f.warn(p+".refresh_token.ttl", "not a multiple of access_token.ttl (T2)")
	}
}

func gatewayWarnings(f *findings, g *Gateway) {
	if len(g.APIs) == 0 {
		f.warn("gateway.apis", "no API configured: every request is refused")
	}
	for i := range g.APIs {
		api := &g.APIs[i]
		p := fmt.Sprintf("gateway.apis[%d]", i)
		if api.Auth == AuthOAuth2 && len(api.AllScopes()) == 0 {
			f.warn(p+".scopes", "no scope required: any access token issued for this API is accepted")
		}
		if u, err := url.Parse(api.Upstream); err == nil && u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
			f.warn(p+".upstream", "plaintext HTTP to a non-loopback upstream: the verified identity crosses the network unencrypted")
		}
	}
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// APIByName returns the gateway API called name, or nil.
func (c *Config) APIByName(name string) *API {
	if c.Gateway == nil {
		return nil
	}
	for i := range c.Gateway.APIs {
		if c.Gateway.APIs[i].Name == name {
			return &c.Gateway.APIs[i]
		}
	}
	return nil
}

// AllScopes returns the API's scopes and its routes' scopes, sorted and
// without duplicates: every scope that touches this API (token audience
// rules), or nil when there is none.
func (a *API) AllScopes() []string {
	set := make(map[string]bool)
	for _, s := range a.Scopes {
		set[s] = true
	}
	for _, r := range a.Routes {
		for _, s := range r.Scopes {
			set[s] = true
		}
	}
	if len(set) == 0 {
		return nil
	}
	return slices.Sorted(maps.Keys(set))
}
