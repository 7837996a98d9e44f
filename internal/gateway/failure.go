package gateway

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/rempart/rempart/internal/web"
)

// Bearer challenges (RFC 6750 §3). The realm is fixed; error codes are the
// RFC's; no error_description, which could leak detail (R19).
const (
	challengeBearer         = `Bearer realm="rempart"`
	challengeInvalidToken   = `Bearer realm="rempart", error="invalid_token"`
	challengeInvalidRequest = `Bearer realm="rempart", error="invalid_request"`
)

// failure is a refused request: its public face (status, headers) and its
// private detail (reason label for metrics and logs, cause for logs only).
type failure struct {
	status    int
	challenge string   // WWW-Authenticate, if any
	allow     []string // Allow, for 405
	reason    string   // low-cardinality label: metrics and logs
	auth      bool     // counts as an authentication failure (metrics)
	quiet     bool     // log at info whatever the status (the client went away)
	err       error    // internal cause: logged, never sent
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

func routeFailure(err error, allow []string) *failure {
	if errors.Is(err, errNoMethod) {
		return &failure{status: http.StatusMethodNotAllowed, allow: allow, reason: "method", err: err}
	}
	return &failure{status: http.StatusNotFound, reason: "route", err: err}
}

// unauthorized is a 401 (or the status given) with a bearer challenge, counted
// as an authentication failure.
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
	web.SetSecurityHeaders(h, g.https)
	if f.auth {
		g.metrics.AuthFailed("gateway", f.reason)
	}
	level := slog.LevelInfo
	switch {
	case f.quiet:
	case f.status >= 500:
		level = slog.LevelError
	case f.auth || f.status == http.StatusForbidden:
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
	web.WriteProblem(w, r, f.status, "")
}
