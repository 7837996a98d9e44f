package rp

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"strings"
)

//go:embed templates/page.html
var templateFS embed.FS

// page is the one template of the app; html/template escapes every value
// (claims included: they are the provider's data, not HTML).
var page = template.Must(template.New("page.html").Funcs(template.FuncMap{
	"join":  func(s []string) string { return strings.Join(s, " ") },
	"deref": func(b *bool) bool { return b != nil && *b },
}).ParseFS(templateFS, "templates/page.html"))

// pageData is what the template shows: an error Message, a Session, or
// neither (the login link).
type pageData struct {
	Title   string
	Message string
	Session *session
}

// serveHome shows the signed-in user's claims, or the login link.
func (a *App) serveHome(w http.ResponseWriter, r *http.Request) {
	if s, ok := a.sessions.get(a.cookie(r, sessionCookie), a.now()); ok {
		a.render(w, http.StatusOK, pageData{Title: "Signed in", Session: &s})
		return
	}
	a.render(w, http.StatusOK, pageData{Title: "Welcome"})
}

// fail logs what went wrong (never a token, code or secret: callers pass
// errors that hold none) and shows a generic message.
func (a *App) fail(w http.ResponseWriter, r *http.Request, status int, msg, what string, err error) {
	args := []any{"status", status}
	if err != nil {
		args = append(args, "error", err)
	}
	a.log.WarnContext(r.Context(), "rp: "+what, args...)
	a.render(w, status, pageData{Title: "Sign-in problem", Message: msg})
}

// render executes the template into a buffer first, so that a template
// error never sends half a page.
func (a *App) render(w http.ResponseWriter, status int, d pageData) {
	var buf bytes.Buffer
	if err := page.Execute(&buf, d); err != nil {
		a.log.Error("rp: render", "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}
