package validate

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const (
	orderID = "3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60"
	trace   = "0123456789abcdef"
)

// specs are the two versions of the orders API the request and response
// tables run against.
var specs = []struct{ name, file string }{
	{"3.0", "testdata/orders.openapi.yaml"},
	{"3.1", "testdata/orders31.openapi.yaml"},
}

func mustNew(t testing.TB, o Options) *Validator {
	t.Helper()
	v, err := New(context.Background(), o)
	if err != nil {
		t.Fatalf("New(%+v): %v", o, err)
	}
	return v
}

// newRequest builds a request; headers alternate name, value.
func newRequest(method, target, body string, headers ...string) *http.Request {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if body == "" {
		r = httptest.NewRequest(method, target, nil)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Add(headers[i], headers[i+1])
	}
	return r
}

// forbidden are schema internals and library words that must never reach a
// caller through Title, Location or Detail (R14, R19).
var forbidden = []string{
	"maxLength", "minLength", "pattern", "^[", "additionalProperties", "schema",
	"Schema", "minimum", "maximum", "exclusive", "regular expression", "doesn't match",
	"enum", "kin-openapi", "openapi3", "Error at", "property \"",
}

func checkPublic(t *testing.T, e *Error, secrets ...string) {
	t.Helper()
	for _, s := range []string{e.Title, e.Location, e.Detail()} {
		for _, f := range forbidden {
			if strings.Contains(s, f) {
				t.Errorf("public text %q contains %q", s, f)
			}
		}
	}
	// Values sent by the caller stay out of everything, the log cause included (R20).
	for _, sec := range secrets {
		if sec == "" {
			continue
		}
		if strings.Contains(e.Error(), sec) || strings.Contains(e.Detail(), sec) {
			t.Errorf("error %q leaks the value %q", e.Error(), sec)
		}
	}
}

type requestCase struct {
	name     string
	method   string
	target   string
	body     string
	headers  []string
	status   int    // 0: accepted
	title    string // for refusals
	location string
	allow    []string
	secret   string // a value that must not appear in the error
	sentinel error
}

func jsonCT(h ...string) []string {
	return append([]string{"Content-Type", "application/json"}, h...)
}

func requestCases() []requestCase {
	bigArray := "[" + strings.Repeat(`"a",`, DefaultMaxArrayLength) + `"a"]`
	var members strings.Builder
	members.WriteString(`{"item":"pen","quantity":1`)
	for i := range DefaultMaxMembers {
		members.WriteString(`,"k` + strconv.Itoa(i) + `":1`)
	}
	members.WriteString("}")
	deep := strings.Repeat("[", DefaultMaxDepth) + strings.Repeat("]", DefaultMaxDepth) // with the object: 33 levels
	long := strings.Repeat("x", DefaultMaxStringLength+1)

	return []requestCase{
		{name: "ok/get-order", method: "GET", target: "/api/orders/" + orderID, headers: []string{"Accept", "application/json"}},
		{name: "ok/list", method: "GET", target: "/api/orders?limit=10", headers: []string{"X-Trace", trace}},
		{name: "ok/create", method: "POST", target: "/api/orders", body: `{"item":"pen","quantity":2,"tags":["a"],"shipping":{"city":"Lyon"}}`, headers: jsonCT("X-Trace", trace)},
		{name: "ok/create-charset", method: "POST", target: "/api/orders", body: `{"item":"pen","quantity":2}`, headers: []string{"Content-Type", "application/json; charset=UTF-8", "X-Trace", trace}},
		{name: "ok/accept-wildcard", method: "GET", target: "/api/orders", headers: []string{"Accept", "text/html, application/*;q=0.5"}},
		{name: "ok/accept-any", method: "GET", target: "/api/orders", headers: []string{"Accept", "*/*"}},
		{name: "ok/patch-extra-field-without-additionalProperties-false", method: "PATCH", target: "/api/orders/" + orderID, body: `{"item":"pen","color":"red"}`, headers: jsonCT()},

		{name: "fail/query-out-of-range", method: "GET", target: "/api/orders?limit=101", status: 400, title: TitleInvalidValue, location: "query.limit", sentinel: ErrSchema},
		{name: "fail/query-not-integer", method: "GET", target: "/api/orders?limit=ten", status: 400, location: "query.limit", secret: "ten", sentinel: ErrSchema},
		{name: "fail/path-not-uuid", method: "GET", target: "/api/orders/not-a-uuid", status: 400, title: TitleInvalidValue, location: "path.id", secret: "not-a-uuid", sentinel: ErrSchema},
		{name: "fail/header-missing", method: "POST", target: "/api/orders", body: `{"item":"pen","quantity":2}`, headers: jsonCT(), status: 400, title: TitleMissingParameter, location: "header.X-Trace"},
		{name: "fail/header-pattern", method: "GET", target: "/api/orders", headers: []string{"X-Trace", "secret-token-value"}, status: 400, title: TitleInvalidValue, location: "header.X-Trace", secret: "secret-token-value"},
		{name: "fail/body-missing-field", method: "POST", target: "/api/orders", body: `{"item":"pen"}`, headers: jsonCT("X-Trace", trace), status: 400, title: TitleMissingProperty, location: "body.quantity"},
		{name: "fail/body-unexpected-field", method: "POST", target: "/api/orders", body: `{"item":"pen","quantity":1,"is_admin":true}`, headers: jsonCT("X-Trace", trace), status: 400, title: TitleUnexpectedField, location: "body.is_admin"},
		{name: "fail/body-nested-unexpected-field", method: "POST", target: "/api/orders", body: `{"item":"pen","quantity":1,"shipping":{"city":"Lyon","zip":"69001"}}`, headers: jsonCT("X-Trace", trace), status: 400, title: TitleUnexpectedField, location: "body.shipping.zip"},
		{name: "fail/body-odd-key", method: "POST", target: "/api/orders", body: `{"item":"pen","quantity":1,"a.b\n":true}`, headers: jsonCT("X-Trace", trace), status: 400, title: TitleUnexpectedField, location: `body["a.b\n"]`},
		{name: "fail/body-wrong-type", method: "POST", target: "/api/orders", body: `{"item":"pen","quantity":"2"}`, headers: jsonCT("X-Trace", trace), status: 400, title: TitleWrongType, location: "body.quantity"},
		{name: "fail/body-below-minimum", method: "POST", target: "/api/orders", body: `{"item":"pen","quantity":0}`, headers: jsonCT("X-Trace", trace), status: 400, title: TitleInvalidValue, location: "body.quantity"},
		{name: "fail/body-too-long", method: "POST", target: "/api/orders", body: `{"item":"` + strings.Repeat("p", 65) + `","quantity":1}`, headers: jsonCT("X-Trace", trace), status: 400, title: TitleInvalidValue, location: "body.item"},
		{name: "fail/body-array-element", method: "POST", target: "/api/orders", body: `{"item":"pen","quantity":1,"tags":["ok","a-tag-far-too-long-for-it"]}`, headers: jsonCT("X-Trace", trace), status: 400, title: TitleInvalidValue, location: "body.tags[1]", secret: "a-tag-far-too-long"},
		{name: "fail/body-absent", method: "POST", target: "/api/orders", headers: jsonCT("X-Trace", trace), status: 400, title: TitleMissingBody, location: "body"},
		{name: "fail/body-not-object", method: "POST", target: "/api/orders", body: `[1]`, headers: jsonCT("X-Trace", trace), status: 400, title: TitleWrongType, location: "body"},

		{name: "fail/415-text", method: "POST", target: "/api/orders", body: `item=pen`, headers: []string{"Content-Type", "text/plain", "X-Trace", trace}, status: 415, title: TitleUnsupportedMedia, location: "header.Content-Type", sentinel: ErrMediaType},
		{name: "fail/415-charset", method: "POST", target: "/api/orders", body: `{}`, headers: []string{"Content-Type", "application/json; charset=iso-8859-1", "X-Trace", trace}, status: 415},
		{name: "fail/415-no-content-type", method: "POST", target: "/api/orders", body: `{}`, headers: []string{"X-Trace", trace}, status: 415},
		{name: "fail/415-wildcard-content-type", method: "POST", target: "/api/orders", body: `{}`, headers: []string{"Content-Type", "application/*", "X-Trace", trace}, status: 415},
		{name: "fail/415-body-where-none-declared", method: "GET", target: "/api/orders", body: `{}`, headers: jsonCT(), status: 415},
		{name: "fail/406-html", method: "GET", target: "/api/orders", headers: []string{"Accept", "text/html"}, status: 406, title: TitleNotAcceptable, location: "header.Accept", sentinel: ErrMediaType},
		{name: "fail/406-q0", method: "GET", target: "/api/orders", headers: []string{"Accept", "application/json;q=0"}, status: 406},
		{name: "fail/406-q0-with-wildcard", method: "GET", target: "/api/orders", headers: []string{"Accept", "application/json;q=0, */*"}, status: 406},
		{name: "fail/404", method: "GET", target: "/api/customers", status: 404, title: TitleNotFound, sentinel: ErrNoRoute},
		{name: "fail/404-outside-prefix", method: "GET", target: "/orders", status: 404},
		{name: "fail/405", method: "DELETE", target: "/api/orders", status: 405, title: TitleMethodNotAllowed, allow: []string{"GET", "POST"}, sentinel: ErrNoRoute},
		{name: "fail/405-empty-template-variable", method: "PATCH", target: "/api/orders", status: 405, allow: []string{"GET", "POST"}},
		{name: "fail/404-trailing-slash", method: "GET", target: "/api/orders/", status: 404},
		{name: "fail/404-trailing-slash-templated", method: "GET", target: "/api/orders/" + orderID + "/", status: 404},
		{name: "fail/404-dot-segment", method: "PATCH", target: "/api/orders/..", body: `{}`, headers: jsonCT(), status: 404},
		{name: "fail/404-dot-segment-inside", method: "GET", target: "/api/orders/../orders", status: 404},
		{name: "fail/405-templated", method: "PUT", target: "/api/orders/" + orderID, status: 405, allow: []string{"GET", "PATCH"}},

		{name: "fail/json-depth", method: "POST", target: "/api/orders", body: `{"item":` + deep + `,"quantity":1}`, headers: jsonCT("X-Trace", trace), status: 400, title: TitleJSONTooDeep, sentinel: ErrJSON},
		{name: "fail/json-long-string", method: "POST", target: "/api/orders", body: `{"item":"` + long + `","quantity":1}`, headers: jsonCT("X-Trace", trace), status: 400, title: TitleJSONStringTooLong, location: "body.item"},
		{name: "fail/json-big-array", method: "POST", target: "/api/orders", body: `{"item":"pen","quantity":1,"tags":` + bigArray + `}`, headers: jsonCT("X-Trace", trace), status: 400, title: TitleJSONArrayTooLong, location: "body.tags"},
		{name: "fail/json-many-members", method: "POST", target: "/api/orders", body: members.String(), headers: jsonCT("X-Trace", trace), status: 400, title: TitleJSONTooManyFields, location: "body"},
		{name: "fail/json-invalid", method: "POST", target: "/api/orders", body: `{"item":"pen",`, headers: jsonCT("X-Trace", trace), status: 400, title: TitleMalformedJSON, sentinel: ErrJSON},
		{name: "fail/json-duplicate-key", method: "POST", target: "/api/orders", body: `{"item":"pen","quantity":1,"quantity":100000}`, headers: jsonCT("X-Trace", trace), status: 400, title: TitleDuplicateProperty, location: "body.quantity"},
		{name: "fail/json-trailing", method: "POST", target: "/api/orders", body: `{"item":"pen","quantity":1} {"x":1}`, headers: jsonCT("X-Trace", trace), status: 400, title: TitleMalformedJSON, location: "body"},
	}
}

func TestCheckRequestOpenAPI(t *testing.T) {
	for _, sp := range specs {
		v := mustNew(t, Options{OpenAPIFile: sp.file})
		if !v.HasOpenAPI() {
			t.Fatalf("%s: HasOpenAPI() = false", sp.name)
		}
		for _, tc := range requestCases() {
			t.Run(sp.name+"/"+tc.name, func(t *testing.T) {
				r := newRequest(tc.method, tc.target, tc.body, tc.headers...)
				got, err := v.CheckRequest(r, []byte(tc.body))
				if tc.status == 0 {
					if err != nil {
						t.Fatalf("CheckRequest: %v", err)
					}
					if got == nil {
						t.Fatal("CheckRequest returned a nil *Request")
					}
					return
				}
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("CheckRequest error = %v, want *Error %d", err, tc.status)
				}
				if e.Status != tc.status {
					t.Errorf("status = %d, want %d (%v)", e.Status, tc.status, e)
				}
				if tc.title != "" && e.Title != tc.title {
					t.Errorf("title = %q, want %q (%v)", e.Title, tc.title, e)
				}
				if tc.location != "" && e.Location != tc.location {
					t.Errorf("location = %q, want %q (%v)", e.Location, tc.location, e)
				}
				if tc.allow != nil && !slices.Equal(e.Allow, tc.allow) {
					t.Errorf("allow = %v, want %v", e.Allow, tc.allow)
				}
				if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
					t.Errorf("error %v does not wrap %v", err, tc.sentinel)
				}
				checkPublic(t, e, tc.secret)
			})
		}
	}
}

func TestCheckRequestResult(t *testing.T) {
	for _, sp := range specs {
		t.Run(sp.name, func(t *testing.T) {
			v := mustNew(t, Options{OpenAPIFile: sp.file})
			r := newRequest("GET", "/api/orders/"+orderID, "")
			got, err := v.CheckRequest(r, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.PathParams["id"] != orderID || got.Body != nil {
				t.Errorf("CheckRequest = %+v, want id %s and no body", got, orderID)
			}
			body := `{"item":"pen","quantity":2,"tags":["a","b"]}`
			r = newRequest("POST", "/api/orders", body, jsonCT("X-Trace", trace)...)
			if got, err = v.CheckRequest(r, []byte(body)); err != nil {
				t.Fatal(err)
			}
			m, ok := got.Body.(map[string]any)
			if !ok || m["item"] != "pen" || m["quantity"] != 2.0 || len(m["tags"].([]any)) != 2 {
				t.Errorf("Body = %#v", got.Body)
			}
		})
	}
}

// TestCheckRequestLeavesRequestAlone: the caller's body, URL and headers are
// not consumed or changed (the gateway forwards them).
func TestCheckRequestLeavesRequestAlone(t *testing.T) {
	v := mustNew(t, Options{OpenAPIFile: specs[0].file})
	body := `{"item":"pen","quantity":2}`
	r := newRequest("POST", "/api/orders?x=1", body, jsonCT("X-Trace", trace)...)
	if _, err := v.CheckRequest(r, []byte(body)); err != nil {
		t.Fatal(err)
	}
	rest := make([]byte, 64)
	n, _ := r.Body.Read(rest)
	if string(rest[:n]) != body {
		t.Errorf("r.Body after CheckRequest = %q, want %q", rest[:n], body)
	}
	if r.URL.RawQuery != "x=1" || len(r.Header) != 2 {
		t.Errorf("request changed: query %q headers %v", r.URL.RawQuery, r.Header)
	}
}

func TestCheckRequestContentTypes(t *testing.T) {
	withTypes := mustNew(t, Options{ContentTypes: []string{"application/json", "application/*+json"}})
	none := mustNew(t, Options{})
	if withTypes.HasOpenAPI() {
		t.Error("HasOpenAPI() = true without a document")
	}
	for _, tc := range []struct {
		name    string
		v       *Validator
		method  string
		body    string
		headers []string
		status  int
	}{
		{name: "ok/json", v: withTypes, method: "POST", body: `{"a":1}`, headers: jsonCT("Accept", "application/json")},
		{name: "ok/suffix", v: withTypes, method: "POST", body: `{"a":1}`, headers: []string{"Content-Type", "application/merge-patch+json"}},
		{name: "ok/no-body-no-type", v: withTypes, method: "GET"},
		{name: "ok/no-accept", v: withTypes, method: "POST", body: `{}`, headers: jsonCT()},
		{name: "ok/none-anything", v: none, method: "POST", body: `<x/>`, headers: []string{"Content-Type", "text/xml", "Accept", "text/html"}},
		{name: "fail/415", v: withTypes, method: "POST", body: `a=1`, headers: []string{"Content-Type", "application/x-www-form-urlencoded"}, status: 415},
		{name: "fail/415-missing", v: withTypes, method: "POST", body: `{}`, status: 415},
		{name: "fail/415-garbage", v: withTypes, method: "POST", body: `{}`, headers: []string{"Content-Type", "json"}, status: 415},
		{name: "fail/406", v: withTypes, method: "GET", headers: []string{"Accept", "text/html"}, status: 406},
		{name: "fail/406-q0", v: withTypes, method: "GET", headers: []string{"Accept", "application/json;q=0, application/*+json;q=0"}, status: 406},
		{name: "fail/json-limits-without-openapi", v: none, method: "POST", body: strings.Repeat("[", 40) + strings.Repeat("]", 40), headers: jsonCT(), status: 400},
		{name: "fail/invalid-json-without-openapi", v: withTypes, method: "POST", body: `{"a":}`, headers: jsonCT(), status: 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRequest(tc.method, "/api/anything", tc.body, tc.headers...)
			got, err := tc.v.CheckRequest(r, []byte(tc.body))
			if tc.status == 0 {
				if err != nil {
					t.Fatalf("CheckRequest: %v", err)
				}
				if got.PathParams != nil {
					t.Errorf("PathParams = %v without OpenAPI", got.PathParams)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Status != tc.status {
				t.Fatalf("CheckRequest error = %v, want status %d", err, tc.status)
			}
			checkPublic(t, e)
		})
	}
	// The parsed body is returned for the policy stage without OpenAPI too.
	r := newRequest("POST", "/x", `{"a":[1,"b"]}`, jsonCT()...)
	got, err := withTypes.CheckRequest(r, []byte(`{"a":[1,"b"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := got.Body.(map[string]any)["a"].([]any); len(a) != 2 || a[0] != 1.0 || a[1] != "b" {
		t.Errorf("Body = %#v", got.Body)
	}
}
