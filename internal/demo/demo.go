// Package demo is the quickstart's demo upstream API: a tiny HTTP service
// that stands behind the gateway and answers with what it received, so a new
// user can see what Rempart forwards. It verifies the Rempart-Identity
// assertion the way a real upstream should: signature from Rempart's keys,
// typ, iss, aud (its own API name), exp.
package demo

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/rempart/rempart/internal/token"
)

// identityVerifier checks a Rempart-Identity assertion for an audience.
type identityVerifier interface {
	VerifyIdentity(raw, audience string) (*token.IdentityClaims, error)
}

// Handler returns the demo API. apiOf maps a request path to the API name
// the gateway routed it to (the assertion's audience).
func Handler(v identityVerifier, apiOf func(path string) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp := map[string]any{
			"message":    "hello from the demo upstream",
			"method":     r.Method,
			"path":       r.URL.Path,
			"request_id": r.Header.Get("X-Request-ID"),
		}
		// What a real upstream must never see, reported so the user can check.
		resp["received_authorization_header"] = r.Header.Get("Authorization") != ""
		if raw := r.Header.Get("Rempart-Identity"); raw != "" {
			c, err := v.VerifyIdentity(raw, apiOf(r.URL.Path))
			if err != nil {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid Rempart-Identity"})
				return
			}
			resp["identity"] = map[string]any{
				"verified":  true,
				"sub":       c.Subject,
				"client_id": c.ClientID,
				"scope":     c.Scope,
				"aud":       strings.Join(c.Audience, " "),
				"expires":   c.Expiry.Time().UTC(),
			}
		}
		w.Header().Set("Content-Type", "application/json")
		// Fingerprint the gateway must strip (R17).
		w.Header().Set("Server", "demo-upstream/1.0")
		w.Header().Set("X-Powered-By", "Go")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(resp)
	})
}
