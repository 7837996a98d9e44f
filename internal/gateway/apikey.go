package gateway

import (
	"errors"
	"net/http"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/rempart/rempart/internal/apikey"
	"github.com/rempart/rempart/internal/token"
)

// keyHolderTTL is how long an API key's identity holder (its per-API
// Rempart-Identity assertions) is kept. The key itself is checked on every
// request by the authenticator (revocation within 1 s, D1).
const keyHolderTTL = time.Hour

var errNoAPIKey = errors.New("gateway: no API key")

// authenticateKey checks the request's API key (A1): from X-API-Key or
// "Authorization: ApiKey", never the URL (R15), valid and naming this API.
// Unknown, malformed and revoked keys and keys for another API all get the
// same 401 (R19); each counts toward the jail, a key for another API also
// against that key. A store failure is 503: fail closed (D2).
func (g *Gateway) authenticateKey(r *http.Request, x *exchange, now time.Time) *failure {
	raw, ok, err := apikey.FromRequest(r.Header)
	switch {
	case err != nil:
		return counted(unauthorized(challengeAPIKey, apikey.Reason(err), err), "")
	case !ok:
		return unauthorized(challengeAPIKey, "missing", errNoAPIKey)
	}
	k, err := g.apiKeys.Authenticate(r.Context(), raw, x.route.api.name)
	switch {
	case errors.Is(err, apikey.ErrWrongAPI):
		return counted(unauthorized(challengeAPIKey, "wrong_api", err), "apikey:"+k.ID)
	case errors.Is(err, apikey.ErrInvalidKey):
		return counted(unauthorized(challengeAPIKey, apikey.Reason(err), err), "")
	case err != nil:
		return &failure{status: http.StatusServiceUnavailable, reason: "apikey_store", err: err}
	}
	x.keyID, x.keyName = k.ID, k.Name
	x.entry = g.keyHolder(k.ID, now)
	return nil
}

// keyHolder returns the identity holder of the API key id: a cache entry
// whose Rempart-Identity has sub = the key id (and no client_id, scope).
func (g *Gateway) keyHolder(id string, now time.Time) *cacheEntry {
	if e := g.keyCache.get(id, now); e != nil {
		return e
	}
	c := &token.AccessClaims{Claims: jwt.Claims{
		Subject: id,
		ID:      id,
		Expiry:  jwt.NewNumericDate(now.Add(keyHolderTTL)),
	}}
	e, _ := newEntry(c, g.nAPIs) // cannot fail: exp and id are set
	e.principal, e.userKey = "apikey:"+id, ""
	g.keyCache.put(id, e, now)
	return e
}
