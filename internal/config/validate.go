package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Lifetime ceilings and floors (T1, T2, R8, R18).
const (
	minLifetime        = time.Second
	accessTTLWarn      = 30 * time.Minute    // T1: warned about above
	accessTTLCeiling   = time.Hour           // T1: refused above unless allowed
	refreshTTLCeiling  = 30 * 24 * time.Hour // T2: refused above unless allowed
	minAuditRetention  = 4380 * time.Hour    // R18: 6 months
	maxAPINameLength   = 63
	secretInFileAdvice = "use ${env:NAME} or ${file:PATH} (R5)"
)

// Problem is one configuration error or warning, located by its key path
// (e.g. "gateway.apis[0].upstream"). Validate and Check messages never
// contain a configured value, and decode messages quote only values
// written literally in the file, never what a reference resolved to: it
// may be a secret (R5, R20).
type Problem struct {
	Path    string
	Message string
}

// Error returns "path: message".
func (p *Problem) Error() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// findings collects the problems of one inspection.
type findings struct {
	errs, warns []Problem
}

func (f *findings) err(path, format string, args ...any) {
	f.errs = append(f.errs, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (f *findings) warn(path, format string, args ...any) {
	f.warns = append(f.warns, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// Validate reports every error of c at once, as an errors.Join of
// *Problem values; nil means c may be used. It never mutates c. It expects
// defaults to have been applied (Parse does; a Config built in Go needs
// ApplyDefaults first). Contract keys whose enforcement is not built yet
// are errors (see unsupported).
func (c *Config) Validate() error {
	var errs []error
	for _, p := range c.Check().Errors {
		errs = append(errs, &p)
	}
	return errors.Join(errs...)
}

// validate records the errors of c.
func (c *Config) validate(f *findings) {
	if c.AuthorizationServer == nil && c.Gateway == nil && c.Admin == nil {
		f.err("", "no role configured: add at least one of authorization_server, gateway, admin")
	}
	if c.DataDir == "" {
		f.err("data_dir", "required")
	}
	c.validateStore(f)
	c.validateSecrets(f)
	for _, l := range c.listeners() {
		validateListener(f, l.path, l.l)
	}
	validateListenConflicts(f, c.listeners())
	if as := c.AuthorizationServer; as != nil {
		validateAS(f, as)
		validateASRateLimit(f, as.RateLimit)
		validateRateLimit(f, "authorization_server.login_rate_limit", as.LoginRateLimit)
		if rl := as.LoginRateLimit; rl != nil && rl.By != ByIP {
			f.err("authorization_server.login_rate_limit.by", "must be ip (logins are limited per client address)")
		}
	}
	if g := c.Gateway; g != nil {
		validateGateway(f, g)
		validateGatewayIssuer(f, g, c.AuthorizationServer)
		validateGatewayLimits(f, g)
	}
	if c.Audit.Dir == "" {
		f.err("audit.dir", "required")
	}
	if c.Audit.Retention.Std() < minAuditRetention {
		f.err("audit.retention", "must be at least 4380h (6 months, R18)")
	}
	if c.Jail.MaxFailures <= 0 || c.Jail.MaxFailures > 100 {
		f.err("jail.max_failures", "must be between 1 and 100 (R3)")
	}
	if c.Jail.Window <= 0 {
		f.err("jail.window", "must be greater than zero (R3)")
	}
	if c.Jail.Ban <= 0 {
		f.err("jail.ban", "must be greater than zero (R3)")
	}
	for _, p := range unsupported(c) {
		f.err(p.Path, "%s", p.Message)
	}
}

func (c *Config) validateStore(f *findings) {
	switch c.Store.Driver {
	case DriverSQLite:
	case DriverPostgres:
		if c.Store.DSN == "" {
			f.err("store.dsn", "required with driver postgres")
		}
	default:
		f.err("store.driver", "must be sqlite or postgres")
	}
	if r := c.Redis; r != nil {
		u, err := url.Parse(r.URL)
		switch {
		case r.URL == "":
			f.err("redis.url", "required")
		case err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "":
			f.err("redis.url", "must be a redis:// or rediss:// URL with a host")
		}
	}
}

// validateSecrets checks the encryption key and keeps secrets out of the
// file itself (R5).
func (c *Config) validateSecrets(f *findings) {
	if k := c.EncryptionKey; k != "" {
		if b, err := base64.StdEncoding.DecodeString(k); err != nil || len(b) != 32 {
			f.err("encryption_key", "must be the standard base64 encoding of exactly 32 random bytes (e.g. openssl rand -base64 32)")
		}
	}
	for _, p := range c.literal {
		switch {
		case p == "encryption_key" && c.EncryptionKey != "":
			f.err(p, "a secret must not be written in the config file: %s", secretInFileAdvice)
		case p == "store.dsn" && hasPassword(c.Store.DSN):
			f.err(p, "contains a password written in the config file: %s", secretInFileAdvice)
		case p == "redis.url" && c.Redis != nil && hasPassword(c.Redis.URL):
			f.err(p, "contains a password written in the config file: %s", secretInFileAdvice)
		}
	}
}

// hasPassword reports whether a DSN or URL embeds a password, in URL
// userinfo or as a password= parameter.
func hasPassword(dsn string) bool {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, set := u.User.Password(); set {
			return true
		}
	}
	return strings.Contains(strings.ReplaceAll(strings.ToLower(dsn), " ", ""), "password=")
}

// namedListener is a listener with the path of its section.
type namedListener struct {
	path string
	l    *Listener
}

// listeners returns the listeners of the present roles.
func (c *Config) listeners() []namedListener {
	var out []namedListener
	if c.AuthorizationServer != nil {
		out = append(out, namedListener{"authorization_server", &c.AuthorizationServer.Listener})
	}
	if c.Gateway != nil {
		out = append(out, namedListener{"gateway", &c.Gateway.Listener})
	}
	if c.Admin != nil {
		out = append(out, namedListener{"admin", &c.Admin.Listener})
	}
	return out
}

func validateListener(f *findings, path string, l *Listener) {
	if _, _, msg := splitListen(l.Listen); msg != "" {
		f.err(path+".listen", "%s", msg)
	}
	if l.TLS == nil {
		return
	}
	if l.InsecurePlaintext {
		f.err(path+".insecure_plaintext", "cannot be combined with tls: choose one (R12)")
	}
	t := l.TLS
	if (t.CertFile == "") != (t.KeyFile == "") {
		f.err(path+".tls", "cert_file and key_file must be given together")
	}
	checkFile(f, path+".tls.cert_file", t.CertFile)
	checkFile(f, path+".tls.key_file", t.KeyFile)
	checkFile(f, path+".tls.client_ca_file", t.ClientCAFile)
}

// splitListen checks a host:port listen address.
func splitListen(addr string) (host string, port int, msg string) {
	if addr == "" {
		return "", 0, "required"
	}
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, "must be host:port (e.g. 127.0.0.1:8443 or [::1]:8443)"
	}
	port, err = strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 || strings.TrimLeft(p, "0123456789") != "" {
		return "", 0, "port must be a number from 0 to 65535"
	}
	if host != "" && net.ParseIP(host) == nil && !isHostname(host) {
		return "", 0, "host must be an IP address or a host name"
	}
	return host, port, ""
}

// isHostname reports whether s is a syntactically valid DNS name.
func isHostname(s string) bool {
	if len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return false
			}
		}
	}
	return true
}

// validateListenConflicts refuses two roles on the same port of
// overlapping addresses.
func validateListenConflicts(f *findings, ls []namedListener) {
	for i, a := range ls {
		ha, pa, ma := splitListen(a.l.Listen)
		for _, b := range ls[:i] {
			hb, pb, mb := splitListen(b.l.Listen)
			if ma != "" || mb != "" || pa == 0 || pa != pb {
				continue
			}
			if ha == hb || isUnspecified(ha) || isUnspecified(hb) {
				f.err(a.path+".listen", "same address as %s.listen", b.path)
			}
		}
	}
}

func isUnspecified(host string) bool {
	ip := net.ParseIP(host)
	return host == "" || (ip != nil && ip.IsUnspecified())
}

// isLoopback reports whether a listen address only accepts local peers.
func isLoopback(addr string) bool {
	host, _, msg := splitListen(addr)
	if msg != "" {
		return false
	}
	return isLoopbackHost(host)
}

// checkFile records an error when a configured file is not a readable
// regular file. An empty name is not checked.
func checkFile(f *findings, path, name string) {
	if name == "" {
		return
	}
	st, err := os.Stat(name)
	switch {
	case errors.Is(err, os.ErrNotExist):
		f.err(path, "file not found (relative paths are resolved against the config file's directory)")
	case err != nil:
		f.err(path, "file cannot be read")
	case !st.Mode().IsRegular():
		f.err(path, "not a regular file")
	}
}

// checkURL returns a message when s is not an absolute URL with a host,
// of scheme https (or http when allowHTTP), without userinfo, query or
// fragment.
func checkURL(s string, allowHTTP bool) string {
	want := "an absolute https URL"
	if allowHTTP {
		want = "an absolute http or https URL"
	}
	u, err := url.Parse(s)
	switch {
	case s == "":
		return "required"
	case err != nil || u.Opaque != "" || u.Hostname() == "":
		return "must be " + want + " with a host"
	case u.Scheme != "https" && !(allowHTTP && u.Scheme == "http"):
		return "must be " + want
	case u.User != nil:
		return "must not contain user information"
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#"):
		return "must not contain a query or a fragment"
	}
	return ""
}

func validateAS(f *findings, as *AuthorizationServer) {
	const p = "authorization_server"
	if msg := checkURL(as.Issuer, as.InsecurePlaintext); msg != "" {
		f.err(p+".issuer", "%s (RFC 8414 §2; when listen has no host, set issuer explicitly)", msg)
	} else if strings.HasSuffix(as.Issuer, "/") {
		// iss is compared byte for byte (RFC 8414 §3.3, R6): one spelling only.
		f.err(p+".issuer", "must not end with /")
	}
	access, refresh := as.AccessToken.TTL.Std(), as.RefreshToken.TTL.Std()
	switch {
	case access < minLifetime:
		f.err(p+".access_token.ttl", "must be at least 1s")
	case access > accessTTLCeiling && !as.AllowLongLifetimes:
		f.err(p+".access_token.ttl", "above 1h is refused (T1); set %s.allow_long_lifetimes: true to override", p)
	}
	switch as.AccessToken.Format {
	case FormatJWT, FormatOpaque:
	default:
		f.err(p+".access_token.format", "must be jwt or opaque")
	}
	switch {
	case refresh < minLifetime:
		f.err(p+".refresh_token.ttl", "must be at least 1s")
	case refresh > refreshTTLCeiling && !as.AllowLongLifetimes:
		f.err(p+".refresh_token.ttl", "above 720h (30 days) is refused (T2); set %s.allow_long_lifetimes: true to override", p)
	}
	seen := make(map[string]int)
	for i, t := range as.AuthorizationDetailsTypes {
		tp := fmt.Sprintf("%s.authorization_details_types[%d]", p, i)
		switch j, dup := seen[t.Type]; {
		case t.Type == "":
			f.err(tp+".type", "required")
		case dup:
			f.err(tp+".type", "same type as %s.authorization_details_types[%d]", p, j)
		default:
			seen[t.Type] = i
		}
		checkFile(f, tp+".schema", t.Schema)
	}
}

// validateGatewayIssuer: the gateway trusts exactly one issuer, the
// authorization server's (R6).
func validateGatewayIssuer(f *findings, g *Gateway, as *AuthorizationServer) {
	switch {
	case g.Issuer == "" && as == nil:
		f.err("gateway.issuer", "required when authorization_server is not configured in the same file")
	case g.Issuer == "":
		// authorization_server.issuer applies, validated there.
	case as != nil && g.Issuer != as.Issuer:
		f.err("gateway.issuer", "must equal authorization_server.issuer")
	default:
		if msg := checkURL(g.Issuer, true); msg != "" {
			f.err("gateway.issuer", "%s", msg)
		} else if strings.HasSuffix(g.Issuer, "/") {
			f.err("gateway.issuer", "must not end with /")
		}
	}
}

// GatewayIssuer is the issuer the gateway trusts: gateway.issuer, else
// authorization_server.issuer.
func (c *Config) GatewayIssuer() string {
	if c.Gateway != nil && c.Gateway.Issuer != "" {
		return c.Gateway.Issuer
	}
	if c.AuthorizationServer != nil {
		return c.AuthorizationServer.Issuer
	}
	return ""
}

// validateASRateLimit: the token endpoint is limited per client address or
// per client id (R11).
func validateASRateLimit(f *findings, rl *RateLimit) {
	const p = "authorization_server.rate_limit"
	validateRateLimit(f, p, rl)
	if rl != nil && rl.By != ByIP && rl.By != ByClient && rl.By != "" {
		f.err(p+".by", "must be ip or client on the authorization server")
	}
}

// validateGatewayLimits checks the gateway's resource limits and the extra
// credential parameter names (R15).
func validateGatewayLimits(f *findings, g *Gateway) {
	positive := map[string]int64{
		"gateway.max_headers":                   int64(g.MaxHeaders),
		"gateway.max_header_bytes":              int64(g.MaxHeaderBytes),
		"gateway.max_response_body":             int64(g.MaxResponseBody),
		"gateway.timeouts.read_header":          int64(g.Timeouts.ReadHeader),
		"gateway.timeouts.read":                 int64(g.Timeouts.Read),
		"gateway.timeouts.write":                int64(g.Timeouts.Write),
		"gateway.timeouts.idle":                 int64(g.Timeouts.Idle),
		"gateway.timeouts.upstream":             int64(g.Timeouts.Upstream),
		"gateway.json_limits.max_depth":         int64(g.JSONLimits.MaxDepth),
		"gateway.json_limits.max_string_length": int64(g.JSONLimits.MaxStringLength),
		"gateway.json_limits.max_array_length":  int64(g.JSONLimits.MaxArrayLength),
		"gateway.json_limits.max_members":       int64(g.JSONLimits.MaxMembers),
	}
	for _, path := range sortedKeys(positive) {
		if positive[path] <= 0 {
			f.err(path, "must be greater than zero")
		}
	}
	if g.MaxHeaders > 1000 {
		f.err("gateway.max_headers", "must be at most 1000")
	}
	if g.MaxHeaderBytes > 1<<20 {
		f.err("gateway.max_header_bytes", "must be at most 1MiB")
	}
	for i, name := range g.CredentialParams {
		if name == "" || strings.ContainsAny(name, "=&;# \t") {
			f.err(fmt.Sprintf("gateway.credential_params[%d]", i), "must be a query parameter name")
		}
	}
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
