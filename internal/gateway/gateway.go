package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rempart/rempart/internal/apikey"
	"github.com/rempart/rempart/internal/hygiene"
	"github.com/rempart/rempart/internal/metrics"
	"github.com/rempart/rempart/internal/ratelimit"
	"github.com/rempart/rempart/internal/token"
	"github.com/rempart/rempart/internal/validate"
)

// Defaults of Config and API.
const (
	DefaultCacheSize       = 10_000           // cached token verifications
	DefaultMaxBody         = 1 << 20          // request body bytes (413 beyond)
	DefaultMaxResponseBody = 10 << 20         // upstream response body bytes (502 beyond)
	DefaultUpstreamTimeout = 30 * time.Second // upstream response headers (504 beyond)
)

// Config is the gateway's part of the configuration. Zero limits take the
// defaults above.
type Config struct {
	Issuer    string // the authorization server's issuer: "iss" of Rempart-Identity
	HTTPS     bool   // the listener is TLS: responses carry Strict-Transport-Security
	APIs      []API
	CacheSize int // max cached token verifications; 0 means DefaultCacheSize

	// MaxBody bounds request bodies (413 beyond); an API's MaxBody overrides it.
	MaxBody int64
	// MaxHeaders bounds the number of request header field lines (431
	// beyond); 0 means hygiene.DefaultMaxHeaderCount.
	MaxHeaders int
	// MaxResponseBody bounds upstream response bodies (502 beyond).
	MaxResponseBody int64
	// UpstreamTimeout bounds the wait for an upstream's response headers
	// (504 beyond) on the gateway's own transport; an API's
	// UpstreamTimeout overrides it per API, whatever the transport.
	UpstreamTimeout time.Duration
	// TrustedProxies are the IPs or CIDRs whose X-Forwarded-For is believed
	// when finding the client address (interface contract).
	TrustedProxies []string
	// CredentialParams are query parameter names refused in addition to
	// hygiene.DefaultCredentialParams (R15).
	CredentialParams []string
	// JSONLimits bound every JSON request body.
	JSONLimits validate.JSONLimits
}

// API is one upstream API exposed under a path prefix.
type API struct {
	Name       string
	PathPrefix string // canonical absolute path; matched segment-aligned
	Upstream   *url.URL
	Auth       string   // AuthOAuth2, AuthAPIKey or AuthPublic
	Scopes     []string // required for every route unless the route says otherwise
	// Routes, when present, are the only requests served: another path is
	// 404, another method on a served path is 405 with Allow.
	Routes      []Route
	StripPrefix bool // the upstream receives the path without PathPrefix

	// ContentTypes are the media types consumed and produced (R13): 415
	// and 406 otherwise. Ignored in favour of each operation's own with
	// OpenAPI.
	ContentTypes []string
	// OpenAPI is the path of the OpenAPI 3.0/3.1 document validating
	// requests (R14); "" for none.
	OpenAPI string
	// ResponseValidation is "", "off", "block" or "strip" (needs OpenAPI).
	ResponseValidation string
	// RateLimit limits requests to the whole API (R11); nil for none.
	RateLimit *RateLimit
	// Policy is a CEL expression every request must satisfy (403 otherwise).
	Policy string
	// Deprecated announces the API's end of life (A9).
	Deprecated *Deprecation
	// Disabled answers 410 Gone to every request (A9).
	Disabled bool
	// CORS allows cross-origin browser calls; nil: no CORS headers.
	CORS *CORS
	// AllowIPs and DenyIPs filter client addresses (A9): deny wins; an
	// empty allow list allows every address not denied.
	AllowIPs, DenyIPs []string
	// MaxBody overrides Config.MaxBody when > 0.
	MaxBody int64
	// UpstreamTimeout overrides Config.UpstreamTimeout when > 0.
	UpstreamTimeout time.Duration
}

// Route narrows an API to some methods and path templates.
type Route struct {
	Methods []string // upper-case; HEAD is served only where declared
	Path    string   // full public path; a "{name}" segment matches one non-empty segment
	Scopes  []string // nil: the API's scopes; empty non-nil: none
	Auth    string   // "": the API's auth
	// Policy is a CEL expression the request must satisfy, in addition to
	// the API's policy.
	Policy string
	// RateLimit replaces the API's rate limit on this route.
	RateLimit *RateLimit
}

// Rate-limit keys (RateLimit.By).
const (
	ByClient = "client"  // the token's client_id (else the API key, else the address)
	ByAPIKey = "api_key" // the API key's id (else the client, else the address)
	ByUser   = "user"    // the token's sub (else the address)
	ByIP     = "ip"      // the client address
)

// RateLimit allows Requests per Per for each distinct By.
type RateLimit struct {
	Requests int
	Per      time.Duration
	By       string
}

// Deprecation announces an API's end of life (RFC 9745, RFC 8594).
type Deprecation struct {
	// Since is when the API was (or will be) deprecated: the Deprecation
	// field's date. Zero means "already deprecated" (@0).
	Since time.Time
	// Sunset is when the API stops answering: the Sunset field (required).
	Sunset time.Time
	// Link documents the deprecation (Link rel="deprecation"); "" for none.
	Link string
}

// CORS is an API's cross-origin policy (Fetch standard, CORS protocol;
// see package cors).
type CORS struct {
	AllowOrigins     []string // exact origins, or "*" (never with AllowCredentials)
	AllowMethods     []string // default: GET, HEAD, POST
	AllowHeaders     []string
	AllowCredentials bool
	ExposeHeaders    []string
	MaxAge           time.Duration
}

// TokenVerifier verifies a JWT access token's signature, header and
// registered claims (R6); the gateway checks aud and scope itself.
type TokenVerifier interface {
	VerifyAccess(raw string) (*token.AccessClaims, error)
}

// SigningKeys returns the key that currently signs Rempart-Identity.
type SigningKeys interface {
	SigningKey() (token.SigningKey, error)
}

// Jail bans principals and client addresses after repeated failures (R3);
// *jail.Jail is one. Keys are "ip:<addr>", "client:<id>", "apikey:<id>".
type Jail interface {
	Check(keys ...string) (retryAfter time.Duration, jailed bool)
	Fail(keys ...string) (entered []string)
}

// APIKeys checks API keys (A1); *apikey.Authenticator is one.
type APIKeys interface {
	Authenticate(ctx context.Context, raw, api string) (apikey.Key, error)
}

var _ TokenVerifier = (*token.Verifier)(nil)

// Deps are the gateway's collaborators. Jail and Limiter hold state that
// must outlive a configuration reload: pass the same ones to every New.
type Deps struct {
	Verifier TokenVerifier
	Keys     SigningKeys // signs Rempart-Identity
	// Revoked, when set, is asked on every authenticated request, cache hit
	// or not (D1: the jti deny-list).
	Revoked func(jti string) bool
	// ClientRevoked, when set, is asked right after Revoked with the
	// token's client_id: a deleted client's tokens are all refused (D1),
	// its client_credentials JWTs included, which no jti deny-list holds.
	// It must cost one map lookup: it runs on every request.
	ClientRevoked func(clientID string) bool
	// RevocationReady, when set, is asked before Revoked: while it fails
	// (the deny-list is stale) tokens are refused with 503, without
	// counting toward the jail, since the caller is not at fault (D2).
	RevocationReady func() error
	APIKeys         APIKeys           // required when an API or route uses api_key
	Jail            Jail              // nil: no jail (tests and benchmarks only)
	Limiter         ratelimit.Limiter // nil: a private in-memory limiter, when some API is limited
	Transport       http.RoundTripper // nil: a tuned *http.Transport (see newTransport)
	Metrics         *metrics.Metrics  // may be nil
	Log             *slog.Logger      // nil: discard
	Now             func() time.Time  // nil: time.Now
}

// Gateway is the reverse proxy in front of the configured APIs. It is safe
// for concurrent use and immutable after New, except for its caches. It
// starts no goroutine; Close releases its idle upstream connections.
type Gateway struct {
	issuer    string
	https     bool
	table     *table
	verifier  TokenVerifier
	keys      SigningKeys
	revoked   func(jti string) bool
	clientRev func(clientID string) bool
	revReady  func() error
	apiKeys   APIKeys
	jail      Jail
	limiter   ratelimit.Limiter
	cache     *verifyCache
	keyCache  *verifyCache // Rempart-Identity holders of API keys, by key id
	signer    signerCache
	nAPIs     int
	proxy     *httputil.ReverseProxy
	metrics   *metrics.Metrics
	log       *slog.Logger
	now       func() time.Time
	closeIdle func()

	maxHeaders      int
	maxResponseBody int64
	trusted         []netip.Prefix
	credentials     *hygiene.CredentialDetector
}

// New validates cfg, compiles its route table and every API's stages
// (policies, validators, limits, filters) once, and reports every problem.
// It is cheap enough to call on every configuration reload.
func New(cfg Config, d Deps) (*Gateway, error) {
	t, err := compile(cfg)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	var errs []error
	if needsAuth(t, AuthOAuth2) {
		if d.Verifier == nil {
			errs = append(errs, errors.New("gateway: an oauth2 API needs a token verifier"))
		}
		if cfg.Issuer == "" {
			errs = append(errs, errors.New("gateway: an oauth2 API needs the issuer"))
		}
	}
	if needsAuth(t, AuthAPIKey) && d.APIKeys == nil {
		errs = append(errs, errors.New("gateway: an api_key API needs an API-key authenticator"))
	}
	if (needsAuth(t, AuthOAuth2) || needsAuth(t, AuthAPIKey)) && d.Keys == nil {
		errs = append(errs, errors.New("gateway: an authenticated API needs a signing key source for Rempart-Identity"))
	}
	if cfg.CacheSize < 0 || cfg.MaxBody < 0 || cfg.MaxHeaders < 0 || cfg.MaxResponseBody < 0 || cfg.UpstreamTimeout < 0 {
		errs = append(errs, errors.New("gateway: negative cache size or limit"))
	}
	trusted, err := hygiene.ParsePrefixes(cfg.TrustedProxies)
	if err != nil {
		errs = append(errs, fmt.Errorf("gateway: trusted_proxies: %w", err))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	g := &Gateway{
		issuer:          cfg.Issuer,
		https:           cfg.HTTPS,
		table:           t,
		verifier:        d.Verifier,
		keys:            d.Keys,
		revoked:         d.Revoked,
		clientRev:       d.ClientRevoked,
		revReady:        d.RevocationReady,
		apiKeys:         d.APIKeys,
		jail:            d.Jail,
		limiter:         d.Limiter,
		nAPIs:           len(cfg.APIs),
		metrics:         d.Metrics,
		log:             d.Log,
		now:             d.Now,
		maxHeaders:      cfg.MaxHeaders,
		maxResponseBody: orDefault(cfg.MaxResponseBody, DefaultMaxResponseBody),
		trusted:         trusted,
		credentials:     hygiene.NewCredentialDetector(cfg.CredentialParams),
	}
	size := cfg.CacheSize
	if size == 0 {
		size = DefaultCacheSize
	}
	g.cache = newVerifyCache(size)
	if needsAuth(t, AuthAPIKey) {
		g.keyCache = newVerifyCache(size)
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.now == nil {
		g.now = time.Now
	}
	if g.limiter == nil && t.limited {
		g.limiter = &ratelimit.Local{Now: g.now}
	}
	rt := d.Transport
	if rt == nil {
		tr := newTransport(t, orDefault(cfg.UpstreamTimeout, DefaultUpstreamTimeout))
		rt, g.closeIdle = tr, tr.CloseIdleConnections
	}
	if slices.ContainsFunc(t.apis, func(a *api) bool { return a.upstreamTimeout > 0 }) {
		rt = upstreamTimeouts{rt}
	}
	g.proxy = g.newProxy(rt)
	return g, nil
}

func orDefault[T int64 | time.Duration](v, d T) T {
	if v > 0 {
		return v
	}
	return d
}

// Close releases idle upstream connections of the gateway's own transport.
// In-flight requests keep theirs.
func (g *Gateway) Close() {
	if g.closeIdle != nil {
		g.closeIdle()
	}
}

// needsAuth reports whether some API or route of t uses auth mode.
func needsAuth(t *table, mode string) bool {
	for _, a := range t.apis {
		if a.all.auth == mode {
			return true
		}
		for _, r := range a.routes {
			if r.auth == mode {
				return true
			}
		}
	}
	return false
}

// ServeHTTP runs the per-request pipeline. It expects to run inside
// web.Observe (request id, access log, X-Request-ID and base security
// headers).
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x := &exchange{in: r}
	if f := g.serve(w, r, x); f != nil {
		g.fail(w, r, f)
	}
}

// rawPath returns the request path exactly as the client sent it (escaped),
// so that encoded dots and slashes are seen before anything decodes them.
func rawPath(r *http.Request) string {
	uri := r.RequestURI
	if i := strings.Index(uri, "://"); i > 0 && !strings.HasPrefix(uri, "/") {
		// Absolute-form (RFC 9112 §3.2.2): the path follows the authority.
		rest := uri[i+3:]
		j := strings.IndexAny(rest, "/?")
		if j < 0 || rest[j] == '?' {
			return "/"
		}
		uri = rest[j:]
	}
	if strings.HasPrefix(uri, "/") {
		if i := strings.IndexByte(uri, '?'); i >= 0 {
			return uri[:i]
		}
		return uri
	}
	if uri == "" { // a request built in-process (tests, benchmarks)
		return r.URL.EscapedPath()
	}
	return uri // "*" or garbage: normalizePath refuses it
}
