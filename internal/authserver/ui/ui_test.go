package ui

import (
	"regexp"
	"strings"
	"testing"
)

var (
	inputRe   = regexp.MustCompile(`<input ([^>]*)>`)
	idRe      = regexp.MustCompile(`\bid="([^"]+)"`)
	handlerRe = regexp.MustCompile(` on[a-z]+=`)
)

func common() Common {
	return Common{Title: "T", CSSURL: "/assets/x.css", CSRF: "tok", LogoutAction: "/logout"}
}

// TestRender renders every page with hostile values: everything is
// escaped, nothing inline is emitted (the CSP forbids it), every visible
// input has a label, and errors are announced in text.
func TestRender(t *testing.T) {
	evil := `<script>alert(1)</script>"'&`
	scopes := []Scope{{Name: evil}, {Name: "openid", Description: "Confirm who you are"}}
	for _, tc := range []struct {
		name string
		page Page
		want []string
	}{
		{"ok/login", Login{Common: common(), Action: "/authorize/login", Request: "a=1&b=" + evil, ClientName: evil,
			Username: evil, Error: "The username or password is incorrect."},
			[]string{`aria-describedby="login-error"`, `role="alert"`, "Error:</span>", `name="req" value="a=1&amp;b=`}},
		{"ok/mfa", MFA{Common: common(), Action: "/authorize/mfa", Error: "bad"},
			[]string{`autocomplete="one-time-code"`, `aria-describedby="otp-help otp-error"`}},
		{"ok/consent", Consent{Common: common(), Action: "/authorize/consent", ClientName: evil, Scopes: scopes},
			[]string{`<code>&lt;script&gt;`, "Confirm who you are <code>openid</code>", `value="allow"`, `value="deny"`}},
		{"ok/consents", Consents{Common: common(), Username: "u", RevokeAction: "/revoke",
			Items: []ConsentItem{{ClientID: "c1", ClientName: evil, Scopes: scopes, Since: "1 March 2026"}}},
			[]string{`name="client_id" value="c1"`, "Revoke access for &lt;script&gt;"}},
		{"ok/consents-empty", Consents{Common: common(), Username: "u"}, []string{"No application has access"}},
		{"ok/message", Message{Common: common(), Text: evil, Alert: true, Action: "/logout", Button: "Sign out"},
			[]string{`role="alert"`, "&lt;script&gt;"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Render(tc.page)
			if err != nil {
				t.Fatal(err)
			}
			s := string(b)
			if strings.Contains(s, "<script") || strings.Contains(s, "style=") || strings.Contains(s, "<style") || handlerRe.MatchString(s) {
				t.Error("inline script, style or handler in the page")
			}
			if !strings.Contains(s, `<html lang="en">`) || strings.Count(s, "<h1>") != 1 {
				t.Error("want lang=en and exactly one h1")
			}
			for _, w := range tc.want {
				if !strings.Contains(s, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, m := range inputRe.FindAllStringSubmatch(s, -1) {
				attrs := m[1]
				if strings.Contains(attrs, `type="hidden"`) {
					continue
				}
				id := idRe.FindStringSubmatch(attrs)
				if id == nil || !strings.Contains(s, `<label for="`+id[1]+`">`) {
					t.Errorf("input %q has no label", attrs)
				}
			}
			for _, form := range regexp.MustCompile(`(?s)<form .*?</form>`).FindAllString(s, -1) {
				if !strings.Contains(form, `name="csrf" value="tok"`) {
					t.Errorf("form without the CSRF token: %s", form)
				}
			}
		})
	}
}

func TestCSS(t *testing.T) {
	if len(CSS()) == 0 || len(CSSVersion()) != 12 {
		t.Fatalf("CSS %d bytes, version %q", len(CSS()), CSSVersion())
	}
	if strings.Contains(string(CSS()), "url(") {
		t.Error("the stylesheet loads something: the CSP allows nothing but itself")
	}
}
