package gateway

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/rempart/rempart/internal/validate"
)

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestContentNegotiation is item 3 (R13) through real HTTP: 415 for a body
// whose Content-Type the API does not consume, 406 for an Accept it cannot
// produce, from content_types (without OpenAPI).
func TestContentNegotiation(t *testing.T) {
	f := newFixture(t)
	_, srv := f.serve(t, Config{APIs: []API{
		{Name: "json", PathPrefix: "/json", Upstream: f.up.url(t, ""), Auth: AuthPublic, ContentTypes: []string{"application/json"}},
		{Name: "free", PathPrefix: "/free", Upstream: f.up.url(t, ""), Auth: AuthPublic},
	}}, f.deps(), false)
	cases := []struct {
		name, method, path string
		header             http.Header
		body               string
		status             int
		detail             string
	}{
		{"ok/json-body", "POST", "/json/x", hdr("Content-Type", "application/json"), `{"a":1}`, 200, ""},
		{"ok/json-charset", "POST", "/json/x", hdr("Content-Type", "application/json; charset=utf-8"), `{"a":1}`, 200, ""},
		{"ok/no-body-no-accept", "GET", "/json/x", nil, "", 200, ""},
		{"ok/accept-json", "GET", "/json/x", hdr("Accept", "application/json"), "", 200, ""},
		{"ok/accept-wildcard", "GET", "/json/x", hdr("Accept", "text/html, */*;q=0.1"), "", 200, ""},
		{"fail/xml-body", "POST", "/json/x", hdr("Content-Type", "application/xml"), `<a/>`, 415, "unsupported content type: header.Content-Type"},
		{"fail/form-body", "POST", "/json/x", hdr("Content-Type", "application/x-www-form-urlencoded"), `a=1`, 415, "unsupported content type: header.Content-Type"},
		{"fail/body-without-type", "POST", "/json/x", nil, `{"a":1}`, 415, "unsupported content type: header.Content-Type"},
		{"fail/accept-xml", "GET", "/json/x", hdr("Accept", "application/xml"), "", 406, "no acceptable representation: header.Accept"},
		{"fail/accept-json-refused", "GET", "/json/x", hdr("Accept", "application/json;q=0"), "", 406, "no acceptable representation: header.Accept"},
		{"fail/json-latin1", "POST", "/json/x", hdr("Content-Type", "application/json; charset=iso-8859-1"), `{"a":1}`, 415, "unsupported content type: header.Content-Type"},
		{"ok/free-api-any-type", "POST", "/free/x", hdr("Content-Type", "application/xml"), `<a/>`, 200, ""},
		{"ok/free-api-any-accept", "GET", "/free/x", hdr("Accept", "image/png"), "", 200, ""},
		{"fail/free-api-json-still-bounded", "POST", "/free/x", hdr("Content-Type", "application/json"), `{"a":1,"a":2}`, 400, "duplicate property: body.a"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, body := send(t, srv, tc.method, tc.path, tc.header, tc.body)
			_, hits := f.up.received()
			if tc.status == 200 {
				if res.StatusCode != 200 || hits != 1 {
					t.Fatalf("status %d, hits %d (body %s)", res.StatusCode, hits, body)
				}
				return
			}
			checkValidationProblem(t, res, body, tc.status, tc.detail)
			if hits != 0 {
				t.Errorf("upstream reached on a refusal")
			}
		})
	}
}

// TestOpenAPIValidation is item 4 (R14) through real HTTP: path, query and
// header parameters and JSON bodies are validated, unexpected fields are
// refused (mass assignment), the problem names the location and never the
// schema, and nothing invalid is forwarded. The JSON threat limits apply.
func TestOpenAPIValidation(t *testing.T) {
	f := newFixture(t)
	cfg := Config{
		JSONLimits: jsonLimits(),
		APIs: []API{{Name: "shop", PathPrefix: "/shop", Upstream: f.up.url(t, ""), Auth: AuthPublic,
			OpenAPI: "testdata/shop.openapi.yaml"}},
	}
	_, srv := f.serve(t, cfg, f.deps(), false)
	ct := hdr("Content-Type", "application/json")
	cases := []struct {
		name, method, path string
		header             http.Header
		body               string
		status             int
		detail             string
	}{
		{"ok/list", "GET", "/shop/orders?limit=10", nil, "", 200, ""},
		{"ok/get", "GET", "/shop/orders/abc-1", nil, "", 200, ""},
		{"ok/create", "POST", "/shop/orders", ct, `{"item":"book","amount":12.5}`, 200, ""},
		{"ok/create-with-header", "POST", "/shop/orders", hdr("Content-Type", "application/json", "X-Trace", "0123abcd"), `{"item":"book","amount":1}`, 200, ""},
		{"ok/undeclared-query-kept", "GET", "/shop/orders?limit=5&sort=asc", nil, "", 200, ""},
		{"fail/query-type", "GET", "/shop/orders?limit=ten", nil, "", 400, "malformed parameter: query.limit"},
		{"fail/query-range", "GET", "/shop/orders?limit=1000", nil, "", 400, "invalid value: query.limit"},
		{"fail/path-pattern", "GET", "/shop/orders/ABC%21", nil, "", 400, "invalid value: path.id"},
		{"fail/header-pattern", "POST", "/shop/orders", hdr("Content-Type", "application/json", "X-Trace", "nothex!!"), `{"item":"b","amount":1}`, 400, "invalid value: header.X-Trace"},
		{"fail/mass-assignment", "POST", "/shop/orders", ct, `{"item":"book","amount":1,"owner":"admin"}`, 400, "unexpected property: body.owner"},
		{"fail/missing-member", "POST", "/shop/orders", ct, `{"item":"book"}`, 400, "missing required property: body.amount"},
		{"fail/wrong-type", "POST", "/shop/orders", ct, `{"item":"book","amount":"12"}`, 400, "wrong type: body.amount"},
		{"fail/too-long", "POST", "/shop/orders", ct, `{"item":"` + strings.Repeat("x", 65) + `","amount":1}`, 400, "invalid value: body.item"},
		{"fail/missing-body", "POST", "/shop/orders", ct, "", 400, "missing request body: body"},
		{"fail/not-json", "POST", "/shop/orders", ct, `{"item":`, 400, "malformed JSON: body.item"},
		{"fail/media-type", "POST", "/shop/orders", hdr("Content-Type", "text/plain"), `x`, 415, "unsupported content type: header.Content-Type"},
		{"fail/accept", "GET", "/shop/orders", hdr("Accept", "text/html"), "", 406, "no acceptable representation: header.Accept"},
		{"fail/undeclared-path", "GET", "/shop/admin", nil, "", 404, "no such resource"},
		{"fail/undeclared-method", "DELETE", "/shop/orders/abc", nil, "", 405, "method not allowed"},
		{"fail/json-too-deep", "POST", "/shop/orders", ct, strings.Repeat("[", 9) + strings.Repeat("]", 9), 400, "JSON nesting too deep: body" + strings.Repeat("[0]", 8)},
		{"fail/json-long-array", "POST", "/shop/orders", ct, `{"note":[` + strings.TrimSuffix(strings.Repeat("1,", 11), ",") + `]}`, 400, "JSON array too long: body.note"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, body := send(t, srv, tc.method, tc.path, tc.header, tc.body)
			_, hits := f.up.received()
			if tc.status == 200 {
				if res.StatusCode != 200 || hits != 1 {
					t.Fatalf("status %d, hits %d (body %s)", res.StatusCode, hits, body)
				}
				return
			}
			checkValidationProblem(t, res, body, tc.status, tc.detail)
			if hits != 0 {
				t.Errorf("upstream reached on a refusal")
			}
			for _, internal := range []string{"pattern", "maxLength", "additionalProperties", "minimum", "schema", "^[", "kin"} {
				if strings.Contains(string(body), internal) {
					t.Errorf("problem reveals schema internals (%q): %s", internal, body)
				}
			}
			if tc.status == 405 && res.Header.Get("Allow") == "" {
				t.Errorf("405 without Allow")
			}
		})
	}
}

// jsonLimits are small JSON threat limits for tests.
func jsonLimits() validate.JSONLimits {
	return validate.JSONLimits{MaxDepth: 8, MaxArrayLength: 10}
}

// TestResponseValidation checks response_validation: block turns a
// response that does not match its schema into a generic 502; strip removes
// undeclared properties first (excessive data exposure).
func TestResponseValidation(t *testing.T) {
	f := newFixture(t)
	up := newScripted(t)
	for _, tc := range []struct {
		name, mode, answer string
		status             int
		want               map[string]any // decoded body the client gets
	}{
		{"ok/block-valid", "block", `{"id":"1","owner":"u1","amount":3}`, 200, map[string]any{"id": "1", "owner": "u1", "amount": 3.0}},
		{"fail/block-extra-field", "block", `{"id":"1","owner":"u1","password_hash":"x"}`, 502, nil},
		{"fail/block-missing-field", "block", `{"id":"1"}`, 502, nil},
		{"fail/block-not-json", "block", `<html>`, 502, nil},
		{"ok/strip-extra-field", "strip", `{"id":"1","owner":"u1","password_hash":"x","internal":{"a":1}}`, 200, map[string]any{"id": "1", "owner": "u1"}},
		{"fail/strip-still-checks-types", "strip", `{"id":1,"owner":"u1"}`, 502, nil},
		{"ok/off-passes-anything", "off", `{"id":"1","password_hash":"x"}`, 200, map[string]any{"id": "1", "password_hash": "x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := API{Name: "shop", PathPrefix: "/shop", Upstream: mustURL(t, up.srv.URL), Auth: AuthPublic,
				OpenAPI: "testdata/shop.openapi.yaml", ResponseValidation: tc.mode}
			_, srv := f.serve(t, Config{APIs: []API{api}}, f.deps(), false)
			up.answer(200, nil, tc.answer)
			res, body := send(t, srv, "GET", "/shop/orders/abc", nil, "")
			if tc.status != 200 {
				checkProblem(t, res, body, tc.status)
				if strings.Contains(string(body), "password_hash") || strings.Contains(string(body), "owner") {
					t.Errorf("refusal reveals the upstream's answer: %s", body)
				}
				return
			}
			if res.StatusCode != 200 {
				t.Fatalf("status %d (body %s)", res.StatusCode, body)
			}
			var got map[string]any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("body = %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("body[%q] = %v, want %v", k, got[k], v)
				}
			}
			if cl := res.Header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(body)) {
				t.Errorf("Content-Length %s for a %d-byte body", cl, len(body))
			}
		})
	}
}
