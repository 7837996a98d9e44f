package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"
	"time"

	"github.com/rempart/rempart/internal/validate"
	"github.com/rempart/rempart/internal/web"
)

// Upstream transport limits.
const (
	dialTimeout         = 5 * time.Second
	maxIdleConnsPerHost = 256
)

// newTransport returns the transport used when Deps.Transport is nil: no
// proxy from the environment (an upstream is reached directly, never through
// whatever HTTP_PROXY says), bounded dial and response-header waits
// (headerTimeout: 504 beyond), a large idle pool, and HTTP/2 only towards
// https upstreams.
func newTransport(t *table, headerTimeout time.Duration) *http.Transport {
	anyTLS := false
	for _, a := range t.apis {
		anyTLS = anyTLS || a.upstream.Scheme == "https"
	}
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     anyTLS,
		MaxIdleConns:          4 * maxIdleConnsPerHost,
		MaxIdleConnsPerHost:   maxIdleConnsPerHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: headerTimeout,
		ExpectContinueTimeout: time.Second,
	}
}

// stateKey is the request-context key of the *exchange the proxy stages
// read, when the request did not come through web.Observe.
type stateKey struct{}

// exchangeOf returns the exchange of the request whose context is ctx:
// from its web.RequestInfo (forward puts it there inside web.Observe),
// else from stateKey; nil when there is none.
func exchangeOf(ctx context.Context) *exchange {
	if x, ok := web.Info(ctx).Local.(*exchange); ok {
		return x
	}
	x, _ := ctx.Value(stateKey{}).(*exchange)
	return x
}

func (g *Gateway) newProxy(rt http.RoundTripper) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite:        g.rewrite,
		Transport:      rt,
		ModifyResponse: g.cleanResponse,
		ErrorHandler:   g.upstreamError,
		ErrorLog:       slog.NewLogLogger(g.log.Handler(), slog.LevelDebug),
		BufferPool:     newBufferPool(),
	}
}

// copyBufferSize is the size of the buffers that copy response bodies.
const copyBufferSize = 32 << 10

// bufferPool recycles ReverseProxy's body-copy buffers (otherwise 32 KiB
// allocated per request). It pools array pointers, which a returned slice
// converts back to without allocating.
type bufferPool struct{ p sync.Pool }

func newBufferPool() *bufferPool {
	return &bufferPool{p: sync.Pool{New: func() any { return new([copyBufferSize]byte) }}}
}

func (bp *bufferPool) Get() []byte { return bp.p.Get().(*[copyBufferSize]byte)[:] }

func (bp *bufferPool) Put(b []byte) {
	if cap(b) != copyBufferSize {
		return
	}
	bp.p.Put((*[copyBufferSize]byte)(b[:copyBufferSize]))
}

// forward proxies r to the route's upstream.
func (g *Gateway) forward(w http.ResponseWriter, r *http.Request, x *exchange) {
	// The response's own security headers live in w (web.Observe sets them;
	// set here too when it did not); the upstream's copies are dropped in
	// cleanResponse so none is sent twice.
	h := w.Header()
	if headerEmpty(h, "X-Content-Type-Options") || (g.https && headerEmpty(h, "Strict-Transport-Security")) {
		web.SetSecurityHeaders(h, g.https)
	}
	x.respHeader = h
	if ri := web.Info(r.Context()); ri.ID != "" {
		ri.Local = x // inside web.Observe: no context and request copy
	} else {
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, x))
	}
	g.proxy.ServeHTTP(w, r)
}

// headerEmpty reports h.Get(key) == "" for a canonical key, without
// canonicalising it again.
func headerEmpty(h http.Header, key string) bool {
	v := h[key]
	return len(v) == 0 || v[0] == ""
}

// rewrite builds the upstream request. ReverseProxy has already removed the
// hop-by-hop headers (RFC 9110 §7.6.1, including Proxy-Authorization) and
// Forwarded/X-Forwarded-For/-Host/-Proto.
func (g *Gateway) rewrite(pr *httputil.ProxyRequest) {
	x := exchangeOf(pr.In.Context())
	a := x.route.api
	out := pr.Out
	for k := range out.Header {
		if strippedRequestHeader(k) {
			delete(out.Header, k)
		}
	}
	path := x.path
	if a.stripPrefix {
		if path = path[len(a.prefix):]; path == "" {
			path = "/"
		}
	}
	out.URL.Path = unescapePath(path)
	out.URL.RawPath = ""
	if needsRawPath(path) {
		// url.URL would not write path back from Path alone.
		out.URL.RawPath = path
	}
	pr.SetURL(a.upstream) // joins the upstream's base path; Host becomes the upstream's
	pr.SetXForwarded()
	if len(g.trusted) > 0 {
		// Behind trusted proxies the peer is a proxy: tell the upstream the
		// client address the gateway itself decided on (contract: the
		// right-most untrusted X-Forwarded-For entry).
		if a := g.clientIP(pr.In, x); a.IsValid() {
			out.Header["X-Forwarded-For"] = []string{a.String()}
		}
	}
	// Canonical keys assigned directly: what Header.Set does, without
	// canonicalising constant names on every request.
	if id := web.RequestID(pr.In.Context()); id != "" {
		out.Header["X-Request-Id"] = []string{id}
	}
	if x.identity != nil {
		out.Header["Rempart-Identity"] = x.identity.field // shared, never written in place
	}
	if a.validateResp {
		// A compressed answer could not be validated: let the transport
		// negotiate (and transparently decode) gzip itself.
		delete(out.Header, "Accept-Encoding")
	}
}

// needsRawPath reports whether the canonical path (normalizePath output)
// holds a byte that url.URL.EscapedPath would not reproduce from the
// decoded Path: a percent-encoding, or one of the sub-delims it escapes in
// paths ("!", "'", "(", ")", "*"). A path without any is its own escaped
// form, so the upstream request line is the canonical path with or
// without RawPath, and leaving RawPath empty spares url.URL's validation
// of it when the upstream URL is joined and the request written.
func needsRawPath(path string) bool {
	for i := 0; i < len(path); i++ {
		switch path[i] {
		case '%', '!', '\'', '(', ')', '*':
			return true
		}
	}
	return false
}

// strippedRequestNames are the canonical names strippedRequestHeader
// removes (besides its prefixes).
var strippedRequestNames = newNameSet(
	"Authorization", "Proxy-Authorization", "X-Api-Key", "Dpop", "X-Request-Id",
	"Forwarded", "X-Real-Ip", "True-Client-Ip", "X-Client-Ip",
	"X-Http-Method-Override", "X-Http-Method", "X-Method-Override",
	"X-Original-Url", "X-Rewrite-Url", "X-Original-Method")

// strippedRequestHeader reports a request header the upstream must not get
// from the caller: credentials (Authorization, X-API-Key, DPoP), identity and
// tracing headers Rempart sets itself (Rempart-*, X-Request-ID), client
// addressing (X-Forwarded-*, Forwarded, X-Real-IP) and headers some
// frameworks obey to override the method or path after routing
// (X-HTTP-Method-Override, X-Original-URL, X-Rewrite-URL), which would
// bypass the route and scope checks. Names are compared with "_" read as
// "-" (CGI-style servers merge the two) and in any letter case, as
// http.CanonicalHeaderKey would. Cookie is kept: it is not a credential
// Rempart checks, and the upstream's own sessions may use it.
func strippedRequestHeader(k string) bool {
	if strings.IndexByte(k, '_') >= 0 {
		k = strings.ReplaceAll(k, "_", "-")
	}
	if strippedRequestNames.has(k) {
		return true
	}
	return hasFoldPrefix(k, "X-Forwarded-") || hasFoldPrefix(k, "Rempart-")
}

// hasFoldPrefix reports strings.EqualFold(s[:len(prefix)], prefix). Most
// names differ from prefix in their first byte, which is rejected without
// Unicode folding when prefix starts with an ASCII letter other than k
// and s: no other rune folds to such a letter (only the Kelvin sign and
// the long s fold to ASCII), so s must start with one of its two cases.
func hasFoldPrefix(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	if p := prefix[0] | 0x20; 'a' <= p && p <= 'z' && p != 'k' && p != 's' && s[0]|0x20 != p {
		return false
	}
	return strings.EqualFold(s[:len(prefix)], prefix)
}

// unescapePath decodes a canonical path (normalizePath output: valid
// encodings, no %2F) for url.URL.Path.
func unescapePath(p string) string {
	if strings.IndexByte(p, '%') < 0 {
		return p
	}
	b := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == '%' && i+2 < len(p) {
			hi, _ := unhex(p[i+1])
			lo, _ := unhex(p[i+2])
			b = append(b, hi<<4|lo)
			i += 2
			continue
		}
		b = append(b, p[i])
	}
	return string(b)
}

// upstreamError answers a failed upstream exchange with a generic 502, or
// 504 on a timeout (R19: no upstream name, address or error text): no
// answer, an answer over max_response_body, or one that response
// validation refuses. The detail is logged under the request id.
func (g *Gateway) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	status, reason := http.StatusBadGateway, "upstream_error"
	var ne net.Error
	var ve *validate.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		status, reason = http.StatusGatewayTimeout, "upstream_timeout"
	case errors.Is(err, errResponseTooLarge):
		reason = "upstream_too_large"
	case errors.As(err, &ve):
		reason = "upstream_invalid"
	}
	quiet := errors.Is(err, context.Canceled) && r.Context().Err() != nil
	if quiet {
		reason = "client_gone"
	}
	g.fail(w, r, &failure{status: status, reason: reason, quiet: quiet, err: err})
}
