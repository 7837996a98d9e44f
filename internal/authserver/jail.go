package authserver

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/rempart/rempart/internal/oauth"
	"github.com/rempart/rempart/internal/web"
)

// jailedError is the internal cause of a request refused because one of
// its jail keys is banned (R3); setRetryAfter reads it.
type jailedError struct {
	retryAfter time.Duration
}

func (e *jailedError) Error() string { return "jailed for " + e.retryAfter.String() }

// jailed returns the 429 answer given to a jailed client, user or
// address, even with correct credentials (contract "Jail").
func jailed(retryAfter time.Duration) error {
	e := oauth.TemporarilyUnavailable("too many failed attempts; retry later")
	e.Status = http.StatusTooManyRequests
	return e.WithErr(&jailedError{retryAfter: retryAfter})
}

// setRetryAfter sets Retry-After (whole seconds, rounded up, at least 1)
// when err is a jail refusal.
func setRetryAfter(w http.ResponseWriter, err error) {
	var je *jailedError
	if !errors.As(err, &je) {
		return
	}
	secs := int64(math.Ceil(je.retryAfter.Seconds()))
	w.Header().Set("Retry-After", strconv.FormatInt(max(secs, 1), 10))
}

// clientAddr is the client address of r: the TCP peer (contract "Jail";
// the authorization server trusts no forwarding header).
func clientAddr(r *http.Request) string {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap().String()
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// clientJailKeys are the jail keys of a client authentication attempt:
// the claimed client id (when it is plausible) and the address.
func clientJailKeys(clientID, peer string) []string {
	keys := make([]string, 0, 2)
	if clientID != "" && len(clientID) <= maxClientIDLen {
		keys = append(keys, "client:"+clientID)
	}
	if peer != "" {
		keys = append(keys, "ip:"+peer)
	}
	return keys
}

// authenticateRequest authenticates the client of a token, introspection
// or revocation request through the jail (R3): a jailed client id or
// address is refused with 429 before any check, and every
// invalid_client failure is counted against both.
func (s *Server) authenticateRequest(r *http.Request, cr clientCredentials) (Client, error) {
	id := cr.id
	if id == "" && cr.method == AuthPrivateKeyJWT {
		id = assertionIssuer(cr.assertion)
	}
	keys := clientJailKeys(id, clientAddr(r))
	if err := s.checkJail(r.Context(), keys); err != nil {
		return Client{}, err
	}
	c, err := s.authenticateClient(r.Context(), cr)
	if errors.Is(err, oauth.ErrInvalidClient) {
		s.failJail(r.Context(), keys)
	}
	return c, err
}

// checkJail refuses the request when one of keys is jailed.
func (s *Server) checkJail(ctx context.Context, keys []string) error {
	if s.jail == nil {
		return nil
	}
	if retry, banned := s.jail.Check(keys...); banned {
		return jailed(retry)
	}
	return nil
}

// failJail records a failure against keys and logs every key that enters
// the jail with its kind ("client", "ip", "user") and value; keys never
// hold a secret.
func (s *Server) failJail(ctx context.Context, keys []string) {
	if s.jail == nil {
		return
	}
	for _, k := range s.jail.Fail(keys...) {
		kind, value, _ := strings.Cut(k, ":")
		s.log.LogAttrs(ctx, slog.LevelWarn, "jail.entered",
			slog.String("event", "jail.entered"),
			slog.String("request_id", web.RequestID(ctx)),
			slog.String("key_kind", kind),
			slog.String("key", truncate(value, maxClientIDLen)))
	}
}
