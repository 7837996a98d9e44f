package authserver

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/rempart/rempart/internal/oauth"
)

// Limits on authorization request parameters: a longer value is refused.
const (
	maxStateLen = 2048 // state (RFC 6749 §4.1.1 sets no limit; this bounds what we echo)
	maxNonceLen = 512  // nonce (OIDC Core §3.1.2.1)
	maxParamLen = 4096 // any other parameter
	maxMaxAge   = 1 << 31
)

// authzParamNames are the authorization request parameters Rempart reads
// (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2.1). Only these are
// carried between the pages of the flow; others are ignored.
var authzParamNames = []string{
	"client_id", "redirect_uri", "response_type", "scope", "state", "nonce",
	"code_challenge", "code_challenge_method", "prompt", "max_age", "response_mode",
	"request", "request_uri",
}

// OpenID Connect error codes of the authorization endpoint (OIDC Core
// §3.1.2.6).
const (
	codeLoginRequired           = "login_required"
	codeConsentRequired         = "consent_required"
	codeInteractionRequired     = "interaction_required"
	codeRequestNotSupported     = "request_not_supported"
	codeRequestURINotSupported  = "request_uri_not_supported"
	descResponseTypeUnsupported = "only response_type=code is supported; the implicit and hybrid flows put tokens in URLs"
)

// authzParams are the raw parameters of an authorization request.
type authzParams struct {
	clientID, redirectURI, responseType, scope, state, nonce string
	challenge, challengeMethod, prompt, maxAge, responseMode string
	request, requestURI                                      string
}

// prompts is the parsed prompt parameter (OIDC Core §3.1.2.1).
type prompts struct {
	none, login, consent bool
}

// authzRequest is a validated authorization request: the client and its
// redirect URI are trusted, every other parameter checked.
type authzRequest struct {
	client      Client
	redirectURI string   // requested and matched against the client's list (R9)
	state       string   // echoed unchanged (R10)
	nonce       string   // carried into the ID token
	challenge   string   // PKCE S256 (RFC 7636)
	scope       []string // requested ∩ client's scopes (A4), never empty
	prompt      prompts
	maxAge      int64       // seconds; -1 when absent
	encoded     string      // the request's known parameters, form-encoded, for the pages' hidden field
	params      authzParams // as received
}

// frontError is an authorization request error that must not be
// redirected: the client or the redirect URI is not validated (RFC 6749
// §4.1.2.1, RFC 9700 §4.1). It is shown to the user as an HTML page.
type frontError struct {
	text string // for the user: generic, never quotes the request
	err  error  // internal cause, logged
}

func (e *frontError) Error() string {
	return "authorization request refused: " + e.text + ": " + e.err.Error()
}

// Unwrap returns the internal cause.
func (e *frontError) Unwrap() error { return e.err }

func front(text, cause string) *frontError {
	return &frontError{text: text, err: errors.New(cause)}
}

// readAuthzParams extracts the known parameters of q. A parameter sent
// twice is refused (RFC 6749 §3.1) before anything is trusted, so the
// refusal is never redirected. It is pure and never panics.
func readAuthzParams(q url.Values) (authzParams, *frontError) {
	for _, n := range authzParamNames {
		if len(q[n]) > 1 {
			return authzParams{}, front("The request repeats a parameter.", "repeated parameter "+n)
		}
	}
	return authzParams{
		clientID: q.Get("client_id"), redirectURI: q.Get("redirect_uri"),
		responseType: q.Get("response_type"), scope: q.Get("scope"), state: q.Get("state"),
		nonce: q.Get("nonce"), challenge: q.Get("code_challenge"),
		challengeMethod: q.Get("code_challenge_method"), prompt: q.Get("prompt"),
		maxAge: q.Get("max_age"), responseMode: q.Get("response_mode"),
		request: q.Get("request"), requestURI: q.Get("request_uri"),
	}, nil
}

// encode returns p's non-empty parameters form-encoded (sorted by name).
func (p authzParams) encode() string {
	v := url.Values{}
	for _, kv := range [][2]string{
		{"client_id", p.clientID}, {"redirect_uri", p.redirectURI}, {"response_type", p.responseType},
		{"scope", p.scope}, {"state", p.state}, {"nonce", p.nonce}, {"code_challenge", p.challenge},
		{"code_challenge_method", p.challengeMethod}, {"prompt", p.prompt}, {"max_age", p.maxAge},
		{"response_mode", p.responseMode}, {"request", p.request}, {"request_uri", p.requestURI},
	} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	return v.Encode()
}

// checkFront checks what must hold before any error may be redirected:
// a known client and a redirect URI it registered (R9, exact match with
// only the RFC 8252 §7.3 loopback port relaxation). c is the client that
// p.clientID names (looked up by the caller). It returns the redirect URI
// to use.
func checkFront(p authzParams, c Client) (string, *frontError) {
	if p.redirectURI == "" {
		return "", front("The request has no redirect URI.", "no redirect_uri")
	}
	uri, ok := oauth.MatchRedirect(c.RedirectURIs, p.redirectURI)
	if !ok {
		return "", front("The redirect URI is not registered for this application.", "redirect_uri not registered")
	}
	return uri, nil
}

// checkAuthz checks the rest of the request for client c whose redirect
// URI is validated; its errors are redirected to the client (RFC 6749
// §4.1.2.1). It is pure and never panics (FuzzAuthorizeRequest).
func checkAuthz(p authzParams, c Client, redirectURI string) (authzRequest, *oauth.Error) {
	ar := authzRequest{client: c, redirectURI: redirectURI, maxAge: -1, params: p}
	if len(p.state) <= maxStateLen {
		ar.state = p.state // echoed even with an error (RFC 6749 §4.1.2.1)
	}
	switch {
	case len(p.state) > maxStateLen:
		return ar, oauth.InvalidRequest("the state parameter is too long")
	case p.request != "":
		return ar, &oauth.Error{Code: codeRequestNotSupported, Status: http.StatusBadRequest,
			Description: "request objects are not supported"}
	case p.requestURI != "":
		return ar, &oauth.Error{Code: codeRequestURINotSupported, Status: http.StatusBadRequest,
			Description: "request_uri is not supported"}
	}
	if err := checkResponseType(p.responseType); err != nil {
		return ar, err
	}
	if p.responseMode != "" && p.responseMode != "query" {
		return ar, oauth.InvalidRequest("only response_mode=query is supported")
	}
	if !slices.Contains(c.GrantTypes, GrantAuthorizationCode) {
		return ar, oauth.UnauthorizedClient("the client may not use the authorization code flow").
			WithErr(errors.New("client not registered for authorization_code"))
	}
	// RFC 9700 §2.1.1, RFC 7636 §4.4.1: PKCE with S256 for every client;
	// a missing challenge or method, and "plain", are refused.
	if err := oauth.ValidateChallenge(p.challenge, p.challengeMethod); err != nil {
		var oe *oauth.Error
		if errors.As(err, &oe) {
			return ar, oe
		}
		return ar, oauth.InvalidRequest("")
	}
	ar.challenge = p.challenge
	if len(p.nonce) > maxNonceLen || !printableASCII(p.nonce) {
		return ar, oauth.InvalidRequest("the nonce parameter is malformed")
	}
	ar.nonce = p.nonce
	for _, v := range []string{p.prompt, p.maxAge, p.responseMode, p.clientID, p.redirectURI} {
		if len(v) > maxParamLen {
			return ar, oauth.InvalidRequest("a parameter is too long")
		}
	}
	var err *oauth.Error
	if ar.prompt, err = parsePrompt(p.prompt); err != nil {
		return ar, err
	}
	if p.maxAge != "" {
		n, perr := strconv.ParseInt(p.maxAge, 10, 64)
		if perr != nil || n < 0 || n > maxMaxAge || strings.HasPrefix(p.maxAge, "+") {
			return ar, oauth.InvalidRequest("max_age must be a number of seconds")
		}
		ar.maxAge = n
	}
	requested, serr := oauth.ParseScope(p.scope)
	if serr != nil {
		return ar, oauth.InvalidScope("")
	}
	// A4: the scope granted is what the client may hold ∩ what it asks for
	// (∩ what the user consents to, on the consent page). Scopes the
	// client may not hold are dropped (RFC 6749 §3.3: the token response
	// tells the granted scope); nothing left is invalid_scope.
	for _, sc := range requested {
		if slices.Contains(c.Scopes, sc) {
			ar.scope = append(ar.scope, sc)
		}
	}
	if len(ar.scope) == 0 {
		return ar, oauth.InvalidScope("the request asks for no scope this client may hold")
	}
	ar.encoded = p.encode()
	return ar, nil
}

// checkResponseType accepts exactly "code". The implicit grant ("token")
// and every response type that returns an ID token or access token from
// the authorization endpoint are unsupported_response_type (T4, R15).
func checkResponseType(rt string) *oauth.Error {
	switch {
	case rt == "":
		return oauth.InvalidRequest("response_type is required")
	case rt == "code":
		return nil
	}
	return oauth.UnsupportedResponseType(descResponseTypeUnsupported).
		WithErr(errors.New("response_type " + strconv.Quote(truncate(rt, 40))))
}

// parsePrompt parses a space-separated prompt list: none, login, consent,
// select_account (treated as login: there is one account per session);
// none with anything else is invalid (OIDC Core §3.1.2.1).
func parsePrompt(s string) (prompts, *oauth.Error) {
	var p prompts
	if s == "" {
		return p, nil
	}
	n := 0
	for v := range strings.SplitSeq(s, " ") {
		n++
		switch v {
		case "none":
			p.none = true
		case "login", "select_account":
			p.login = true
		case "consent":
			p.consent = true
		default:
			return prompts{}, oauth.InvalidRequest("the prompt parameter is not supported")
		}
	}
	if p.none && n > 1 {
		return prompts{}, oauth.InvalidRequest("prompt=none cannot be combined with other values")
	}
	return p, nil
}

// printableASCII reports whether s holds only %x20-7E.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// authzRedirectURL appends params to the validated redirect URI, keeping
// its own query (RFC 6749 §3.1.2: the query component is retained).
func authzRedirectURL(redirectURI string, params url.Values) string {
	sep := "?"
	switch {
	case strings.HasSuffix(redirectURI, "?"):
		sep = ""
	case strings.Contains(redirectURI, "?"):
		sep = "&"
	}
	return redirectURI + sep + params.Encode()
}
