package rp

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// serveLogin starts an authorization code request (RFC 6749 §4.1.1) with a
// fresh state, nonce and PKCE S256 challenge, and keeps them for the
// callback in the sealed flow cookie. A second /login (another tab)
// replaces the first: only the latest login can complete.
func (a *App) serveLogin(w http.ResponseWriter, r *http.Request) {
	f, err := a.newFlow()
	if err != nil {
		a.fail(w, r, http.StatusInternalServerError, "The login could not be started.", "new flow", err)
		return
	}
	v, err := a.flows.seal(f)
	if err != nil {
		a.fail(w, r, http.StatusInternalServerError, "The login could not be started.", "seal flow", err)
		return
	}
	a.setCookie(w, flowCookie, v, flowTTL)
	// S256 only: the plain method would show the verifier to anyone who
	// sees this URL (RFC 7636 §7.2; RFC 9700 §2.1.1).
	u := a.oauth.AuthCodeURL(f.State, oauth2.S256ChallengeOption(f.Verifier), oidc.Nonce(f.Nonce))
	http.Redirect(w, r, u, http.StatusFound)
}

// newFlow returns a flow with three independent 256-bit random values; the
// verifier is 43 base64url characters, within RFC 7636 §4.1's 43–128.
func (a *App) newFlow() (flow, error) {
	var vals [3]string
	for i := range vals {
		b := make([]byte, 32)
		if _, err := io.ReadFull(a.rand, b); err != nil {
			return flow{}, fmt.Errorf("rp: random: %w", err)
		}
		vals[i] = base64.RawURLEncoding.EncodeToString(b)
	}
	return flow{State: vals[0], Nonce: vals[1], Verifier: vals[2], Expires: a.now().Add(flowTTL)}, nil
}
