package gateway

import (
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/rempart/rempart/internal/web"
)

// Security headers set on proxied responses (R17).
const (
	apiCSP = "default-src 'none'; frame-ancestors 'none'"
)

// cleanResponse is the response stage (ReverseProxy.ModifyResponse): it
// bounds the upstream's body (max_response_body: 502 beyond; OWASP API10),
// applies response validation, removes fingerprinting headers and adds
// security headers (R17). Headers the gateway's own response already
// carries (X-Request-ID, X-Content-Type-Options,
// Strict-Transport-Security, and the API's CORS, deprecation and
// rate-limit fields) are dropped from the upstream's copy so that each is
// sent once, with Rempart's value. An error becomes a generic 502.
func (g *Gateway) cleanResponse(res *http.Response) error {
	x, _ := res.Request.Context().Value(stateKey{}).(*exchange)
	h := res.Header
	for k := range h {
		if strippedResponseHeader(k) || (x != nil && ownedResponseHeader(x.route, k)) {
			delete(h, k)
		}
	}
	if x != nil {
		switch {
		case res.ContentLength > g.maxResponseBody:
			return errResponseTooLarge
		case x.route.api.validateResp:
			if err := g.checkResponse(res, x); err != nil {
				return err
			}
		case res.ContentLength < 0:
			res.Body = &limitedBody{rc: res.Body, left: g.maxResponseBody, g: g, r: x.in}
		}
	}
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	if len(h["Content-Security-Policy"]) == 0 {
		h.Set("Content-Security-Policy", apiCSP)
	}
	if x != nil && x.identity != "" {
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

// ownedResponseHeader reports an upstream header that the route's API has
// Rempart set instead: CORS fields when the API has a CORS policy,
// Deprecation and Sunset when it is deprecated, the RateLimit fields when
// the route is limited.
func ownedResponseHeader(rt *route, k string) bool {
	a := rt.api
	switch {
	case a.cors != nil && hasFoldPrefix(k, "Access-Control-"):
		return true
	case a.deprecation != nil && (strings.EqualFold(k, "Deprecation") || strings.EqualFold(k, "Sunset")):
		return true
	case rt.limit != nil && (strings.EqualFold(k, "Ratelimit") || strings.EqualFold(k, "Ratelimit-Policy")):
		return true
	}
	return false
}

// limitedBody bounds an upstream body of unknown length. Past the limit the
// read fails: the status line has been sent by then, so the proxy aborts
// the response (the client sees a truncated answer, never the excess).
type limitedBody struct {
	rc   io.ReadCloser
	left int64
	g    *Gateway
	r    *http.Request
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, errResponseTooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) > b.left {
		ctx := b.r.Context()
		b.g.log.LogAttrs(ctx, slog.LevelError, "upstream response aborted",
			slog.String("request_id", web.RequestID(ctx)),
			slog.String("api", web.Info(ctx).Route),
			slog.String("reason", "upstream_too_large"))
		n, b.left = int(b.left), -1
		return n, errResponseTooLarge
	}
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
