package authserver

import (
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rempart/rempart/internal/oauth"
	"github.com/rempart/rempart/internal/web"
)

// maxTokenBody bounds the token request body.
const maxTokenBody = 64 << 10

// tokenRequest is a decoded, syntactically checked token request.
type tokenRequest struct {
	grantType string
	scope     string   // raw scope parameter; parsed by the grant
	audiences []string // audience=NAME, repeatable (RFC 8693 §2.1)
	resources []string // resource=URL, repeatable (RFC 8707 §2)
	creds     clientCredentials

	refreshToken string // refresh_token (RFC 6749 §6)
	username     string // password grant (RFC 6749 §4.3.2)
	password     string // password grant: never logged (R20)
	peer         string // client address: the TCP peer (jail keys, R3)

	code         string // authorization_code grant (RFC 6749 §4.1.3): never logged
	redirectURI  string // authorization_code grant: must equal the authorization request's
	codeVerifier string // PKCE (RFC 7636 §4.5): never logged
}

// repeatable lists the parameters that may appear more than once; every
// other parameter appearing twice is refused (RFC 6749 §3.2).
var repeatable = map[string]bool{"audience": true, "resource": true}

// tokenResponse is a successful access token response (RFC 6749 §5.1).
type tokenResponse struct {
	AccessToken string
	TokenType   string
	ExpiresIn   int64
	Scope       string

	RefreshToken string // "" when none is issued (RFC 6749 §5.1)
	IDToken      string // OpenID Connect ID token (OIDC Core §3.1.3.3); "" when none
}

// serveToken is the token endpoint (RFC 6749 §3.2): parse, authenticate the
// client, run the grant, render. Failures are logged once here, with the
// client id but never the query string or a credential (R15, R20).
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	resp, req, err := s.token(w, r)
	if err != nil {
		if errors.Is(err, oauth.ErrInvalidClient) {
			s.metrics.AuthFailed("authorization_server", "invalid_client")
		}
		s.logRefused(r, req, err)
		setRetryAfter(w, err)
		oauth.WriteError(w, err)
		return
	}
	writeTokenResponse(w, resp)
}

// token checks the HTTP envelope, decodes the form, authenticates the client
// and dispatches on grant_type (an explicit switch).
func (s *Server) token(w http.ResponseWriter, r *http.Request) (tokenResponse, tokenRequest, error) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return tokenResponse{}, tokenRequest{}, &oauth.Error{Code: oauth.CodeInvalidRequest,
			Status: http.StatusMethodNotAllowed, Description: "the token endpoint accepts only POST"}
	}
	// R15, RFC 6749 §2.3.1: credentials and token parameters never travel
	// in the URI; a request with any query parameter is refused whole.
	if r.URL.RawQuery != "" {
		return tokenResponse{}, tokenRequest{}, oauth.InvalidRequest("parameters are not accepted in the request URI").
			WithErr(errors.New("query string present"))
	}
	if len(r.Header.Values("Authorization")) > 1 {
		return tokenResponse{}, tokenRequest{}, oauth.InvalidRequest("").WithErr(errors.New("several Authorization headers"))
	}
	ct := r.Header.Get("Content-Type")
	if err := checkFormContentType(ct); err != nil {
		return tokenResponse{}, tokenRequest{}, err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxTokenBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return tokenResponse{}, tokenRequest{}, oauth.InvalidRequest("the request body is too large").
				WithErr(errors.New("body over 64 KiB"))
		}
		return tokenResponse{}, tokenRequest{}, oauth.InvalidRequest("").WithErr(errors.New("reading body failed"))
	}
	req, err := parseTokenRequest(ct, body, r.Header.Get("Authorization"))
	if err != nil {
		return tokenResponse{}, req, err
	}
	req.peer = clientAddr(r)
	ctx := r.Context()
	c, err := s.authenticateRequest(r, req.creds)
	if err != nil {
		return tokenResponse{}, req, err
	}
	var resp tokenResponse
	switch req.grantType {
	case GrantClientCredentials:
		resp, err = s.clientCredentials(ctx, c, req)
	case GrantRefreshToken:
		resp, err = s.refreshGrant(ctx, c, req)
	case GrantPassword:
		resp, err = s.passwordGrant(ctx, c, req)
	case GrantAuthorizationCode:
		resp, err = s.authorizationCodeGrant(ctx, c, req)
	default:
		err = oauth.UnsupportedGrantType("").WithErr(errors.New("grant type not served"))
	}
	if err != nil {
		return tokenResponse{}, req, err
	}
	s.metrics.TokenIssued(req.grantType)
	return resp, req, nil
}

// checkFormContentType accepts application/x-www-form-urlencoded, with no
// charset or charset=utf-8 (RFC 6749 §3.2, Appendix B).
func checkFormContentType(ct string) error {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return oauth.InvalidRequest("the body must be application/x-www-form-urlencoded").
			WithErr(errors.New("wrong content type"))
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return oauth.InvalidRequest("the body must be UTF-8").WithErr(errors.New("wrong charset"))
	}
	return nil
}

// parseTokenRequest decodes the form body and extracts the client
// credentials from it and from the Authorization header. It is pure and
// never panics (FuzzTokenRequest).
func parseTokenRequest(contentType string, body []byte, authorization string) (tokenRequest, error) {
	var req tokenRequest
	if err := checkFormContentType(contentType); err != nil {
		return req, err
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		// The parser's message may quote the body: it is not kept.
		return req, oauth.InvalidRequest("the body is not a valid form").WithErr(errors.New("malformed form"))
	}
	for name, vs := range form {
		if len(vs) > 1 && !repeatable[name] {
			return req, oauth.InvalidRequest("a parameter is repeated").
				WithErr(errors.New("repeated parameter " + strconv.Quote(truncate(name, 40))))
		}
	}
	// RFC 6749 §3.1: a parameter sent without a value is treated as omitted.
	req.grantType = form.Get("grant_type")
	req.scope = form.Get("scope")
	req.audiences = nonEmpty(form["audience"])
	req.resources = nonEmpty(form["resource"])
	req.refreshToken = form.Get("refresh_token")
	req.username = form.Get("username")
	req.password = form.Get("password")
	req.code = form.Get("code")
	req.redirectURI = form.Get("redirect_uri")
	req.codeVerifier = form.Get("code_verifier")
	if req.grantType == "" {
		return req, oauth.InvalidRequest("grant_type is required").WithErr(errors.New("no grant_type"))
	}
	req.creds, err = extractClientCredentials(authorization, form)
	return req, err
}

// nonEmpty returns vs without empty values.
func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// truncate cuts s to at most n bytes, for log values taken from requests.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// logRefused logs a refused token request: request id, client id (when the
// request carried one), grant type and the error with its internal cause.
func (s *Server) logRefused(r *http.Request, req tokenRequest, err error) {
	level := slog.LevelWarn
	var oe *oauth.Error
	if !errors.As(err, &oe) || oe.Status >= 500 {
		level = slog.LevelError
	}
	s.log.LogAttrs(r.Context(), level, "token request refused",
		slog.String("request_id", web.RequestID(r.Context())),
		slog.String("client_id", truncate(req.creds.id, maxClientIDLen)),
		slog.String("grant_type", truncate(req.grantType, 80)),
		slog.Any("error", err))
}

// writeTokenResponse renders resp (RFC 6749 §5.1) without reflection: the
// token is base64url and dots, the scope is RFC 6749 §3.3 characters, and
// both are still escaped by appendJSONString.
func writeTokenResponse(w http.ResponseWriter, resp tokenResponse) {
	b := make([]byte, 0, len(resp.AccessToken)+len(resp.Scope)+96)
	b = append(b, `{"access_token":`...)
	b = appendJSONString(b, resp.AccessToken)
	b = append(b, `,"token_type":`...)
	b = appendJSONString(b, resp.TokenType)
	b = append(b, `,"expires_in":`...)
	b = strconv.AppendInt(b, resp.ExpiresIn, 10)
	if resp.Scope != "" {
		b = append(b, `,"scope":`...)
		b = appendJSONString(b, resp.Scope)
	}
	if resp.RefreshToken != "" {
		b = append(b, `,"refresh_token":`...)
		b = appendJSONString(b, resp.RefreshToken)
	}
	if resp.IDToken != "" {
		b = append(b, `,"id_token":`...)
		b = appendJSONString(b, resp.IDToken)
	}
	b = append(b, '}')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// appendJSONString appends s as a JSON string. Bytes outside printable
// ASCII, quotes and backslashes are \u-escaped (byte-wise: callers pass
// ASCII).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			continue
		}
		b = append(b, c)
	}
	return append(b, '"')
}
