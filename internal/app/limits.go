package app

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rempart/rempart/internal/config"
	"github.com/rempart/rempart/internal/jail"
	"github.com/rempart/rempart/internal/ratelimit"
)

// buildShared creates the state that outlives configuration reloads, so a
// reload never forgets a bucket or frees a jailed source (R3, R11).
func (a *App) buildShared(cfg *config.Config) {
	a.limiter = &ratelimit.Local{}
	a.jail = jail.New(jail.Config{
		MaxFailures: cfg.Jail.MaxFailures, Window: cfg.Jail.Window.Std(), Ban: cfg.Jail.Ban.Std(),
	}, 0, time.Now)
}

// limitTokenEndpoint applies authorization_server.rate_limit to the
// endpoints that authenticate clients — token, introspection, revocation —
// each with its own buckets (R11): per client address, or per client id
// when by is client and the client authenticates with HTTP Basic
// (client_secret_post callers are limited by address). Over the limit: 429
// with Retry-After and the RateLimit headers, and an RFC 6749-style JSON
// error.
func (a *App) limitTokenEndpoint(cfg *config.Config, h http.Handler) http.Handler {
	as := cfg.AuthorizationServer
	rl := as.RateLimit
	if rl == nil {
		return h
	}
	u, err := url.Parse(as.Issuer)
	if err != nil {
		return h // Validate refused such an issuer already
	}
	base := strings.TrimSuffix(u.Path, "/")
	limited := map[string]string{base + "/token": "token", base + "/introspect": "introspect", base + "/revoke": "revoke"}
	lim := ratelimit.Limit{Requests: rl.Requests, Per: rl.Per.Std()}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := limited[r.URL.Path]
		if !ok {
			h.ServeHTTP(w, r)
			return
		}
		key := "as-" + name + "|ip:" + peerIP(r.RemoteAddr)
		if rl.By == config.ByClient {
			if id, _, ok := r.BasicAuth(); ok && id != "" && len(id) <= 128 {
				key = "as-" + name + "|client:" + id
			}
		}
		d, err := a.limiter.Allow(r.Context(), key, lim)
		if err != nil {
			writeTokenError(w, http.StatusInternalServerError, "server_error", "the request could not be processed")
			return
		}
		ratelimit.SetHeaders(w.Header(), name, d)
		if !d.Allowed {
			writeTokenError(w, http.StatusTooManyRequests, "temporarily_unavailable", "too many requests; retry later")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// writeTokenError writes an RFC 6749 §5.2-shaped error body.
func writeTokenError(w http.ResponseWriter, status int, code, desc string) {
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// peerIP is the TCP peer's address without the port.
func peerIP(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}
