package authserver

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rempart/rempart/internal/oauth"
	"github.com/rempart/rempart/internal/store"
	"github.com/rempart/rempart/internal/vault"
)

// maxClientIDLen bounds a presented client id: longer ids are refused
// without a store lookup.
const maxClientIDLen = 128

// clientCredentials are the credentials a token request presented.
type clientCredentials struct {
	method string // AuthSecretBasic, AuthSecretPost, AuthPrivateKeyJWT; "" when none
	id     string
	secret string

	assertionType string // client_assertion_type (RFC 7521 §4.2)
	assertion     string // client_assertion: a JWT (RFC 7523 §2.2); never logged
}

// Internal causes of client authentication failures (logged, never sent).
var (
	errNoClientAuth     = errors.New("no client authentication")
	errMalformedBasic   = errors.New("malformed Basic credentials")
	errUnsupportedAuthn = errors.New("unsupported client authentication method")
	errUnknownClient    = errors.New("unknown client")
	errWrongMethod      = errors.New("authentication method not registered for client")
	errBadSecret        = errors.New("wrong client secret")
)

// extractClientCredentials finds the client credentials of a token request
// (RFC 6749 §2.3.1): HTTP Basic with form-urlencoded id and secret
// (client_secret_basic), or client_id and client_secret in the body
// (client_secret_post). Using two methods at once is invalid_request
// (RFC 6749 §2.3: one method per request). It never panics.
func extractClientCredentials(authorization string, form url.Values) (clientCredentials, error) {
	bodyID, bodySecret := form.Get("client_id"), form.Get("client_secret")
	if form.Get("client_assertion_type") != "" || form.Get("client_assertion") != "" {
		if authorization != "" || bodySecret != "" {
			return clientCredentials{}, oauth.InvalidRequest("use one client authentication method").
				WithErr(errors.New("several client authentication methods"))
		}
		return clientCredentials{method: AuthPrivateKeyJWT, id: bodyID,
			assertionType: form.Get("client_assertion_type"), assertion: form.Get("client_assertion")}, nil
	}
	if authorization == "" {
		if bodySecret != "" {
			return clientCredentials{method: AuthSecretPost, id: bodyID, secret: bodySecret}, nil
		}
		// A client id alone is a public client: none may use this endpoint yet.
		return clientCredentials{id: bodyID}, nil
	}
	scheme, value, _ := strings.Cut(authorization, " ")
	if !strings.EqualFold(scheme, "Basic") {
		return clientCredentials{}, oauth.InvalidClient("").WithErr(errUnsupportedAuthn)
	}
	if bodySecret != "" {
		return clientCredentials{}, oauth.InvalidRequest("use one client authentication method").
			WithErr(errors.New("Basic and client_secret both present"))
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value))
	if err != nil {
		return clientCredentials{}, oauth.InvalidClient("").WithErr(errMalformedBasic)
	}
	encID, encSecret, ok := strings.Cut(string(raw), ":")
	if !ok {
		return clientCredentials{}, oauth.InvalidClient("").WithErr(errMalformedBasic)
	}
	id, err1 := url.QueryUnescape(encID)
	secret, err2 := url.QueryUnescape(encSecret)
	if err1 != nil || err2 != nil || id == "" {
		return clientCredentials{}, oauth.InvalidClient("").WithErr(errMalformedBasic)
	}
	if bodyID != "" && bodyID != id {
		return clientCredentials{}, oauth.InvalidRequest("client_id does not match the authenticated client").
			WithErr(errors.New("Basic id and body client_id differ"))
	}
	return clientCredentials{method: AuthSecretBasic, id: id, secret: secret}, nil
}

// authenticateClient returns the client that cr authenticates. Every
// failure is the same generic invalid_client; the presented secret is
// hashed before the lookup so that an unknown client costs what a known one
// costs, and hashes are compared in constant time (D5). A store error fails
// closed (D2).
func (s *Server) authenticateClient(ctx context.Context, cr clientCredentials) (Client, error) {
	switch cr.method {
	case AuthSecretBasic, AuthSecretPost:
	case AuthPrivateKeyJWT:
		return s.authenticateAssertion(ctx, cr)
	case "":
		return Client{}, oauth.InvalidClient("").WithErr(errNoClientAuth)
	default:
		return Client{}, oauth.InvalidClient("").WithErr(errUnsupportedAuthn)
	}
	presented := s.hasher.Hash(vault.PurposeClientSecret, cr.secret)
	if cr.id == "" || len(cr.id) > maxClientIDLen {
		return Client{}, oauth.InvalidClient("").WithErr(errUnknownClient)
	}
	c, err := s.clients.GetClient(ctx, cr.id)
	if errors.Is(err, store.ErrNotFound) {
		return Client{}, oauth.InvalidClient("").WithErr(errUnknownClient)
	}
	if err != nil {
		return Client{}, oauth.ServerError("").WithErr(err)
	}
	secretOK := secretMatches(c, presented, s.now())
	if c.AuthMethod != cr.method {
		return Client{}, oauth.InvalidClient("").WithErr(errWrongMethod)
	}
	if !secretOK {
		return Client{}, oauth.InvalidClient("").WithErr(errBadSecret)
	}
	return c, nil
}

// secretMatches reports whether presented (a keyed hash) equals the
// client's current secret hash, or its previous one while the rotation
// grace period lasts. Both comparisons always run, in constant time.
func secretMatches(c Client, presented []byte, now time.Time) bool {
	cur := len(c.SecretHash) > 0 && subtle.ConstantTimeCompare(c.SecretHash, presented) == 1
	prev := len(c.PrevSecretHash) > 0 && subtle.ConstantTimeCompare(c.PrevSecretHash, presented) == 1
	return cur || (prev && now.Before(c.PrevSecretExpires))
}

// usesSecret reports whether a client authenticates with a secret.
func usesSecret(method string) bool {
	return slices.Contains([]string{AuthSecretBasic, AuthSecretPost}, method)
}
