package web

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"
)

// RequestInfo is the request-scoped record the outermost middleware creates:
// the request id and the route label later handlers fill in.
type RequestInfo struct {
	ID    string // random UUID v4 (R16), also sent as X-Request-ID
	Route string // low-cardinality label for logs and metrics (API name, endpoint)
	// Local is the wrapped handler's own per-request value (the gateway's
	// exchange), reachable from the request's context without a context
	// and request copy of its own. Observe never reads it.
	Local any
}

type infoKey struct{}

// Info returns the request's RequestInfo, or a fresh empty one (ID "")
// when the request did not pass through Observe (tests).
func Info(ctx context.Context) *RequestInfo {
	if ri, ok := ctx.Value(infoKey{}).(*RequestInfo); ok {
		return ri
	}
	return &RequestInfo{}
}

// RequestID returns the request id of ctx, or "" outside Observe.
func RequestID(ctx context.Context) string { return Info(ctx).ID }

// Observer receives one call per finished request (Prometheus metrics).
type Observer interface {
	ObserveRequest(role, route string, status int, elapsed time.Duration)
}

// Observe is the outermost middleware of every listener. It gives the
// request a fresh id (a caller-supplied X-Request-ID is not trusted), sets
// X-Request-ID and the security headers on the response, and, when the
// handler returns, writes one access-log line and reports to obs (nil: none).
// The log line has method, path, status, duration and ids — never the query
// string, headers or body, which may carry secrets (R15, R20).
func Observe(role string, log *slog.Logger, obs Observer, https bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		// One allocation holds the request's info, its status writer and
		// its X-Request-ID field value.
		o := &observed{}
		ri := &o.info
		ri.ID = o.newID()
		h := w.Header()
		o.idField[0] = ri.ID
		h[headerRequestID] = o.idField[:]
		SetSecurityHeaders(h, https)
		sw := &o.sw
		sw.ResponseWriter = w
		r = r.WithContext(context.WithValue(r.Context(), infoKey{}, ri))
		next.ServeHTTP(sw, r)
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		route := ri.Route
		if route == "" {
			route = r.Pattern
		}
		if route == "" {
			route = "unmatched"
		}
		elapsed := time.Since(start)
		if obs != nil {
			obs.ObserveRequest(role, route, status, elapsed)
		}
		if log != nil && log.Enabled(r.Context(), slog.LevelInfo) {
			log.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("role", role),
				slog.String("request_id", ri.ID),
				slog.String("method", r.Method),
				slog.String("path", r.URL.EscapedPath()),
				slog.String("route", route),
				slog.Int("status", status),
				slog.Duration("duration", elapsed),
			)
		}
	})
}

// observed is what Observe allocates per request, in one piece.
type observed struct {
	info    RequestInfo
	sw      statusWriter
	idField [1]string // the X-Request-ID field value
	rnd     uuid.UUID // crypto/rand bytes of the id
}

// newID returns a random (version 4) UUID, as uuid.NewString does (R16),
// reading crypto/rand into o rather than into a fresh allocation.
func (o *observed) newID() string {
	if _, err := rand.Read(o.rnd[:]); err != nil {
		panic(err) // crypto/rand.Read never fails (Go ≥ 1.24); uuid.NewString panics too
	}
	o.rnd[6] = (o.rnd[6] & 0x0f) | 0x40 // version 4
	o.rnd[8] = (o.rnd[8] & 0x3f) | 0x80 // variant RFC 4122
	return o.rnd.String()
}

// Canonical names and immutable values of the fields Observe and
// SetSecurityHeaders set. The value slices are shared by every response:
// header maps are only ever replaced or appended to (len == cap, so an
// append copies), never written in place.
const (
	headerRequestID = "X-Request-Id"
	headerNoSniff   = "X-Content-Type-Options"
	headerHSTS      = "Strict-Transport-Security"
)

var (
	noSniffValue = []string{"nosniff"}
	hstsValue    = []string{"max-age=63072000; includeSubDomains"}
)

// SetSecurityHeaders sets the headers every response carries.
func SetSecurityHeaders(h http.Header, https bool) {
	h[headerNoSniff] = noSniffValue
	if https {
		h[headerHSTS] = hstsValue
	}
}

// statusWriter records the status code; Unwrap lets http.ResponseController
// reach Flush and deadlines of the underlying writer.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
