package config

import (
	"path/filepath"
	"time"
)

// Defaults named by the contract and the requirements.
const (
	DefaultDataDir         = "./rempart-data"
	DefaultASListen        = "127.0.0.1:9443"
	DefaultGatewayListen   = "127.0.0.1:8443"
	DefaultAdminListen     = "127.0.0.1:9444"
	DefaultAccessTokenTTL  = Duration(30 * time.Minute) // T1, R8
	DefaultRefreshTokenTTL = Duration(24 * time.Hour)   // T2, R8
	DefaultMaxBody         = ByteSize(1 << 20)
	DefaultAuditRetention  = Duration(4464 * time.Hour) // R18: more than 6 months
	DefaultJailMaxFailures = 5                          // R3
	DefaultJailWindow      = Duration(5 * time.Minute)
	DefaultJailBan         = Duration(15 * time.Minute)
	DefaultMaxHeaders      = 100
	DefaultMaxHeaderBytes  = ByteSize(32 << 10)
	DefaultMaxResponseBody = ByteSize(10 << 20)
	DefaultJSONMaxDepth    = 32
	DefaultJSONMaxString   = ByteSize(64 << 10)
	DefaultJSONMaxArray    = 10000
	DefaultJSONMaxMembers  = 1000
	DefaultTokenRateLimit  = 1200 // token-endpoint requests per minute per client address (R11)
	DefaultLoginRateLimit  = 30   // login attempts per minute per client address (R11)
	defaultAuditSubdir     = "audit"
	defaultSecureScheme    = "https://"
	defaultPlaintextScheme = "http://"
)

// ApplyDefaults fills every unset field that has a default. It is the only
// place defaults live, is idempotent, and never creates a role section: a
// role runs only when its section is present. Sections present get their
// listen address, issuer or public URL, token settings and per-API auth.
func ApplyDefaults(c *Config) {
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.Store.Driver == "" {
		c.Store.Driver = DriverSQLite
	}
	if as := c.AuthorizationServer; as != nil {
		if as.Listen == "" {
			as.Listen = DefaultASListen
		}
		if as.Issuer == "" {
			scheme := defaultSecureScheme
			if as.InsecurePlaintext {
				scheme = defaultPlaintextScheme
			}
			as.Issuer = scheme + as.Listen
		}
		if as.AccessToken.TTL == 0 {
			as.AccessToken.TTL = DefaultAccessTokenTTL
		}
		if as.AccessToken.Format == "" {
			as.AccessToken.Format = FormatJWT
		}
		if as.RefreshToken.TTL == 0 {
			as.RefreshToken.TTL = DefaultRefreshTokenTTL
		}
		if as.RateLimit == nil {
			as.RateLimit = &RateLimit{Requests: DefaultTokenRateLimit, Per: Duration(time.Minute), By: ByIP}
		}
		if as.LoginRateLimit == nil {
			as.LoginRateLimit = &RateLimit{Requests: DefaultLoginRateLimit, Per: Duration(time.Minute), By: ByIP}
		}
	}
	if g := c.Gateway; g != nil {
		if g.Listen == "" {
			g.Listen = DefaultGatewayListen
		}
		if g.PublicURL == "" {
			g.PublicURL = defaultSecureScheme + g.Listen
		}
		if g.MaxBody == 0 {
			g.MaxBody = DefaultMaxBody
		}
		applyGatewayLimits(g)
		for i := range g.APIs {
			api := &g.APIs[i]
			if api.Auth == "" {
				api.Auth = AuthOAuth2 // secure by default
			}
			if api.SenderConstraint == "" {
				api.SenderConstraint = SenderNone
			}
		}
	}
	if a := c.Admin; a != nil && a.Listen == "" {
		a.Listen = DefaultAdminListen
	}
	if c.Audit.Dir == "" {
		c.Audit.Dir = filepath.Join(c.DataDir, defaultAuditSubdir)
	}
	if c.Audit.Retention == 0 {
		c.Audit.Retention = DefaultAuditRetention
	}
	if c.Jail.MaxFailures == 0 {
		c.Jail.MaxFailures = DefaultJailMaxFailures
	}
	if c.Jail.Window == 0 {
		c.Jail.Window = DefaultJailWindow
	}
	if c.Jail.Ban == 0 {
		c.Jail.Ban = DefaultJailBan
	}
}

// resolvePaths makes the relative file paths of c absolute against
// baseDir (the config file's directory), defaults included.
func resolvePaths(c *Config, baseDir string) {
	if baseDir == "" {
		return
	}
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(baseDir, *p)
		}
	}
	abs(&c.DataDir)
	abs(&c.Audit.Dir)
	if c.Store.Driver == DriverSQLite {
		abs(&c.Store.DSN) // with driver sqlite, the DSN is the database file's path
	}
	tls := func(t *TLS) {
		if t != nil {
			abs(&t.CertFile)
			abs(&t.KeyFile)
			abs(&t.ClientCAFile)
		}
	}
	if as := c.AuthorizationServer; as != nil {
		tls(as.TLS)
		for i := range as.AuthorizationDetailsTypes {
			abs(&as.AuthorizationDetailsTypes[i].Schema)
		}
	}
	if g := c.Gateway; g != nil {
		tls(g.TLS)
		for i := range g.APIs {
			abs(&g.APIs[i].OpenAPI)
		}
	}
	if a := c.Admin; a != nil {
		tls(a.TLS)
	}
}

// applyGatewayLimits fills the gateway's resource limits.
func applyGatewayLimits(g *Gateway) {
	setInt := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	setSize := func(v *ByteSize, d ByteSize) {
		if *v == 0 {
			*v = d
		}
	}
	setDur := func(v *Duration, d time.Duration) {
		if *v == 0 {
			*v = Duration(d)
		}
	}
	setInt(&g.MaxHeaders, DefaultMaxHeaders)
	setSize(&g.MaxHeaderBytes, DefaultMaxHeaderBytes)
	setSize(&g.MaxResponseBody, DefaultMaxResponseBody)
	setDur(&g.Timeouts.ReadHeader, 10*time.Second)
	setDur(&g.Timeouts.Read, 30*time.Second)
	setDur(&g.Timeouts.Write, 60*time.Second)
	setDur(&g.Timeouts.Idle, 120*time.Second)
	setDur(&g.Timeouts.Upstream, 30*time.Second)
	setInt(&g.JSONLimits.MaxDepth, DefaultJSONMaxDepth)
	setSize(&g.JSONLimits.MaxStringLength, DefaultJSONMaxString)
	setInt(&g.JSONLimits.MaxArrayLength, DefaultJSONMaxArray)
	setInt(&g.JSONLimits.MaxMembers, DefaultJSONMaxMembers)
}
