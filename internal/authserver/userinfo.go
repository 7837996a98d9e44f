package authserver

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/rempart/rempart/internal/oauth"
	"github.com/rempart/rempart/internal/store"
	"github.com/rempart/rempart/internal/web"
)

// userinfoResponse is the UserInfo response (OIDC Core §5.3.2).
type userinfoResponse struct {
	Sub               string `json:"sub"`
	PreferredUsername string `json:"preferred_username,omitempty"`
	Email             string `json:"email,omitempty"`
	EmailVerified     *bool  `json:"email_verified,omitempty"`
}

// serveUserinfo is the UserInfo endpoint (OIDC Core §5.3), GET or POST,
// with the access token in the Authorization header only (RFC 6750 §2.1;
// R15: never in the query or the body). The token must be valid (either
// format, revocation included), carry the openid scope and name a user
// that still exists and is enabled. Errors are RFC 6750 §3 challenges.
func (s *Server) serveUserinfo(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.URL.Query().Has("access_token") {
		s.bearerError(w, r, http.StatusBadRequest, oauth.CodeInvalidRequest, errors.New("access_token in the query"))
		return
	}
	raw, ok := bearerToken(r.Header.Values("Authorization"))
	if !ok {
		s.bearerError(w, r, http.StatusUnauthorized, "", errors.New("no bearer token"))
		return
	}
	claims, err := s.checkAccessToken(ctx, raw)
	switch {
	case errors.Is(err, errTokenInactive):
		s.bearerError(w, r, http.StatusUnauthorized, "invalid_token", err)
		return
	case err != nil:
		s.log.LogAttrs(ctx, slog.LevelError, "userinfo failed",
			slog.String("request_id", web.RequestID(ctx)), slog.Any("error", err))
		oauth.WriteError(w, oauth.TemporarilyUnavailable(""))
		return
	}
	scope := strings.Fields(claims.Scope)
	if !slices.Contains(scope, ScopeOpenID) {
		s.bearerError(w, r, http.StatusForbidden, "insufficient_scope", errors.New("no openid scope"))
		return
	}
	u, err := s.browser.accounts.Get(ctx, claims.Subject)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && u.Disabled):
		s.bearerError(w, r, http.StatusUnauthorized, "invalid_token", errors.New("subject is not an enabled user"))
		return
	case err != nil:
		s.log.LogAttrs(ctx, slog.LevelError, "userinfo failed",
			slog.String("request_id", web.RequestID(ctx)), slog.Any("error", err))
		oauth.WriteError(w, oauth.TemporarilyUnavailable(""))
		return
	}
	resp := userinfoResponse{Sub: u.ID}
	if slices.Contains(scope, ScopeProfile) {
		resp.PreferredUsername = u.Username
	}
	if slices.Contains(scope, ScopeEmail) {
		email, err := s.browser.accounts.Email(u)
		if err != nil {
			s.log.LogAttrs(ctx, slog.LevelError, "userinfo failed",
				slog.String("request_id", web.RequestID(ctx)), slog.Any("error", err))
			oauth.WriteError(w, oauth.ServerError(""))
			return
		}
		if email != "" {
			verified := false
			resp.Email, resp.EmailVerified = email, &verified
		}
	}
	body, err := json.Marshal(resp)
	if err != nil {
		oauth.WriteError(w, oauth.ServerError(""))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// bearerToken returns the token of exactly one "Bearer" Authorization
// header (scheme case-insensitive, RFC 6750 §2.1).
func bearerToken(values []string) (string, bool) {
	if len(values) != 1 {
		return "", false
	}
	scheme, tok, ok := strings.Cut(values[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != "" && !strings.ContainsAny(tok, " \t")
}

// bearerError answers an RFC 6750 §3 error: WWW-Authenticate with the
// error code (none for a request without a token, §3.1), a JSON body and
// no-store. The cause is logged.
func (s *Server) bearerError(w http.ResponseWriter, r *http.Request, status int, code string, cause error) {
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "userinfo refused",
		slog.String("request_id", web.RequestID(r.Context())), slog.String("error", cause.Error()))
	challenge := `Bearer realm="` + oauth.BasicRealm + `"`
	if code != "" {
		challenge += `, error="` + code + `"`
	}
	h := w.Header()
	h.Set("WWW-Authenticate", challenge)
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	if code == "" {
		code = "invalid_token"
	}
	body, _ := json.Marshal(map[string]string{"error": code})
	_, _ = w.Write(body)
}
