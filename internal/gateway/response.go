package gateway

import (
	"net/http"
	"strings"
)

// Security headers set on proxied responses (R17).
const (
	apiCSP = "default-src 'none'; frame-ancestors 'none'"
)

// cleanResponse removes fingerprinting headers from the upstream's response
// and adds security headers (R17). Headers the gateway's own response
// already carries (X-Request-ID, X-Content-Type-Options,
// Strict-Transport-Security) are dropped from the upstream's copy so that
// each is sent once, with Rempart's value.
func (g *Gateway) cleanResponse(res *http.Response) error {
	h := res.Header
	for k := range h {
		if strippedResponseHeader(k) {
			delete(h, k)
		}
	}
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	if len(h["Content-Security-Policy"]) == 0 {
		h.Set("Content-Security-Policy", apiCSP)
	}
	if st, ok := res.Request.Context().Value(stateKey{}).(*proxyState); ok && st.identity != "" {
		if len(h["Cache-Control"]) == 0 {
			h.Set("Cache-Control", "no-store") // an authenticated answer is private
		}
	}
	return nil
}

// strippedResponseHeader reports upstream response headers that disclose
// the upstream's software or topology (R17), or that Rempart sets itself.
func strippedResponseHeader(k string) bool {
	if strings.IndexByte(k, '_') >= 0 {
		k = strings.ReplaceAll(k, "_", "-")
	}
	switch http.CanonicalHeaderKey(k) {
	case "Server", "X-Powered-By", "X-Aspnet-Version", "X-Aspnetmvc-Version", "X-Runtime",
		"X-Version", "X-Generator", "Via", "X-Backend-Server",
		"X-Request-Id", "X-Content-Type-Options", "Strict-Transport-Security":
		return true
	}
	return hasFoldPrefix(k, "X-Envoy-") || hasFoldPrefix(k, "X-Kong-") || hasFoldPrefix(k, "Rempart-")
}
