package config

import (
	"strconv"
	"time"
)

// Config is the whole configuration file. A role (authorization server,
// gateway, admin) runs when its section is present (non-nil).
type Config struct {
	// DataDir holds the SQLite file, dev keys and certificates, the audit
	// trail. Default "./rempart-data".
	DataDir string `yaml:"data_dir"`
	// Store selects the storage backend. Default SQLite in DataDir.
	Store Store `yaml:"store"`
	// Redis, when present, makes limits, jails and replay caches cluster-wide.
	Redis *Redis `yaml:"redis"`
	// EncryptionKey is the standard base64 encoding of 32 random bytes that
	// protects personal data and signing keys at rest (R4). Empty means the
	// app generates one in DataDir (single node only). It must come from a
	// ${env:…} or ${file:…} reference when read from a file (R5).
	EncryptionKey string `yaml:"encryption_key"`
	// AuthorizationServer is the OAuth 2 / OIDC role.
	AuthorizationServer *AuthorizationServer `yaml:"authorization_server"`
	// Gateway is the API gateway role.
	Gateway *Gateway `yaml:"gateway"`
	// Admin is the admin API, health and metrics role.
	Admin *Admin `yaml:"admin"`
	// Audit configures the audit trail (R18).
	Audit Audit `yaml:"audit"`
	// Jail configures the ban of repeatedly failing principals and addresses (R3).
	Jail Jail `yaml:"jail"`

	// literal lists the paths of secret keys (see isSecretPath) whose value
	// was written in the file itself rather than as a reference. Set by
	// Parse; Validate uses it to enforce R5. Empty for a Config built in Go.
	literal []string
}

// Store selects the storage backend.
type Store struct {
	// Driver is "sqlite" (default) or "postgres".
	Driver string `yaml:"driver"`
	// DSN is the PostgreSQL connection string (required for postgres).
	DSN string `yaml:"dsn"`
}

// Store drivers.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// Redis locates the Redis server shared by a cluster.
type Redis struct {
	// URL is a redis:// or rediss:// URL.
	URL string `yaml:"url"`
}

// Listener is the part shared by the three roles: where and how to listen.
type Listener struct {
	// Listen is a host:port address.
	Listen string `yaml:"listen"`
	// TLS, when nil, means a certificate from the local CA generated in DataDir
	// (unless InsecurePlaintext).
	TLS *TLS `yaml:"tls"`
	// InsecurePlaintext serves plain HTTP (R12: only when explicitly asked,
	// e.g. behind a TLS-terminating load balancer).
	InsecurePlaintext bool `yaml:"insecure_plaintext"`
}

// TLS names the PEM files of a listener.
type TLS struct {
	// CertFile and KeyFile are given together or not at all.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ClientCAFile makes the listener ask for client certificates (A2).
	ClientCAFile string `yaml:"client_ca_file"`
}

// AuthorizationServer configures the OAuth 2 / OpenID Connect role.
type AuthorizationServer struct {
	Listener `yaml:",inline"`
	// Issuer is the RFC 8414 issuer identifier. Default "https://" + Listen
	// ("http://" with InsecurePlaintext).
	Issuer string `yaml:"issuer"`
	// AccessToken configures access tokens (T1).
	AccessToken AccessToken `yaml:"access_token"`
	// RefreshToken configures refresh tokens (T2).
	RefreshToken RefreshToken `yaml:"refresh_token"`
	// AllowLongLifetimes lifts the T1/T2 ceilings (then only warned about).
	AllowLongLifetimes bool `yaml:"allow_long_lifetimes"`
	// AuthorizationDetailsTypes lists the RFC 9396 types accepted (A5).
	AuthorizationDetailsTypes []AuthorizationDetailsType `yaml:"authorization_details_types"`
	// RateLimit limits the token endpoint (R11), by ip (default) or client.
	// Default 1200 requests per minute per client address.
	RateLimit *RateLimit `yaml:"rate_limit"`
	// LoginRateLimit limits login and second-factor attempts per client
	// address (R11). Default 30 per minute; by must be ip.
	LoginRateLimit *RateLimit `yaml:"login_rate_limit"`
	// RequireMFA makes every browser login need a second factor (A8).
	RequireMFA bool `yaml:"require_mfa"`
}

// AccessToken configures access tokens.
type AccessToken struct {
	// TTL defaults to 30m (T1, R8).
	TTL Duration `yaml:"ttl"`
	// Format is "jwt" (default) or "opaque".
	Format string `yaml:"format"`
}

// Access-token formats.
const (
	FormatJWT    = "jwt"
	FormatOpaque = "opaque"
)

// RefreshToken configures refresh tokens.
type RefreshToken struct {
	// TTL defaults to 24h (T2, R8).
	TTL Duration `yaml:"ttl"`
}

// AuthorizationDetailsType is one RFC 9396 authorization_details type.
type AuthorizationDetailsType struct {
	Type string `yaml:"type"`
	// SingleUse makes a token carrying this type usable once (A5).
	SingleUse bool `yaml:"single_use"`
	// Schema is a JSON Schema file the details must match.
	Schema string `yaml:"schema"`
}

// Gateway configures the API gateway role.
type Gateway struct {
	Listener `yaml:",inline"`
	// PublicURL is the gateway's public base URL, used for RFC 8707
	// resource indicators. Default "https://" + Listen.
	PublicURL string `yaml:"public_url"`
	// Issuer is the issuer whose tokens the gateway accepts and in whose
	// name it signs Rempart-Identity (see Config.GatewayIssuer). When empty,
	// authorization_server.issuer applies; it is required when the gateway runs without the authorization server (A6).
	Issuer string `yaml:"issuer"`
	// MaxBody bounds request bodies. Default 1MiB.
	MaxBody ByteSize `yaml:"max_body"`
	// TrustedProxies are the CIDRs (or IPs) whose X-Forwarded-For is believed.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// CredentialParams are query parameter names refused in addition to
	// the built-in credential-like names (R15).
	CredentialParams []string `yaml:"credential_params"`
	// MaxHeaders bounds the number of request header fields. Default 100.
	MaxHeaders int `yaml:"max_headers"`
	// MaxHeaderBytes bounds the request header block. Default 32KiB.
	MaxHeaderBytes ByteSize `yaml:"max_header_bytes"`
	// MaxResponseBody bounds upstream response bodies (502 beyond).
	// Default 10MiB.
	MaxResponseBody ByteSize `yaml:"max_response_body"`
	// Timeouts of the gateway listener and of upstream calls.
	Timeouts Timeouts `yaml:"timeouts"`
	// JSONLimits bound every JSON request body (threat protection).
	JSONLimits JSONLimits `yaml:"json_limits"`
	// APIs are the published APIs.
	APIs []API `yaml:"apis"`
}

// Authentication modes of an API or route.
const (
	AuthOAuth2 = "oauth2"
	AuthAPIKey = "api_key"
	AuthPublic = "public"
)

// Sender-constraint modes of an API.
const (
	SenderNone = "none"
	SenderDPoP = "dpop"
	SenderMTLS = "mtls"
)

// API is one API published by the gateway.
type API struct {
	// Name is the API's identifier and token audience.
	Name string `yaml:"name"`
	// PathPrefix is the public path under which the API is served.
	PathPrefix string `yaml:"path_prefix"`
	// Upstream is the absolute http(s) URL requests are forwarded to.
	Upstream string `yaml:"upstream"`
	// Auth is oauth2 (default), api_key or public.
	Auth string `yaml:"auth"`
	// Scopes are required for every route unless the route says otherwise.
	Scopes []string `yaml:"scopes"`
	// Routes, when present, are the only paths served.
	Routes []Route `yaml:"routes"`
	// ContentTypes are the media types consumed and produced (R13).
	ContentTypes []string `yaml:"content_types"`
	// OpenAPI is the OpenAPI document validating requests (R14).
	OpenAPI string `yaml:"openapi"`
	// ResponseValidation is block, strip or off.
	ResponseValidation string `yaml:"response_validation"`
	// RateLimit limits requests (R11).
	RateLimit *RateLimit `yaml:"rate_limit"`
	// SenderConstraint is none (default), dpop or mtls (A2).
	SenderConstraint string `yaml:"sender_constraint"`
	// StripPrefix removes PathPrefix before forwarding.
	StripPrefix bool `yaml:"strip_prefix"`
	// MaxBody overrides Gateway.MaxBody for this API.
	MaxBody ByteSize `yaml:"max_body"`
	// UpstreamTimeout overrides Gateway.Timeouts.Upstream for this API
	// (the wait for the upstream's response headers; 504 beyond).
	UpstreamTimeout Duration `yaml:"upstream_timeout"`
	// Policy is a CEL expression every request must satisfy.
	Policy string `yaml:"policy"`
	// Deprecated announces the API's end of life (A9).
	Deprecated *Deprecation `yaml:"deprecated"`
	// Disabled switches the API off (A9).
	Disabled bool `yaml:"disabled"`
	// CORS configures cross-origin access.
	CORS *CORS `yaml:"cors"`
	// AllowIPs and DenyIPs filter client addresses (IPs or CIDRs).
	AllowIPs []string `yaml:"allow_ips"`
	DenyIPs  []string `yaml:"deny_ips"`
}

// Route is one route of an API. Empty fields inherit from the API.
type Route struct {
	// Methods are uppercase HTTP methods.
	Methods []string `yaml:"methods"`
	// Path is the full public path (PathPrefix included); {name} segments
	// are parameters.
	Path string `yaml:"path"`
	// Scopes: nil inherits the API's scopes; empty (scopes: []) requires none.
	Scopes []string `yaml:"scopes"`
	// Auth overrides the API's auth when not empty.
	Auth string `yaml:"auth"`
	// Policy is a CEL expression the request must satisfy.
	Policy string `yaml:"policy"`
	// RateLimit overrides the API's rate limit.
	RateLimit *RateLimit `yaml:"rate_limit"`
}

// Rate-limit keys.
const (
	ByClient = "client"
	ByAPIKey = "api_key"
	ByUser   = "user"
	ByIP     = "ip"
)

// RateLimit allows Requests per Per for each distinct By.
type RateLimit struct {
	Requests int      `yaml:"requests"`
	Per      Duration `yaml:"per"`
	// By is client, api_key, user or ip.
	By string `yaml:"by"`
}

// Deprecation announces an API's end of life (Deprecation/Sunset headers).
type Deprecation struct {
	// Since is when the API was (or will be) deprecated (RFC 9745), in the
	// same formats as Sunset; empty means "already deprecated".
	Since string `yaml:"since"`
	// Sunset is a date (2006-01-02), an RFC 3339 time or an HTTP date.
	Sunset string `yaml:"sunset"`
	// Link is an absolute URL documenting the deprecation.
	Link string `yaml:"link"`
}

// CORS configures cross-origin resource sharing for an API.
type CORS struct {
	// AllowOrigins are exact origins (scheme://host[:port]) or "*".
	AllowOrigins     []string `yaml:"allow_origins"`
	AllowMethods     []string `yaml:"allow_methods"`
	AllowHeaders     []string `yaml:"allow_headers"`
	AllowCredentials bool     `yaml:"allow_credentials"`
	ExposeHeaders    []string `yaml:"expose_headers"`
	MaxAge           Duration `yaml:"max_age"`
}

// Timeouts of a listener and its upstream calls (unrestricted resource
// consumption).
type Timeouts struct {
	ReadHeader Duration `yaml:"read_header"` // default 10s
	Read       Duration `yaml:"read"`        // default 30s
	Write      Duration `yaml:"write"`       // default 60s
	Idle       Duration `yaml:"idle"`        // default 120s
	Upstream   Duration `yaml:"upstream"`    // response headers from the upstream; default 30s (504 beyond)
}

// JSONLimits bound the shape of JSON request bodies.
type JSONLimits struct {
	MaxDepth        int      `yaml:"max_depth"`         // default 32
	MaxStringLength ByteSize `yaml:"max_string_length"` // default 64KiB
	MaxArrayLength  int      `yaml:"max_array_length"`  // default 10000
	MaxMembers      int      `yaml:"max_members"`       // default 1000 per object
}

// Admin configures the admin role (admin API, console, health, metrics).
type Admin struct {
	Listener `yaml:",inline"`
}

// Audit configures the audit trail (R18).
type Audit struct {
	// Dir defaults to DataDir/audit.
	Dir string `yaml:"dir"`
	// Retention defaults to 4464h; below 4380h (6 months) is an error.
	Retention Duration `yaml:"retention"`
}

// Jail configures the ban of failing principals and addresses (R3).
type Jail struct {
	// MaxFailures within Window puts the source in jail. Default 5.
	MaxFailures int `yaml:"max_failures"`
	// Window defaults to 5m.
	Window Duration `yaml:"window"`
	// Ban is how long the jail lasts. Default 15m.
	Ban Duration `yaml:"ban"`
}

// Duration is a time.Duration written in Go syntax ("30m", "4464h").
type Duration time.Duration

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// String formats d in Go syntax.
func (d Duration) String() string { return time.Duration(d).String() }

// ByteSize is a size in bytes, written as an integer or with a unit
// ("512KiB", "1MiB", "10MB").
type ByteSize int64

// String formats s as a decimal number of bytes.
func (s ByteSize) String() string { return strconv.FormatInt(int64(s), 10) }
