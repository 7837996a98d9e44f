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
	x := exchangeOf(res.Request.Context())
	h := res.Header
	// Rempart's fields go straight into the response's own header map when
	// forward recorded it (ReverseProxy copies h there next, value by value,
	// canonicalising each name), under canonical names with shared
	// immutable values; the upstream's X-Frame-Options and Referrer-Policy
	// are then dropped from h, as Header.Set on h would have replaced them.
	// One pass over h does the removals and notes the fields Rempart
	// leaves to the upstream when it sets them (response validation, which
	// reads h, sees it as before: those two are dropped after it). A 101
	// answer keeps the fields in h: ReverseProxy refuses it with an error
	// response (the request asked for no upgrade), which must not get them.
	dst, redirect := h, x != nil && x.respHeader != nil && res.StatusCode != http.StatusSwitchingProtocols
	if redirect {
		dst = x.respHeader
	}
	validating := x != nil && x.route.api.validateResp
	var hasCSP, hasCacheControl bool
	for k, vs := range h {
		switch {
		case strippedResponseHeader(k) || (x != nil && ownedResponseHeader(x.route, k)):
			delete(h, k)
		case redirect && !validating && (k == "X-Frame-Options" || k == "Referrer-Policy"):
			delete(h, k)
		case k == "Content-Security-Policy":
			hasCSP = len(vs) > 0
		case k == "Cache-Control":
			hasCacheControl = len(vs) > 0
		}
	}
	if x != nil {
		switch {
		case res.ContentLength > g.maxResponseBody:
			return errResponseTooLarge
		case validating:
			if err := g.checkResponse(res, x); err != nil {
				return err
			}
			hasCSP, hasCacheControl = len(h["Content-Security-Policy"]) > 0, len(h["Cache-Control"]) > 0
			if redirect {
				delete(h, "X-Frame-Options")
				delete(h, "Referrer-Policy")
			}
		case res.ContentLength < 0:
			res.Body = &limitedBody{rc: res.Body, left: g.maxResponseBody, g: g, r: x.in}
		}
	}
	dst["X-Frame-Options"] = frameOptionsValue
	dst["Referrer-Policy"] = referrerPolicyValue
	if !hasCSP {
		dst["Content-Security-Policy"] = apiCSPValue
	}
	if x != nil && x.identity != nil && !hasCacheControl {
		dst["Cache-Control"] = noStoreValue // an authenticated answer is private
	}
	return nil
}

// Values of the fields cleanResponse sets, shared by every response: a
// header value slice is replaced or appended to (len == cap: an append
// copies), never written in place.
var (
	frameOptionsValue   = []string{"DENY"}
	referrerPolicyValue = []string{"no-referrer"}
	apiCSPValue         = []string{apiCSP}
	noStoreValue        = []string{"no-store"}
)

// strippedResponseNames are the canonical names strippedResponseHeader
// removes (besides its prefixes).
var strippedResponseNames = newNameSet(
	"Server", "X-Powered-By", "X-Aspnet-Version", "X-Aspnetmvc-Version", "X-Runtime",
	"X-Version", "X-Generator", "Via", "X-Backend-Server",
	"X-Request-Id", "X-Content-Type-Options", "Strict-Transport-Security")

// strippedResponseHeader reports upstream response headers that disclose
// the upstream's software or topology (R17), or that Rempart sets itself.
// Names are compared as strippedRequestHeader compares them.
func strippedResponseHeader(k string) bool {
	if strings.IndexByte(k, '_') >= 0 {
		k = strings.ReplaceAll(k, "_", "-")
	}
	if strippedResponseNames.has(k) {
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
