package gateway

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/rempart/rempart/internal/web"
)

var errJailed = errors.New("gateway: address or principal in jail (R3)")

// checkJail refuses a request whose key (an address or a principal) is
// jailed: 429 with Retry-After, even when its credentials are valid (R3).
// The key goes to the jail in x's scratch array: a variadic argument of an
// interface call would otherwise be allocated on every request.
func (g *Gateway) checkJail(x *exchange, key string) *failure {
	if g.jail == nil || key == "" {
		return nil
	}
	x.jailKey[0] = key
	if left, jailed := g.jail.Check(x.jailKey[:]...); jailed {
		return &failure{status: http.StatusTooManyRequests, retryAfter: left, reason: "jailed", err: errJailed}
	}
	return nil
}

// countFailure charges an authentication failure that offered a wrong
// credential (forged, malformed or revoked token, token for another API,
// unknown or wrong API key) to the client address and, when known, the
// principal; and logs jail.entered with the request id for each key that
// this failure put in jail. Missing and merely expired credentials are not
// counted: they are the normal life of a well-behaved client. It returns f.
func (g *Gateway) countFailure(r *http.Request, x *exchange, f *failure) *failure {
	if g.jail == nil || !f.jailed {
		return f
	}
	entered := g.jail.Fail(g.ipKey(r, x), f.principal)
	for _, k := range entered {
		ctx := r.Context()
		g.log.LogAttrs(ctx, slog.LevelWarn, "jail.entered",
			slog.String("request_id", web.RequestID(ctx)),
			slog.String("api", web.Info(ctx).Route),
			slog.String("key", k),
			slog.String("reason", f.reason))
	}
	return f
}
