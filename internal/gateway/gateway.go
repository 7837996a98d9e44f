package gateway

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"

	"github.com/rempart/rempart/internal/metrics"
	"github.com/rempart/rempart/internal/token"
	"github.com/rempart/rempart/internal/web"
)

// DefaultCacheSize is the default bound on cached token verifications.
const DefaultCacheSize = 10_000

// Config is the gateway's part of the configuration.
type Config struct {
	Issuer    string // the authorization server's issuer: "iss" of Rempart-Identity
	HTTPS     bool   // the listener is TLS: responses carry Strict-Transport-Security
	APIs      []API
	CacheSize int // max cached token verifications; 0 means DefaultCacheSize
}

// API is one upstream API exposed under a path prefix.
type API struct {
	Name       string
	PathPrefix string // canonical absolute path; matched segment-aligned
	Upstream   *url.URL
	Auth       string   // AuthOAuth2 or AuthPublic (AuthAPIKey is refused for now)
	Scopes     []string // required for every route unless the route says otherwise
	// Routes, when present, are the only requests served: another path is
	// 404, another method on a served path is 405 with Allow.
	Routes      []Route
	StripPrefix bool // the upstream receives the path without PathPrefix
}

// Route narrows an API to some methods and path templates.
type Route struct {
	Methods []string // upper-case; HEAD is served only where declared
	Path    string   // full public path; a "{name}" segment matches one non-empty segment
	Scopes  []string // nil: the API's scopes; empty non-nil: none
	Auth    string   // "": the API's auth
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

var _ TokenVerifier = (*token.Verifier)(nil)

// Deps are the gateway's collaborators.
type Deps struct {
	Verifier TokenVerifier
	Keys     SigningKeys // signs Rempart-Identity
	// Revoked, when set, is asked on every authenticated request, cache hit
	// or not (D1: the jti deny-list).
	Revoked   func(jti string) bool
	Transport http.RoundTripper // nil: a tuned *http.Transport (see newTransport)
	Metrics   *metrics.Metrics  // may be nil
	Log       *slog.Logger      // nil: discard
	Now       func() time.Time  // nil: time.Now
}

// Gateway is the reverse proxy in front of the configured APIs. It is safe
// for concurrent use and immutable after New, except for its caches.
type Gateway struct {
	issuer    string
	https     bool
	table     *table
	verifier  TokenVerifier
	keys      SigningKeys
	revoked   func(jti string) bool
	cache     *verifyCache
	signer    signerCache
	nAPIs     int
	proxy     *httputil.ReverseProxy
	metrics   *metrics.Metrics
	log       *slog.Logger
	now       func() time.Time
	closeIdle func()
}

// New validates cfg and compiles its route table once.
func New(cfg Config, d Deps) (*Gateway, error) {
	t, err := compile(cfg.APIs)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	var errs []error
	if needsOAuth(t) {
		if d.Verifier == nil {
			errs = append(errs, errors.New("gateway: an oauth2 API needs a token verifier"))
		}
		if d.Keys == nil {
			errs = append(errs, errors.New("gateway: an oauth2 API needs a signing key source for Rempart-Identity"))
		}
		if cfg.Issuer == "" {
			errs = append(errs, errors.New("gateway: an oauth2 API needs the issuer"))
		}
	}
	if cfg.CacheSize < 0 {
		errs = append(errs, errors.New("gateway: negative cache size"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	g := &Gateway{
		issuer:   cfg.Issuer,
		https:    cfg.HTTPS,
		table:    t,
		verifier: d.Verifier,
		keys:     d.Keys,
		revoked:  d.Revoked,
		nAPIs:    len(cfg.APIs),
		metrics:  d.Metrics,
		log:      d.Log,
		now:      d.Now,
	}
	size := cfg.CacheSize
	if size == 0 {
		size = DefaultCacheSize
	}
	g.cache = newVerifyCache(size)
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.now == nil {
		g.now = time.Now
	}
	rt := d.Transport
	if rt == nil {
		tr := newTransport(t)
		rt, g.closeIdle = tr, tr.CloseIdleConnections
	}
	g.proxy = g.newProxy(rt)
	return g, nil
}

// Close releases idle upstream connections of the gateway's own transport.
func (g *Gateway) Close() {
	if g.closeIdle != nil {
		g.closeIdle()
	}
}

func needsOAuth(t *table) bool {
	for _, a := range t.apis {
		if a.all.auth == AuthOAuth2 {
			return true
		}
		for _, r := range a.routes {
			if r.auth == AuthOAuth2 {
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
	if f := g.serve(w, r); f != nil {
		g.fail(w, r, f)
	}
}

// serve is the pipeline, one stage per line; a stage that refuses returns
// the failure to render. Later stages (jail and rate limit, policy, request
// validation) slot in between authorise and proxy.
func (g *Gateway) serve(w http.ResponseWriter, r *http.Request) *failure {
	now := g.now()

	// 1. Normalise: the canonical path is what routing and the upstream see.
	path, err := normalizePath(rawPath(r))
	if err != nil {
		return badRequest("path", err)
	}

	// 2. Route: unknown paths never reach an upstream (A9).
	a, rt, allow, err := g.table.match(r.Method, path)
	if a != nil {
		web.Info(r.Context()).Route = a.name // metrics and logs label by API
	}
	if err != nil {
		return routeFailure(err, allow)
	}

	// 3. Credentials never travel in URLs (R15) or form bodies (RFC 6750 §2.2 unsupported).
	if f := refuseURLCredentials(r, rt); f != nil {
		return f
	}

	// 4. Authenticate (R1, R6) and 5. authorise (scopes, RFC 6750 §3.1).
	var e *cacheEntry
	if rt.auth == AuthOAuth2 {
		var f *failure
		if e, f = g.authenticate(r, now); f != nil {
			return f
		}
		if f = authorize(e, rt); f != nil {
			return f
		}
	}

	// 6. Identity for the upstream (never the caller's credentials).
	var identity string
	if e != nil {
		if identity, err = g.identity(e, rt.api, now); err != nil {
			return &failure{status: http.StatusInternalServerError, reason: "identity", err: err}
		}
	}

	// 7. Proxy; the response is cleaned in ModifyResponse (R17).
	g.forward(w, r, rt, path, identity)
	return nil
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
