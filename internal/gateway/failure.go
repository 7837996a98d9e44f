package gateway

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rempart/rempart/internal/web"
)

// Bearer challenges (RFC 6750 §3). The realm is fixed; error codes are the
// RFC's; no error_description, which could leak detail (R19).
const (
	challengeBearer         = `Bearer realm="rempart"`
	challengeInvalidToken   = `Bearer realm="rempart", error="invalid_token"`
	challengeInvalidRequest = `Bearer realm="rempart", error="invalid_request"`
	// challengeAPIKey is the 401 challenge of api_key routes (RFC 9110
	// §11.6.1 requires one; "ApiKey" is the scheme the contract names).
	challengeAPIKey = `ApiKey realm="rempart"`
)

// failure is a refused request: its public face (status, headers, an
// optional generic detail) and its private detail (reason label for
// metrics and logs, cause for logs only).
type failure struct {
	status     int
	challenge  string        // WWW-Authenticate, if any
	allow      []string      // Allow, for 405
	retryAfter time.Duration // Retry-After, when > 0 (jail)
	detail     string        // problem "detail": generic text only (validation title and location)
	closeConn  bool          // Connection: close (framing errors: RFC 9112 §6.3)
	reason     string        // low-cardinality label: metrics and logs
	auth       bool          // counts as an authentication failure (metrics)
	jailed     bool          // counts toward the jail (R3): a credential was offered and is wrong
	principal  string        // jail key of the principal the failure is charged to, if known
	quiet      bool          // log at info whatever the status (the client went away)
	err        error         // internal cause: logged, never sent
}

func (f *failure) Error() string {
	if f.err != nil {
		return f.reason + ": " + f.err.Error()
	}
	return f.reason
}

func (f *failure) Unwrap() error { return f.err }

func badRequest(reason string, err error) *failure {
	return &failure{status: http.StatusBadRequest, reason: reason, err: err}
}

func forbidden(reason string, err error) *failure {
	return &failure{status: http.StatusForbidden, reason: reason, err: err}
}

func routeFailure(err error, allow []string) *failure {
	if errors.Is(err, errNoMethod) {
		return &failure{status: http.StatusMethodNotAllowed, allow: allow, reason: "method", err: err}
	}
	return &failure{status: http.StatusNotFound, reason: "route", err: err}
}

// unauthorized is a 401 with a bearer challenge, counted as an
// authentication failure.
// unavailable is a 503 for a request whose credential could not be checked
// because a dependency is down (D2: fail closed). It is not an
// authentication failure and never counts toward the jail.
func unavailable(err error) *failure {
	return &failure{status: http.StatusServiceUnavailable, reason: "unavailable", err: err}
}

func unauthorized(challenge, reason string, err error) *failure {
	return &failure{status: http.StatusUnauthorized, challenge: challenge, reason: reason, auth: true, err: err}
}

// fail renders f as generic problem+json (R19) and logs it with the request
// id. Nothing from the request's credentials is logged (R20).
func (g *Gateway) fail(w http.ResponseWriter, r *http.Request, f *failure) {
	h := w.Header()
	if f.challenge != "" {
		h.Set("WWW-Authenticate", f.challenge)
	}
	if f.allow != nil {
		h.Set("Allow", strings.Join(f.allow, ", "))
	}
	if f.retryAfter > 0 {
		h.Set("Retry-After", strconv.FormatInt(int64((f.retryAfter+time.Second-1)/time.Second), 10))
	}
	if f.closeConn {
		h.Set("Connection", "close")
	}
	web.SetSecurityHeaders(h, g.https)
	if f.auth {
		g.metrics.AuthFailed("gateway", f.reason)
	}
	level := slog.LevelInfo
	switch {
	case f.quiet:
	case f.status >= 500:
		level = slog.LevelError
	case f.auth || f.status == http.StatusForbidden || f.status == http.StatusTooManyRequests:
		level = slog.LevelWarn
	}
	ctx := r.Context()
	if g.log.Enabled(ctx, level) {
		g.log.LogAttrs(ctx, level, "gateway refused request",
			slog.String("request_id", web.RequestID(ctx)),
			slog.String("api", web.Info(ctx).Route),
			slog.Int("status", f.status),
			slog.String("reason", f.reason),
			slog.Any("error", f.err))
	}
	if f.detail == "" {
		web.WriteProblem(w, r, f.status, "")
		return
	}
	writeProblemDetail(w, r, f.status, f.detail)
}

// writeProblemDetail is web.WriteProblem with a "detail" member (RFC 9457
// §3.1.4). detail must be generic: a fixed title and a location, never a
// value from the request or a library message (R19).
func writeProblemDetail(w http.ResponseWriter, r *http.Request, status int, detail string) {
	p := web.Problem{Type: "about:blank", Title: http.StatusText(status), Status: status,
		Detail: detail, RequestID: web.RequestID(r.Context())}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}
