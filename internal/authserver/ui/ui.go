package ui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/rempart.css
var css []byte

// CSS returns the stylesheet every page links to. The caller serves it
// under a path that includes CSSVersion, so it may be cached for long.
func CSS() []byte { return bytes.Clone(css) }

// CSSVersion returns a short hash of the stylesheet, for cache-busting
// URLs.
func CSSVersion() string {
	sum := sha256.Sum256(css)
	return hex.EncodeToString(sum[:6])
}

// pageNames are the page templates; each is parsed with layout.html.
var pageNames = []string{"login", "mfa", "consent", "consents", "message"}

// pages holds one parsed template set per page. It is built once at
// package initialisation and only read afterwards.
var pages = func() map[string]*template.Template {
	m := make(map[string]*template.Template, len(pageNames))
	for _, n := range pageNames {
		m[n] = template.Must(template.New("layout.html").ParseFS(templateFS, "templates/layout.html", "templates/"+n+".html"))
	}
	return m
}()

// Common are the fields every page has.
type Common struct {
	// Title is the document title (and the page's h1 unless the page says
	// otherwise).
	Title string
	// CSSURL is the stylesheet's URL.
	CSSURL string
	// LogoutAction, when set, shows a sign-out button posting there with
	// CSRF.
	LogoutAction string
	// CSRF is the CSRF token every form of the page carries.
	CSRF string
}

// Login is the username and password page.
type Login struct {
	Common
	Action     string // where the form posts
	Request    string // the authorization request, carried back unchanged
	ClientName string // the application asking, "" when signing in to the account pages
	Username   string // pre-filled after a failed attempt
	Error      string // shown above the form and tied to the fields; "" when none
}

// MFA is the second-factor (TOTP) page.
type MFA struct {
	Common
	Action     string
	Request    string
	ClientName string
	Error      string
}

// Scope is one line of a consent list: the scope value and its human text
// (empty for a scope Rempart does not describe: the value is shown as is).
type Scope struct {
	Name        string
	Description string
}

// Consent asks the user to let an application use scopes.
type Consent struct {
	Common
	Action     string
	Request    string
	ClientName string
	Username   string
	Scopes     []Scope
}

// ConsentItem is one remembered consent on the account page.
type ConsentItem struct {
	ClientID   string
	ClientName string
	Scopes     []Scope
	Since      string // human date
}

// Consents lists the user's remembered consents with revoke buttons.
type Consents struct {
	Common
	Username     string
	RevokeAction string // form action of every revoke button
	Items        []ConsentItem
	Notice       string // e.g. "Access for X was revoked."
}

// Message is a page with a heading and a text: errors, sign-out
// confirmation, jail, second factor required.
type Message struct {
	Common
	Text string
	// Alert marks the text as an error (role="alert", "Error:" prefix).
	Alert bool
	// Action, when set, shows a single form posting there (with CSRF)
	// whose button says Button.
	Action string
	Button string
	// Link, when set, shows a link with LinkText.
	Link     string
	LinkText string
}

// Page is one of the page types above.
type Page interface {
	page() string
}

func (Login) page() string    { return "login" }
func (MFA) page() string      { return "mfa" }
func (Consent) page() string  { return "consent" }
func (Consents) page() string { return "consents" }
func (Message) page() string  { return "message" }

// Render executes p and returns the complete HTML document.
func Render(p Page) ([]byte, error) {
	t, ok := pages[p.page()]
	if !ok {
		return nil, fmt.Errorf("ui: no template %q", p.page())
	}
	var b bytes.Buffer
	if err := t.Execute(&b, p); err != nil {
		return nil, fmt.Errorf("ui: render %s: %w", p.page(), err)
	}
	return b.Bytes(), nil
}
