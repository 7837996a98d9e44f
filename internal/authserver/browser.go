package authserver

// The browser flow: the authorization endpoint (RFC 6749 §4.1, OpenID
// Connect Core §3.1) with its login, second-factor and consent pages, the
// account page listing consents, sign-out, and userinfo. It is served when
// Deps.Accounts is set (with Deps.Codes, Sessions and Consents).

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/rempart/rempart/internal/authserver/ui"
	"github.com/rempart/rempart/internal/oauth"
	"github.com/rempart/rempart/internal/ratelimit"
	"github.com/rempart/rempart/internal/users"
)

// Browser-flow lifetimes and levels.
const (
	// CodeTTL is the authorization code lifetime (D4: at most 60 s; RFC
	// 6749 §4.1.2 recommends at most 10 minutes).
	CodeTTL = 60 * time.Second
	// SessionTTL is a login session's absolute lifetime.
	SessionTTL = 8 * time.Hour
	// SessionIdle ends a session nobody used for that long.
	SessionIdle = 30 * time.Minute
	// mfaPendingTTL bounds the time between the password and the TOTP code.
	mfaPendingTTL = 5 * time.Minute
	// sessionTouchEvery limits LastSeen writes to one per minute.
	sessionTouchEvery = time.Minute
	// ACRPassword and ACRMFA are the acr values of one- and two-factor
	// logins (A8).
	ACRPassword = "urn:rempart:loa:1"
	ACRMFA      = "urn:rempart:loa:2"
	// maxBrowserForm bounds a posted page form.
	maxBrowserForm = 16 << 10
)

// The login rate limit per client address when Config.LoginRateLimit is
// zero (R11): DefaultLoginRequests password or code attempts per
// DefaultLoginPer.
const (
	DefaultLoginRequests = 30
	DefaultLoginPer      = time.Minute
)

// Scopes with a meaning of their own (OIDC Core §5.4, §11).
const (
	ScopeOpenID  = "openid"
	ScopeProfile = "profile"
	ScopeEmail   = "email"
)

// accountDirectory is the user directory as the browser flow sees it;
// *users.Directory implements it.
type accountDirectory interface {
	Authenticate(ctx context.Context, username, password string) (users.User, error)
	VerifyTOTP(ctx context.Context, u users.User, code string) error
	Get(ctx context.Context, id string) (users.User, error)
	Email(u users.User) (string, error)
}

var _ accountDirectory = (*users.Directory)(nil)

// browser holds the browser flow's collaborators and settings.
type browser struct {
	accounts   accountDirectory
	codes      CodeStore
	sessions   SessionStore
	consents   ConsentStore
	limiter    ratelimit.Limiter // nil: no login rate limit
	loginLimit ratelimit.Limit
	requireMFA bool   // every login needs a second factor (A8)
	cssPath    string // path of the stylesheet, under the issuer path
	origin     string // the issuer's origin, for Origin checks
}

// validateBrowser checks the browser-flow part of the configuration.
func (c Config) validateBrowser() error {
	if c.LoginRateLimit != (ratelimit.Limit{}) {
		if err := c.LoginRateLimit.Validate(); err != nil {
			return fmt.Errorf("authserver: login rate limit: %w", err)
		}
	}
	return nil
}

// newBrowser returns the browser flow's state, or nil when d has no
// Accounts (no authorization endpoint).
func newBrowser(cfg Config, d Deps, issuer, prefix string) (*browser, error) {
	if d.Accounts == nil {
		return nil, nil
	}
	if d.Codes == nil || d.Sessions == nil || d.Consents == nil {
		return nil, errors.New("authserver: the browser flow needs Codes, Sessions and Consents")
	}
	b := &browser{
		accounts: d.Accounts, codes: d.Codes, sessions: d.Sessions, consents: d.Consents,
		limiter: d.Limiter, loginLimit: cfg.LoginRateLimit, requireMFA: cfg.RequireMFA,
		cssPath: prefix + "/assets/rempart-" + ui.CSSVersion() + ".css",
		origin:  originOf(issuer),
	}
	if b.loginLimit == (ratelimit.Limit{}) {
		b.loginLimit = ratelimit.Limit{Requests: DefaultLoginRequests, Per: DefaultLoginPer}
	}
	return b, nil
}

// browserRoutes mounts the browser flow's endpoints under prefix p.
func (s *Server) browserRoutes(mux *http.ServeMux, p string) {
	if s.browser == nil {
		return
	}
	mux.HandleFunc("GET "+p+"/authorize", s.serveAuthorize)
	mux.HandleFunc("POST "+p+"/authorize", s.serveAuthorize)
	mux.HandleFunc("POST "+p+"/authorize/login", s.serveLogin)
	mux.HandleFunc("POST "+p+"/authorize/mfa", s.serveMFA)
	mux.HandleFunc("POST "+p+"/authorize/consent", s.serveConsent)
	mux.HandleFunc("GET "+p+"/account/consents", s.serveAccountConsents)
	mux.HandleFunc("POST "+p+"/account/consents/revoke", s.serveRevokeConsent)
	mux.HandleFunc("GET "+p+"/logout", s.serveLogoutPage)
	mux.HandleFunc("POST "+p+"/logout", s.serveLogout)
	mux.HandleFunc("GET "+p+"/userinfo", s.serveUserinfo)
	mux.HandleFunc("POST "+p+"/userinfo", s.serveUserinfo)
	mux.HandleFunc("GET "+s.browser.cssPath, s.serveCSS)
}

// serveCSS serves the pages' stylesheet; its path names its hash, so it
// may be cached for a year.
func (s *Server) serveCSS(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(ui.CSS())
}

// browserMetadata adds the browser flow to the metadata documents when it
// is served (only what works is advertised): the authorization and
// userinfo endpoints, response type code with the query response mode,
// PKCE S256 only, the OpenID Connect scopes and claims, and RFC 9207 iss
// in authorization responses. Request objects are not supported (OIDC
// Discovery §3: request_uri_parameter_supported defaults to true, so it is
// said explicitly).
func (s *Server) browserMetadata(d *metadataDoc) {
	if s.browser == nil {
		return
	}
	no := false
	d.AuthorizationEndpoint = s.endpoint("/authorize")
	d.UserinfoEndpoint = s.endpoint("/userinfo")
	d.ResponseTypesSupported = []string{"code"}
	d.ResponseModesSupported = []string{"query"}
	d.CodeChallengeMethodsSupported = []string{oauth.PKCEMethodS256}
	d.GrantTypesSupported = appendUnique(d.GrantTypesSupported, GrantAuthorizationCode)
	for _, sc := range []string{ScopeOpenID, ScopeProfile, ScopeEmail, ScopeOfflineAccess} {
		d.ScopesSupported = appendUnique(d.ScopesSupported, sc)
	}
	slices.Sort(d.ScopesSupported)
	d.ClaimsSupported = []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "amr", "acr", "azp",
		"at_hash", "preferred_username", "email", "email_verified"}
	d.ACRValuesSupported = []string{ACRPassword, ACRMFA}
	d.PromptValuesSupported = []string{"none", "login", "consent", "select_account"}
	d.AuthorizationResponseISS = true
	d.RequestParameterSupported, d.RequestURIParameterSupported = &no, &no
}
