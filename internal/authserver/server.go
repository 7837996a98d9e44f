package authserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rempart/rempart/internal/metrics"
	"github.com/rempart/rempart/internal/oauth"
	"github.com/rempart/rempart/internal/ratelimit"
	"github.com/rempart/rempart/internal/token"
	"github.com/rempart/rempart/internal/users"
	"github.com/rempart/rempart/internal/vault"
	"github.com/rempart/rempart/internal/web"
)

// DefaultAccessTokenTTL is the access-token lifetime when Config leaves it
// zero (R8, T1).
const DefaultAccessTokenTTL = 30 * time.Minute

// API is an API behind the gateway, as the authorization server sees it: a
// possible audience of its tokens.
type API struct {
	Name     string   // the audience value put in aud
	Resource string   // RFC 8707 resource indicator: gateway public URL + path_prefix
	Scopes   []string // every scope the API uses
}

// Config is the authorization server's runtime configuration.
type Config struct {
	Issuer         string        // https URL, no query or fragment (RFC 8414 §2)
	AccessTokenTTL time.Duration // zero means DefaultAccessTokenTTL
	APIs           []API
	// AccessTokenFormat is the default access-token format (A3): "" or
	// FormatJWT for RFC 9068 JWTs, FormatOpaque for opaque handles; a
	// client's own TokenFormat wins.
	AccessTokenFormat string
	// RefreshTokenTTL is the lifetime of each refresh token (T2); zero
	// means DefaultRefreshTokenTTL.
	RefreshTokenTTL time.Duration
	// RequireMFA makes every browser login need a second factor (A8,
	// authorization_server.require_mfa); a client's RequireMFA does it for
	// that client only.
	RequireMFA bool
	// LoginRateLimit limits login and second-factor attempts per client
	// address (R11); zero means DefaultLoginRequests per DefaultLoginPer.
	// It applies when Deps.Limiter is set.
	LoginRateLimit ratelimit.Limit
}

// Validate reports every problem of c (errors.Join); it does not modify c.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := parseIssuer(c.Issuer); err != nil {
		errs = append(errs, err)
	}
	if c.AccessTokenTTL != 0 && c.AccessTokenTTL < time.Second {
		errs = append(errs, errors.New("authserver: access token ttl must be at least 1s"))
	}
	if c.RefreshTokenTTL != 0 && c.RefreshTokenTTL < time.Second {
		errs = append(errs, errors.New("authserver: refresh token ttl must be at least 1s"))
	}
	if err := checkTokenFormat(c.AccessTokenFormat); err != nil {
		errs = append(errs, err)
	}
	if err := c.validateBrowser(); err != nil {
		errs = append(errs, err)
	}
	names := map[string]bool{}
	resources := map[string]bool{}
	for i, a := range c.APIs {
		if a.Name == "" {
			errs = append(errs, fmt.Errorf("authserver: apis[%d]: empty name", i))
		} else if names[a.Name] {
			errs = append(errs, fmt.Errorf("authserver: apis[%d]: duplicate name %q", i, a.Name))
		}
		names[a.Name] = true
		if a.Resource != "" {
			if err := checkResource(a.Resource); err != nil {
				errs = append(errs, fmt.Errorf("authserver: apis[%d]: resource: %w", i, err))
			} else if resources[a.Resource] {
				errs = append(errs, fmt.Errorf("authserver: apis[%d]: duplicate resource %q", i, a.Resource))
			}
			resources[a.Resource] = true
		}
		if _, err := oauth.ParseScope(strings.Join(a.Scopes, " ")); err != nil {
			errs = append(errs, fmt.Errorf("authserver: apis[%d]: invalid scope list", i))
		}
	}
	return errors.Join(errs...)
}

// parseIssuer checks the issuer (RFC 8414 §2: https, no query or fragment)
// and returns it without a trailing slash, with the path the endpoints are
// mounted under ("" or "/a/b"). The path is restricted to unreserved
// characters so it is safe in http.ServeMux patterns.
func parseIssuer(issuer string) (base, path string, err error) {
	u, err := url.Parse(issuer)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return "", "", errors.New("authserver: issuer must be an absolute https URL")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return "", "", errors.New("authserver: issuer scheme must be https")
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(issuer, "#") || u.User != nil {
		return "", "", errors.New("authserver: issuer must have no query, fragment or user info")
	}
	if u.RawPath != "" || strings.ContainsFunc(u.Path, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~/", r))
	}) || strings.Contains(u.Path, "//") {
		return "", "", errors.New("authserver: issuer path may only hold unreserved characters")
	}
	path = strings.TrimSuffix(u.Path, "/")
	return strings.TrimSuffix(issuer, "/"), path, nil
}

// checkResource checks an RFC 8707 §2 resource indicator: an absolute URI
// without a fragment.
func checkResource(res string) error {
	u, err := url.Parse(res)
	if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(res, "#") {
		return errors.New("not an absolute URI without fragment")
	}
	return nil
}

// secretHasher computes the keyed hash of a secret (D5); *vault.Vault
// implements it.
type secretHasher interface {
	Hash(purpose, secret string) []byte
}

var _ secretHasher = (*vault.Vault)(nil)

// keySource gives the key that signs now and the published JWK set; the
// key manager implements it.
type keySource interface {
	SigningKey() (token.SigningKey, error)
	JWKS() []byte
}

// Deps are the authorization server's collaborators.
type Deps struct {
	Clients ClientStore
	Keys    keySource
	Hasher  secretHasher
	Metrics *metrics.Metrics // nil: no metrics
	Log     *slog.Logger     // nil: discard
	Now     func() time.Time // nil: time.Now
	// Tokens stores token families, refresh tokens, recorded and opaque
	// access tokens, the jti deny-list and client-assertion jtis; nil: the
	// endpoints and grants that need it fail closed (D2).
	Tokens TokenStore
	// Users authenticates resource owners (password grant, T4); nil: the
	// password grant is refused.
	Users userDirectory
	// Jail bans client ids and addresses after repeated client
	// authentication failures (R3); nil: no jail. *jail.Jail is one.
	Jail jailer
	// Accounts is the user directory of the browser flow (login, second
	// factor, userinfo); *users.Directory is one (the same as Users). nil:
	// no authorization endpoint, no userinfo, no authorization_code grant.
	Accounts accountDirectory
	// Codes, Sessions and Consents store authorization codes, login
	// sessions and consents; required with Accounts.
	Codes    CodeStore
	Sessions SessionStore
	Consents ConsentStore
	// Limiter rate-limits login attempts per address (R11); nil: none.
	Limiter ratelimit.Limiter
}

// userDirectory is the built-in user directory as the authorization server
// sees it; *users.Directory implements it.
type userDirectory interface {
	Authenticate(ctx context.Context, username, password string) (users.User, error)
}

// jailer counts authentication failures per key and bans (R3, contract
// "Jail"); keys are "client:<id>" and "ip:<addr>".
type jailer interface {
	Check(keys ...string) (retryAfter time.Duration, jailed bool)
	Fail(keys ...string) (entered []string)
}

// Server is the authorization server. It is safe for concurrent use.
type Server struct {
	issuer  string // without trailing slash
	prefix  string // issuer path, "" or "/a/b"
	ttl     time.Duration
	apis    []API // sorted by name
	byName  map[string]int
	byRes   map[string]int
	clients ClientStore
	keys    keySource
	hasher  secretHasher
	metrics *metrics.Metrics
	log     *slog.Logger
	now     func() time.Time

	format     string        // default access-token format: FormatJWT or FormatOpaque
	refreshTTL time.Duration // refresh-token lifetime (T2)
	tokens     TokenStore    // nil: token lifecycle features fail closed
	users      userDirectory // nil: no password grant
	jail       jailer        // nil: no jail
	verifier   *token.Verifier
	browser    *browser // nil: no browser flow (Deps.Accounts unset)

	oauthMetadata []byte // RFC 8414 document
	oidcMetadata  []byte // OpenID Connect Discovery document

	signer atomic.Pointer[keySigner] // signer of the current key, rebuilt when the kid changes
}

// keySigner caches the token.Signer of one signing key.
type keySigner struct {
	kid    string
	signer *token.Signer
}

// New validates cfg and returns a Server.
func New(cfg Config, d Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Clients == nil || d.Keys == nil || d.Hasher == nil {
		return nil, errors.New("authserver: Clients, Keys and Hasher are required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	issuer, prefix, _ := parseIssuer(cfg.Issuer)
	s := &Server{
		issuer:  issuer,
		prefix:  prefix,
		ttl:     cfg.AccessTokenTTL,
		byName:  map[string]int{},
		byRes:   map[string]int{},
		clients: newClientCache(d.Clients, d.Now),
		keys:    d.Keys,
		hasher:  d.Hasher,
		metrics: d.Metrics,
		log:     d.Log,
		now:     d.Now,

		format:     cfg.AccessTokenFormat,
		refreshTTL: cfg.RefreshTokenTTL,
		tokens:     d.Tokens,
		users:      d.Users,
		jail:       d.Jail,
	}
	if s.format == "" {
		s.format = FormatJWT
	}
	if s.refreshTTL == 0 {
		s.refreshTTL = DefaultRefreshTokenTTL
	}
	if s.ttl == 0 {
		s.ttl = DefaultAccessTokenTTL
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.verifier = &token.Verifier{Issuer: s.issuer, Keys: &jwksKeys{src: s.keys}, Leeway: verifyLeeway, Now: s.now}
	for _, a := range cfg.APIs {
		a.Scopes = slices.Clone(a.Scopes)
		s.apis = append(s.apis, a)
	}
	slices.SortFunc(s.apis, func(a, b API) int { return strings.Compare(a.Name, b.Name) })
	for i, a := range s.apis {
		s.byName[a.Name] = i
		if a.Resource != "" {
			s.byRes[a.Resource] = i
		}
	}
	var err error
	if s.browser, err = newBrowser(cfg, d, s.issuer, s.prefix); err != nil {
		return nil, err
	}
	if s.oauthMetadata, s.oidcMetadata, err = s.metadata(); err != nil {
		return nil, err
	}
	return s, nil
}

// Handler returns the HTTP handler of every endpoint, mounted under the
// issuer's path. The application wraps it with web.Observe.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	p := s.prefix
	mux.HandleFunc("GET "+p+"/.well-known/oauth-authorization-server", s.serveOAuthMetadata)
	if p != "" {
		// RFC 8414 §3.1: the well-known segment goes before the issuer path.
		mux.HandleFunc("GET /.well-known/oauth-authorization-server"+p, s.serveOAuthMetadata)
	}
	mux.HandleFunc("GET "+p+"/.well-known/openid-configuration", s.serveOIDCMetadata)
	mux.HandleFunc("GET "+p+"/jwks", s.serveJWKS)
	mux.HandleFunc(p+"/token", s.serveToken)
	mux.HandleFunc(p+"/introspect", s.serveIntrospect)
	mux.HandleFunc(p+"/revoke", s.serveRevoke)
	s.browserRoutes(mux, p)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		web.WriteProblem(w, r, http.StatusNotFound, "")
	})
	return mux
}

// endpoint returns the absolute URL of the endpoint at path.
func (s *Server) endpoint(path string) string { return s.issuer + path }
