package authserver

import (
	"log/slog"
	"net/http"

	"github.com/rempart/rempart/internal/web"
)

// serveJWKS publishes the signing keys' public halves (RFC 7517 §5). The
// key source decides which keys are listed (the current one and every
// retired key whose tokens may still be valid).
func (s *Server) serveJWKS(w http.ResponseWriter, r *http.Request) {
	set := s.keys.JWKS()
	if len(set) == 0 {
		s.log.LogAttrs(r.Context(), slog.LevelError, "jwks unavailable",
			slog.String("request_id", web.RequestID(r.Context())))
		web.WriteProblem(w, r, http.StatusServiceUnavailable, "")
		return
	}
	writeCacheable(w, "application/jwk-set+json", set)
}
