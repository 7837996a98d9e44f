package authserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/rempart/rempart/internal/authserver/ui"
	"github.com/rempart/rempart/internal/oauth"
	"github.com/rempart/rempart/internal/store"
	"github.com/rempart/rempart/internal/users"
	"github.com/rempart/rempart/internal/web"
)

// scopeTexts describe the scopes with a meaning of their own; API scopes
// get a generic text, unknown ones are shown verbatim (escaped).
var scopeTexts = map[string]string{
	ScopeOpenID:        "Confirm who you are (sign you in)",
	ScopeProfile:       "See your username",
	ScopeEmail:         "See your e-mail address",
	ScopeOfflineAccess: "Keep access while you are not using it",
}

// describeScopes turns scopes into consent-page lines.
func (s *Server) describeScopes(scopes []string) []ui.Scope {
	out := make([]ui.Scope, 0, len(scopes))
	for _, sc := range scopes {
		d, ok := scopeTexts[sc]
		if !ok {
			var apis []string
			for _, a := range s.apis {
				if slices.Contains(a.Scopes, sc) {
					apis = append(apis, a.Name)
				}
			}
			if len(apis) > 0 {
				d = "Use the " + strings.Join(apis, ", ") + " API with the permission"
			}
		}
		out = append(out, ui.Scope{Name: sc, Description: d})
	}
	return out
}

// consentCovers reports whether the remembered consent of userID for
// clientID includes every scope of want.
func (s *Server) consentCovers(ctx context.Context, userID, clientID string, want []string) (bool, error) {
	c, err := s.browser.consents.GetConsent(ctx, userID, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("get consent: %w", err)
	}
	for _, sc := range want {
		if !slices.Contains(c.Scopes, sc) {
			return false, nil
		}
	}
	return true, nil
}

// writeConsent renders the consent page for ar and user u.
func (s *Server) writeConsent(w http.ResponseWriter, r *http.Request, ar authzRequest, u users.User) {
	s.writePage(w, r, http.StatusOK, ui.Consent{
		Common: s.common(w, r, "Allow access?", true), Action: s.prefix + "/authorize/consent",
		Request: ar.encoded, ClientName: ar.client.Name, Username: u.Username, Scopes: s.describeScopes(ar.scope),
	}, originOf(ar.redirectURI))
}

// serveConsent handles the consent form: "deny" sends access_denied to
// the client (RFC 6749 §4.1.2.1); "allow" remembers the scope (added to
// what the user allowed this client before) and issues the code.
func (s *Server) serveConsent(w http.ResponseWriter, r *http.Request) {
	form, ok := s.readPageForm(w, r)
	if !ok {
		return
	}
	ar, ok := s.requestFromForm(w, r, form)
	if !ok {
		return
	}
	if ar == nil {
		s.writeFrontError(w, r, front("The request is malformed.", "consent without request"))
		return
	}
	ctx := r.Context()
	sess, ok := s.requireSession(w, r, ar, sessionFull, textLoginAgain, http.StatusBadRequest)
	if !ok {
		return
	}
	switch form.Get("decision") {
	case "allow":
	case "deny":
		s.log.LogAttrs(ctx, slog.LevelInfo, "consent denied",
			slog.String("request_id", web.RequestID(ctx)), slog.String("client_id", ar.client.ID),
			slog.String("subject", sess.UserID))
		s.redirectError(w, r, *ar, oauth.AccessDenied("the user denied the request"))
		return
	default:
		s.writeMessage(w, r, http.StatusBadRequest, "Invalid request", "The form could not be read.", true)
		return
	}
	if err := s.rememberConsent(ctx, sess.UserID, ar.client.ID, ar.scope); err != nil {
		s.redirectError(w, r, *ar, oauth.TemporarilyUnavailable("").WithErr(err))
		return
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "consent given",
		slog.String("request_id", web.RequestID(ctx)), slog.String("client_id", ar.client.ID),
		slog.String("subject", sess.UserID), slog.String("scope", oauth.FormatScope(ar.scope)))
	s.continueAuthorize(w, r, *ar, &sess, flowState{interacted: true, consented: true})
}

// rememberConsent adds scope to the consent of userID for clientID.
func (s *Server) rememberConsent(ctx context.Context, userID, clientID string, scope []string) error {
	now := s.now()
	c, err := s.browser.consents.GetConsent(ctx, userID, clientID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		c = Consent{UserID: userID, ClientID: clientID, CreatedAt: now}
	case err != nil:
		return fmt.Errorf("get consent: %w", err)
	}
	for _, sc := range scope {
		c.Scopes = appendUnique(c.Scopes, sc)
	}
	c.UpdatedAt = now
	if err := s.browser.consents.PutConsent(ctx, c); err != nil {
		return fmt.Errorf("put consent: %w", err)
	}
	return nil
}

// serveAccountConsents lists the logged-in user's consents with a revoke
// button each; without a session it shows the login page.
func (s *Server) serveAccountConsents(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sess, ok := s.requireSession(w, r, nil, sessionFull, "", http.StatusOK)
	if !ok {
		return
	}
	u, err := s.browser.accounts.Get(ctx, sess.UserID)
	if err != nil || u.Disabled {
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			s.writeUnavailable(w, r, err)
			return
		}
		s.dropSession(ctx, r)
		setSessionCookie(w, "", 0)
		s.writeLogin(w, r, nil, "", "", http.StatusOK)
		return
	}
	cs, err := s.browser.consents.ListConsents(ctx, u.ID)
	if err != nil {
		s.writeUnavailable(w, r, fmt.Errorf("list consents: %w", err))
		return
	}
	p := ui.Consents{Common: s.common(w, r, "Applications with access", true), Username: u.Username,
		RevokeAction: s.prefix + "/account/consents/revoke"}
	if r.URL.Query().Get("revoked") == "1" {
		p.Notice = "Access was revoked."
	}
	for _, c := range cs {
		name := c.ClientID
		if cl, err := s.clients.GetClient(ctx, c.ClientID); err == nil {
			name = cl.Name
		}
		p.Items = append(p.Items, ui.ConsentItem{ClientID: c.ClientID, ClientName: name,
			Scopes: s.describeScopes(c.Scopes), Since: c.CreatedAt.UTC().Format("2 January 2006")})
	}
	s.writePage(w, r, http.StatusOK, p)
}

// serveRevokeConsent forgets the user's consent for one client: the next
// authorization by that client asks again.
func (s *Server) serveRevokeConsent(w http.ResponseWriter, r *http.Request) {
	form, ok := s.readPageForm(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	sess, ok := s.requireSession(w, r, nil, sessionFull, textLoginAgain, http.StatusBadRequest)
	if !ok {
		return
	}
	clientID := form.Get("client_id")
	err := s.browser.consents.DeleteConsent(ctx, sess.UserID, truncate(clientID, maxClientIDLen))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.writeUnavailable(w, r, fmt.Errorf("delete consent: %w", err))
		return
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "consent revoked",
		slog.String("request_id", web.RequestID(ctx)), slog.String("client_id", truncate(clientID, maxClientIDLen)),
		slog.String("subject", sess.UserID))
	s.redirect(w, s.prefix+"/account/consents?revoked=1")
}
