package rp

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// CallbackPath is the path of the redirect URI this app serves; the
// redirect URL given in Config must have exactly this path.
const CallbackPath = "/callback"

// DefaultScopes are requested when Config.Scopes is empty: an ID token
// (openid), the user's name and e-mail (profile, email) and a refresh token
// (offline_access, OIDC Core §11).
var DefaultScopes = []string{oidc.ScopeOpenID, "profile", "email", oidc.ScopeOfflineAccess}

// Config is what the app needs to log users in through an OpenID provider.
type Config struct {
	// Issuer is the provider's issuer identifier, e.g.
	// https://127.0.0.1:9443; its discovery document is fetched by New and
	// its "issuer" member must equal it exactly (OIDC Discovery §4.3).
	Issuer string
	// ClientID and ClientSecret are the app's registration at the provider
	// (client_secret_basic). Read the secret from a file or the environment,
	// never from the command line (R5).
	ClientID     string
	ClientSecret string
	// RedirectURL is this app's callback exactly as registered (R9), e.g.
	// http://127.0.0.1:9100/callback. Its scheme decides whether cookies are
	// Secure.
	RedirectURL string
	// Scopes to request; nil means DefaultScopes. "openid" is required.
	Scopes []string
	// HTTPClient makes every call to the provider (discovery, token, JWKS,
	// userinfo, revocation); it must trust the provider's certificate. nil
	// means a client with a 10 s timeout and the system roots.
	HTTPClient *http.Client
	Log        *slog.Logger     // nil: discard
	Now        func() time.Time // nil: time.Now
	Rand       io.Reader        // nil: crypto/rand
}

// App is the sample relying party; it is an http.Handler and safe for
// concurrent use.
type App struct {
	oauth    oauth2.Config
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	meta     providerMeta
	hc       *http.Client
	issuer   string
	secure   bool // the app is served over https: Secure, __Host- cookies
	flows    *flowSealer
	sessions *sessionStore
	log      *slog.Logger
	now      func() time.Time
	rand     io.Reader
	mux      *http.ServeMux

	refreshMu sync.Mutex // serialises refresh-token redemptions
}

// providerMeta are the discovery members go-oidc does not expose.
type providerMeta struct {
	RevocationEndpoint      string   `json:"revocation_endpoint"`
	CodeChallengeMethods    []string `json:"code_challenge_methods_supported"`
	ResponseIssParamSupport bool     `json:"authorization_response_iss_parameter_supported"`
}

// New checks cfg, fetches the provider's discovery document and returns
// the app. It fails when the provider advertises PKCE methods without S256
// or has no authorization endpoint.
func New(ctx context.Context, cfg Config) (*App, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = DefaultScopes
	}
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, cfg.HTTPClient), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("rp: discovery of %s: %w", cfg.Issuer, err)
	}
	var meta providerMeta
	if err := provider.Claims(&meta); err != nil {
		return nil, fmt.Errorf("rp: discovery of %s: %w", cfg.Issuer, err)
	}
	ep := provider.Endpoint()
	switch {
	case ep.AuthURL == "":
		return nil, fmt.Errorf("rp: %s advertises no authorization_endpoint", cfg.Issuer)
	case meta.CodeChallengeMethods != nil && !slices.Contains(meta.CodeChallengeMethods, "S256"):
		return nil, fmt.Errorf("rp: %s does not support PKCE S256", cfg.Issuer)
	}
	// client_secret_basic, said explicitly rather than auto-detected, so
	// that the secret is never retried in a request body.
	ep.AuthStyle = oauth2.AuthStyleInHeader
	flows, err := newFlowSealer(cfg.Rand)
	if err != nil {
		return nil, err
	}
	redirect, _ := url.Parse(cfg.RedirectURL) // checked by cfg.check
	a := &App{
		oauth: oauth2.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			Endpoint: ep, RedirectURL: cfg.RedirectURL, Scopes: cfg.Scopes,
		},
		provider: provider,
		verifier: provider.Verifier(&oidc.Config{ClientID: cfg.ClientID, Now: cfg.Now}),
		meta:     meta,
		hc:       cfg.HTTPClient,
		issuer:   cfg.Issuer,
		secure:   redirect.Scheme == "https",
		flows:    flows,
		sessions: newSessionStore(),
		log:      cfg.Log,
		now:      cfg.Now,
		rand:     cfg.Rand,
	}
	a.mux = a.routes()
	return a, nil
}

// check reports what is missing or malformed in cfg.
func (cfg *Config) check() error {
	var errs []error
	if u, err := url.Parse(cfg.Issuer); err != nil || u.Scheme != "https" || u.Host == "" {
		errs = append(errs, errors.New("the issuer must be an https URL"))
	}
	if cfg.ClientID == "" {
		errs = append(errs, errors.New("a client id is required"))
	}
	if cfg.ClientSecret == "" {
		errs = append(errs, errors.New("a client secret is required"))
	}
	u, err := url.Parse(cfg.RedirectURL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		errs = append(errs, errors.New("the redirect URL must be an absolute http or https URL"))
	case u.Path != CallbackPath || u.RawQuery != "" || u.Fragment != "":
		errs = append(errs, fmt.Errorf("the redirect URL's path must be %s, without query or fragment", CallbackPath))
	}
	if len(cfg.Scopes) > 0 && !slices.Contains(cfg.Scopes, oidc.ScopeOpenID) {
		errs = append(errs, errors.New(`the scopes must include "openid"`))
	}
	for _, s := range cfg.Scopes {
		if s == "" || strings.ContainsAny(s, " \t\r\n\"\\") {
			errs = append(errs, fmt.Errorf("invalid scope %q", s))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("rp: %w", errors.Join(errs...))
	}
	return nil
}

// routes returns the app's routes. The state-changing ones are POST only
// and refuse cross-origin requests (Fetch metadata / Origin checks), so that
// another site cannot refresh or log out a user.
func (a *App) routes() *http.ServeMux {
	mux := http.NewServeMux()
	csrf := http.NewCrossOriginProtection()
	mux.HandleFunc("GET /{$}", a.serveHome)
	mux.HandleFunc("GET /login", a.serveLogin)
	mux.HandleFunc("GET "+CallbackPath, a.serveCallback)
	mux.Handle("POST /refresh", csrf.Handler(http.HandlerFunc(a.serveRefresh)))
	mux.Handle("POST /logout", csrf.Handler(http.HandlerFunc(a.serveLogout)))
	return mux
}

// ServeHTTP serves the app's pages with security headers on every response.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	// The callback URL carries the code: no Referer may leak it to another
	// site. same-origin rather than no-referrer, so that browsers still
	// send a real Origin (not "null") with this app's own form posts.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	if a.secure {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	a.mux.ServeHTTP(w, r)
}

// contextWithClient returns ctx carrying the provider HTTP client, for
// x/oauth2 and go-oidc calls.
func (a *App) contextWithClient(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, a.hc)
}
