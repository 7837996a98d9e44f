package gateway

import (
	"errors"
	"strings"
)

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
	tok, err := bearerCredentials(values)
	if err == nil && !isB64Token(tok) {
		return "", errBadBearerForm
	}
	return tok, err
}

// bearerCredentials is bearerToken without the b64token check: the text
// after "Bearer" and its spaces. The caller must check isB64Token before
// using it as a token; a string found among the verification cache's keys
// passed that check when it was stored (authenticate).
func bearerCredentials(values []string) (string, error) {
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
	return strings.TrimLeft(rest, " "), nil
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
