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

// stateKey is the request-context key of the *exchange the proxy stages read.
type stateKey struct{}

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
// allocated per request).
type bufferPool struct{ p sync.Pool }

func newBufferPool() *bufferPool {
	return &bufferPool{p: sync.Pool{New: func() any { b := make([]byte, copyBufferSize); return &b }}}
}

func (bp *bufferPool) Get() []byte { return *bp.p.Get().(*[]byte) }

func (bp *bufferPool) Put(b []byte) {
	if cap(b) != copyBufferSize {
		return
	}
	b = b[:copyBufferSize]
	bp.p.Put(&b)
}

// forward proxies r to the route's upstream.
func (g *Gateway) forward(w http.ResponseWriter, r *http.Request, x *exchange) {
	// The response's own security headers live in w (web.Observe sets them;
	// set here too when it did not); the upstream's copies are dropped in
	// cleanResponse so none is sent twice.
	if h := w.Header(); h.Get("X-Content-Type-Options") == "" || (g.https && h.Get("Strict-Transport-Security") == "") {
		web.SetSecurityHeaders(h, g.https)
	}
	g.proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), stateKey{}, x)))
}

// rewrite builds the upstream request. ReverseProxy has already removed the
// hop-by-hop headers (RFC 9110 §7.6.1, including Proxy-Authorization) and
// Forwarded/X-Forwarded-For/-Host/-Proto.
func (g *Gateway) rewrite(pr *httputil.ProxyRequest) {
	x := pr.In.Context().Value(stateKey{}).(*exchange)
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
	out.URL.RawPath = path
	out.URL.Path = unescapePath(path)
	pr.SetURL(a.upstream) // joins the upstream's base path; Host becomes the upstream's
	pr.SetXForwarded()
	if id := web.RequestID(pr.In.Context()); id != "" {
		out.Header.Set("X-Request-ID", id)
	}
	if x.identity != "" {
		out.Header.Set("Rempart-Identity", x.identity)
	}
	if a.validateResp {
		// A compressed answer could not be validated: let the transport
		// negotiate (and transparently decode) gzip itself.
		out.Header.Del("Accept-Encoding")
	}
}

// strippedRequestHeader reports a request header the upstream must not get
// from the caller: credentials (Authorization, X-API-Key, DPoP), identity and
// tracing headers Rempart sets itself (Rempart-*, X-Request-ID), client
// addressing (X-Forwarded-*, Forwarded, X-Real-IP) and headers some
// frameworks obey to override the method or path after routing
// (X-HTTP-Method-Override, X-Original-URL, X-Rewrite-URL), which would
// bypass the route and scope checks. Names are compared with "_" read as
// "-" (CGI-style servers merge the two). Cookie is kept: it is not a
// credential Rempart checks, and the upstream's own sessions may use it.
func strippedRequestHeader(k string) bool {
	if strings.IndexByte(k, '_') >= 0 {
		k = strings.ReplaceAll(k, "_", "-")
	}
	switch http.CanonicalHeaderKey(k) {
	case "Authorization", "Proxy-Authorization", "X-Api-Key", "Dpop", "X-Request-Id",
		"Forwarded", "X-Real-Ip", "True-Client-Ip", "X-Client-Ip",
		"X-Http-Method-Override", "X-Http-Method", "X-Method-Override",
		"X-Original-Url", "X-Rewrite-Url", "X-Original-Method":
		return true
	}
	return hasFoldPrefix(k, "X-Forwarded-") || hasFoldPrefix(k, "Rempart-")
}

func hasFoldPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
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
