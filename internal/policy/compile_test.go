package policy

import (
	"errors"
	"strings"
	"testing"
)

func TestCompile(t *testing.T) {
	for _, tc := range []struct {
		name string
		expr string
	}{
		{"ok/bola", `token.sub == request.path_params.id`},
		{"ok/method-list", `request.method in ["GET","HEAD"]`},
		{"ok/strings-ext-split", `"admin" in token.scope.split(" ")`},
		{"ok/body-has", `has(body.amount) && body.amount < 1000`},
		{"ok/client-ip", `request.client_ip.startsWith("10.")`},
		{"ok/api-key-name", `api_key.name == "partner"`},
		{"ok/query", `request.query.page[0] == "1"`},
		{"ok/macro", `body.items.all(i, i.qty <= 10)`},
		// R20: compiles, but the header never reaches the policy, so it is
		// an evaluation error at runtime (see TestAllow/header).
		{"ok/credential-header-reference", `request.headers.authorization == "Bearer x"`},
		{"ok/max-length", `"` + strings.Repeat("a", MaxExpressionLength-len(`"" == ""`)) + `" == ""`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Compile(tc.expr)
			if err != nil {
				t.Fatalf("Compile(%q) = %v", tc.expr, err)
			}
			if got := p.String(); got != tc.expr {
				t.Errorf("String() = %q, want %q", got, tc.expr)
			}
		})
	}
}

func TestCompileError(t *testing.T) {
	for _, tc := range []struct {
		name       string
		expr       string
		line, col  int
		msgContain string
	}{
		{"fail/empty", ``, 1, 1, "empty"},
		{"fail/too-long", `"` + strings.Repeat("a", MaxExpressionLength) + `" == ""`, 1, 1, "longer than"},
		{"fail/syntax", `token.sub == `, 1, 14, "Syntax error"},
		{"fail/syntax-line-2", "request.method == \"GET\" &&\n  (token.sub ==", 2, 16, "Syntax error"},
		{"fail/unknown-variable", `tokn.sub == "x"`, 1, 1, "undeclared reference to 'tokn'"},
		{"fail/unknown-request-field", `request.methd == "GET"`, 1, 8, "undefined field 'methd'"},
		{"fail/type-mismatch", `request.method == 1`, 1, 16, "no matching overload"},
		{"fail/non-bool-dyn", `token.sub`, 1, 1, "must be a bool"},
		{"fail/non-bool-string", `request.method`, 1, 1, "must be a bool"},
		{"fail/unknown-function", `request.path.frobnicate()`, 1, 24, "undeclared reference"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Compile(tc.expr)
			if err == nil {
				t.Fatalf("Compile(%q) = %v, nil; want error", tc.expr, p)
			}
			var ce *CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("Compile(%q) error %T %v, want *CompileError", tc.expr, err, err)
			}
			if ce.Line != tc.line || ce.Column != tc.col {
				t.Errorf("position = %d:%d, want %d:%d (%v)", ce.Line, ce.Column, tc.line, tc.col, ce)
			}
			if !strings.Contains(ce.Message, tc.msgContain) {
				t.Errorf("message = %q, want it to contain %q", ce.Message, tc.msgContain)
			}
			if want := "line "; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("Error() = %q, want prefix %q", err.Error(), want)
			}
		})
	}
}
