package web

import (
	"context"
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
}

type infoKey struct{}

// Info returns the request's RequestInfo, or a fresh empty one when the
// request did not pass through Observe (tests).
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
		ri := &RequestInfo{ID: uuid.NewString()}
		h := w.Header()
		h.Set("X-Request-ID", ri.ID)
		SetSecurityHeaders(h, https)
		sw := &statusWriter{ResponseWriter: w}
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

// SetSecurityHeaders sets the headers every response carries.
func SetSecurityHeaders(h http.Header, https bool) {
	h.Set("X-Content-Type-Options", "nosniff")
	if https {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
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
