package gateway

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// formBodyLimit bounds the form body read to look for a token in it.
const formBodyLimit = 1 << 20

// Authorization header parse outcomes.
var (
	errNoCredential  = errors.New("gateway: no Authorization header")
	errManyHeaders   = errors.New("gateway: more than one Authorization header")
	errBasic         = errors.New("gateway: Basic authentication refused (R1)")
	errOtherScheme   = errors.New("gateway: authorization scheme is not Bearer")
	errBadBearerForm = errors.New("gateway: malformed Bearer credentials")
)

// bearerToken extracts the token of the request's Authorization header
// (RFC 6750 §2.1): exactly one header, scheme "Bearer" in any case, one or
// more spaces, then a b64token (RFC 6750 §2.1 ABNF) and nothing else. It
// never returns or logs the credential of another scheme.
func bearerToken(values []string) (string, error) {
	switch len(values) {
	case 0:
		return "", errNoCredential
	case 1:
	default:
		return "", errManyHeaders
	}
	v := values[0]
	scheme, rest, _ := strings.Cut(v, " ")
	switch {
	case scheme == "" && rest == "":
		return "", errNoCredential
	case strings.EqualFold(scheme, "Basic"):
		return "", errBasic
	case !strings.EqualFold(scheme, "Bearer"):
		return "", errOtherScheme
	}
	tok := strings.TrimLeft(rest, " ")
	if !isB64Token(tok) {
		return "", errBadBearerForm
	}
	return tok, nil
}

// isB64Token reports RFC 6750 §2.1 b64token:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64Token(s string) bool {
	i := 0
	for i < len(s) {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' {
			i++
			continue
		}
		break
	}
	if i == 0 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return false
		}
	}
	return true
}

// refuseURLCredentials refuses a token in the query string on every API
// (R15: it would be logged by every proxy on the way) and, on OAuth routes,
// a token in a form-encoded body (RFC 6750 §2.2 is not supported: the
// header is the only way in). Both are 400 invalid_request.
func refuseURLCredentials(r *http.Request, rt *route) *failure {
	if hasParam(r.URL.RawQuery, "access_token") {
		return &failure{status: http.StatusBadRequest, challenge: challengeInvalidRequest,
			reason: "token_in_query", auth: true, err: errors.New("access_token in the query string (R15)")}
	}
	if rt.auth != AuthOAuth2 || r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" || !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "application/x-www-form-urlencoded") {
		return nil
	}
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/x-www-form-urlencoded" {
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, formBodyLimit+1))
	_ = r.Body.Close()
	if err != nil {
		return badRequest("body_read", err)
	}
	if len(body) > formBodyLimit {
		return &failure{status: http.StatusRequestEntityTooLarge, reason: "body_too_large", err: errors.New("form body over the limit")}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if hasParam(string(body), "access_token") {
		return &failure{status: http.StatusBadRequest, challenge: challengeInvalidRequest,
			reason: "token_in_body", auth: true, err: errors.New("access_token in the form body (RFC 6750 §2.2 unsupported)")}
	}
	return nil
}

// hasParam reports whether a URL-encoded parameter list contains key. Both
// "&" and ";" count as separators and keys are percent-decoded, so no
// upstream parser variant can see a key that this one missed.
func hasParam(query, key string) bool {
	for query != "" {
		var kv string
		i := strings.IndexAny(query, "&;")
		if i < 0 {
			kv, query = query, ""
		} else {
			kv, query = query[:i], query[i+1:]
		}
		k, _, _ := strings.Cut(kv, "=")
		if strings.ContainsAny(k, "%+") {
			if dk, err := url.QueryUnescape(k); err == nil {
				k = dk
			}
		}
		if strings.EqualFold(strings.TrimSpace(k), key) {
			return true
		}
	}
	return false
}
