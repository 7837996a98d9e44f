package policy

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzCompile: Compile never panics, refuses with a positioned
// *CompileError, and what it accepts evaluates without panicking and fails
// closed.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		`token.sub == request.path_params.id`,
		`request.method in ["GET","HEAD"]`,
		`"admin" in token.scope.split(" ")`,
		`has(body.amount) && body.amount < 1000`,
		`request.client_ip.startsWith("10.")`,
		`api_key.name == "partner"`,
		`body.items.all(x, body.items.all(y, x == y))`,
		`request.headers.exists(k, k.matches("^x-"))`,
		"true &&\n  (token.sub ==",
		`tokn.sub == "x"`,
		`token.sub`,
		`""`,
		`[1,2,3].map(x, x * 2).size() == 3`,
		`"a".replace("a", "b", -1) == "b"`,
	} {
		f.Add(s)
	}
	in := Input{
		Token:   map[string]any{"sub": "alice", "scope": "a b", "n": 1.0},
		APIKey:  map[string]any{"id": "k1", "name": "partner"},
		Request: orderRequest("alice"),
		Body:    map[string]any{"amount": 10.0, "items": []any{1.0, "x", map[string]any{"a": true}}},
	}
	f.Fuzz(func(t *testing.T, expr string) {
		p, err := Compile(expr)
		if err != nil {
			var ce *CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("Compile(%q) error %T %v, want *CompileError", expr, err, err)
			}
			if ce.Line < 1 || ce.Column < 1 || ce.Message == "" {
				t.Fatalf("Compile(%q) = %#v: bad position or message", expr, ce)
			}
			return
		}
		if p.String() != expr {
			t.Fatalf("String() = %q, want %q", p.String(), expr)
		}
		if ok, err := p.Allow(t.Context(), in); err != nil && ok {
			t.Fatalf("Allow() = true with error %v", err)
		}
	})
}

// canary is the credential value put in every fuzzed request's credential
// headers; no policy may ever see it.
const canary = "rk_secret_canary"

// fuzzPrograms are evaluated on every fuzzed input. never holds the
// programs that must never allow: they probe the R20 and naming invariants.
var fuzzPrograms = []struct {
	expr  string
	never bool
}{
	{expr: `token.sub == request.path_params.id`},
	{expr: `request.method in ["GET", "HEAD"] || "admin" in token.scope.split(" ")`},
	{expr: `has(body.amount) && body.amount < 1000`},
	{expr: `body.items.all(x, x.qty <= 10)`},
	{expr: `request.headers.exists(k, k.startsWith("x-")) && request.query.exists(k, request.query[k].size() > 1)`},
	{expr: `request.path.startsWith("/orders/") && request.client_ip.startsWith("10.")`},
	{expr: `request.headers.exists(k, k.lowerAscii() in ["authorization", "proxy-authorization", "cookie", "x-api-key", "dpop", "rempart-identity"])`, never: true},
	{expr: `request.headers.exists(k, k != k.lowerAscii())`, never: true},
	{expr: `"access_token" in request.query`, never: true},
	{expr: `request.headers.exists(k, request.headers[k].contains("rk_secret_canary"))`, never: true},
}

// FuzzInput fuzzes the CEL input builder: headers (through NewHeaders),
// query (net/url), path params and a JSON body. Evaluation never panics,
// an error always means deny, results are deterministic and credentials
// never reach a policy.
func FuzzInput(f *testing.F) {
	f.Add("GET", "/orders/alice", "X-Tenant", "acme", "expand=items&expand=x", "id", "alice", "alice", []byte(`{"amount": 10, "items": [{"qty": 1}]}`))
	f.Add("POST", "/orders/bob", "Authorization", "Bearer x", "access_token=t", "id", "bob", "", []byte(`[1,2,3]`))
	f.Add("DELETE", "/", "x-api-key", "k", "%zz", "", "", "root", []byte(`null`))
	f.Add("GET", "/orders/a", "X-Ü", "é", "a=1;b=2", "id", "a", "a", []byte(`{"amount": "1e400"}`))
	f.Add("PUT", "/x", "DPoP", "\xff", "q=%ff", "id\x00", "\xff", "\xfe", []byte(`{"items": [{"qty": 1e308}, {"qty": -0}]}`))

	progs := make([]*Program, len(fuzzPrograms))
	for i, fp := range fuzzPrograms {
		progs[i] = mustCompile(f, fp.expr)
	}
	f.Fuzz(func(t *testing.T, method, path, hName, hValue, rawQuery, pName, pValue, sub string, body []byte) {
		// Real credentials are always present in the raw request: the
		// builder must drop them.
		if strings.Contains(hValue, canary) {
			t.Skip("the fuzzed value carries the canary itself")
		}
		h := http.Header{
			"Authorization": {"Bearer " + canary},
			"X-Api-Key":     {canary},
			"Cookie":        {"sid=" + canary},
		}
		h[hName] = append(h[hName], hValue)
		query, _ := url.ParseQuery(rawQuery) // partial result on error, as the gateway would see
		var parsed any
		if json.Unmarshal(body, &parsed) != nil {
			parsed = nil
		}
		in := Input{
			Request: Request{
				Method:     method,
				Path:       path,
				PathParams: map[string]string{pName: pValue},
				Query:      query,
				Headers:    NewHeaders(h),
				ClientIP:   "10.0.0.1",
			},
			Body: parsed,
		}
		if sub != "" {
			in.Token = map[string]any{"sub": sub, "scope": hValue}
		}
		for name := range in.Request.Headers {
			if name != strings.ToLower(name) {
				t.Fatalf("NewHeaders kept non-lower-case name %q", name)
			}
		}
		for i, p := range progs {
			ok1, err1 := p.Allow(t.Context(), in)
			ok2, err2 := p.Allow(t.Context(), in)
			if err1 != nil && ok1 {
				t.Fatalf("%s: Allow() = true with error %v", p, err1)
			}
			if ok1 != ok2 || (err1 == nil) != (err2 == nil) {
				t.Fatalf("%s: not deterministic: %v, %v then %v, %v", p, ok1, err1, ok2, err2)
			}
			if fuzzPrograms[i].never && ok1 {
				t.Fatalf("%s: allowed on %+v", p, in.Request)
			}
		}
	})
}
