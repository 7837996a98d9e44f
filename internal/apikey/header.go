package apikey

import (
	"errors"
	"net/http"
	"strings"
)

// Where a key travels (interface.md: never in the URL, R15).
const (
	// HeaderName is the dedicated request header.
	HeaderName = "X-API-Key"
	// Scheme is the Authorization scheme ("Authorization: ApiKey <key>"),
	// matched case-insensitively (RFC 9110 §11.1).
	Scheme = "ApiKey"
)

// ErrAmbiguous reports a request that offers more than one candidate key
// (several X-API-Key values, X-API-Key and Authorization: ApiKey, or
// Authorization: ApiKey among several Authorization headers).
var ErrAmbiguous = errors.New("apikey: more than one API key or Authorization header")

// FromRequest returns the API key of a request: the one X-API-Key value, or
// the credentials of the one "Authorization: ApiKey …" header (scheme in any
// case, then spaces or tabs), trimmed of surrounding whitespace. ok is false
// when the request offers no key; an Authorization header of another scheme
// is not a key and is left to its own checks. More than one candidate is
// ErrAmbiguous. The value is not checked here: Authenticate does that (an
// empty one is malformed). Keys are never taken from the URL.
func FromRequest(h http.Header) (raw string, ok bool, err error) {
	headers := h.Values(HeaderName)
	auths := h.Values("Authorization")
	var fromAuth []string
	for _, v := range auths {
		if cred, isKey := apiKeyCredentials(v); isKey {
			fromAuth = append(fromAuth, cred)
		}
	}
	switch {
	case len(fromAuth) > 0 && len(auths) > 1, len(headers)+len(fromAuth) > 1:
		return "", false, ErrAmbiguous
	case len(headers) == 1:
		return strings.Trim(headers[0], " \t"), true, nil
	case len(fromAuth) == 1:
		return strings.Trim(fromAuth[0], " \t"), true, nil
	}
	return "", false, nil
}

// apiKeyCredentials returns what follows the ApiKey scheme in an
// Authorization value, and whether the scheme is ApiKey.
func apiKeyCredentials(v string) (string, bool) {
	v = strings.TrimLeft(v, " \t")
	i := strings.IndexAny(v, " \t")
	scheme, rest := v, ""
	if i >= 0 {
		scheme, rest = v[:i], v[i:]
	}
	if !strings.EqualFold(scheme, Scheme) {
		return "", false
	}
	return rest, true
}
