package validate

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `"x"`, `1`, `-0`, `1e400`, `null`, `{"a":[1,2,{"b":null}]}`, `{"a":1,"a":2}`,
		`{"a" 1}`, `[1,]`, `{} {}`, "\"\xff\"", nest(40), object(3), `{"\u00e9":"\ud800"}`,
	} {
		f.Add([]byte(s))
	}
	small := JSONLimits{MaxDepth: 4, MaxStringLength: 8, MaxArrayLength: 4, MaxMembers: 4}
	huge := JSONLimits{MaxDepth: 1 << 20, MaxStringLength: 1 << 30, MaxArrayLength: 1 << 30, MaxMembers: 1 << 30}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, lim := range []JSONLimits{{}, small, huge} {
			got, err := parseJSON(b, lim.withDefaults())
			if err == nil {
				if !json.Valid(b) {
					t.Fatalf("accepted invalid JSON %q", b)
				}
				// Reference: encoding/json decodes the same value.
				var want any
				if err := json.Unmarshal(b, &want); err != nil {
					t.Fatalf("accepted %q that json.Unmarshal refuses: %v", b, err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("parseJSON(%q) = %#v, json.Unmarshal = %#v", b, got, want)
				}
				continue
			}
			var e *Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest || !errors.Is(err, ErrJSON) {
				t.Fatalf("parseJSON(%q) error %v is not a 400 *Error wrapping ErrJSON", b, err)
			}
			if len(e.Location) > maxLocation+len("…") {
				t.Fatalf("location too long: %d bytes", len(e.Location))
			}
			// Without limits that bite, valid JSON is refused only for a
			// duplicate key or a number beyond float64.
			if lim == huge && json.Valid(b) && utf8.Valid(b) &&
				e.Title != TitleDuplicateProperty && !strings.Contains(e.Err.Error(), "number out of range") {
				t.Fatalf("valid JSON %q refused: %v", b, err)
			}
		}
	})
}

var publicTitles = []string{
	TitleNotFound, TitleMethodNotAllowed, TitleUnsupportedMedia, TitleNotAcceptable, TitleMalformedJSON,
	TitleJSONTooDeep, TitleJSONStringTooLong, TitleJSONArrayTooLong, TitleJSONTooManyFields,
	TitleDuplicateProperty, TitleInvalidValue, TitleWrongType, TitleMissingProperty, TitleUnexpectedField,
	TitleMissingParameter, TitleMalformedParam, TitleMissingBody,
}

func FuzzCheckRequest(f *testing.F) {
	f.Add(uint8(0), "/api/orders", "limit=10", "application/json", "application/json", trace, []byte(`{"item":"pen","quantity":2}`))
	f.Add(uint8(1), "/api/orders", "", "application/json", "", trace, []byte(`{"item":"pen","quantity":2}`))
	f.Add(uint8(1), "/api/orders", "", "application/json", "*/*", "", []byte(`{"item":"pen","quantity":2,"x":[{"a":1}]}`))
	f.Add(uint8(2), "/api/orders/"+orderID, "", "application/json; charset=utf-8", "", "", []byte(`{"item":null}`))
	f.Add(uint8(0), "/api/orders/x", "limit=a&limit=b", "text/plain", "text/*;q=0", "zz", []byte(`x`))
	f.Add(uint8(3), "/api/orders/..", "%zz", "", "", "", []byte{})
	methods := []string{"GET", "POST", "PATCH", "DELETE", "PUT", "get"}
	vs := map[string]*Validator{}
	for _, sp := range specs {
		vs[sp.name] = mustNew(f, Options{OpenAPIFile: sp.file})
	}
	f.Fuzz(func(t *testing.T, m uint8, path, query, ct, accept, xtrace string, body []byte) {
		u := &url.URL{Path: path, RawQuery: query}
		if !strings.HasPrefix(path, "/") {
			u.Path = "/" + path
		}
		r := httptest.NewRequest(methods[int(m)%len(methods)], "/", nil)
		r.URL = u
		r.RequestURI = u.RequestURI()
		r.ContentLength = int64(len(body))
		for name, v := range map[string]string{"Content-Type": ct, "Accept": accept, "X-Trace": xtrace} {
			if v != "" {
				r.Header.Set(name, v)
			}
		}
		for name, v := range vs {
			got, err := v.CheckRequest(r, body)
			if err == nil {
				if got == nil {
					t.Fatalf("%s: nil *Request without error", name)
				}
				continue
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%s: error %v is not an *Error", name, err)
			}
			if !slices.Contains(publicTitles, e.Title) {
				t.Fatalf("%s: unexpected title %q (%v)", name, e.Title, err)
			}
			for _, bad := range forbidden {
				if strings.Contains(e.Title, bad) || (strings.Contains(e.Location, bad) && !strings.Contains(string(body), bad)) {
					t.Fatalf("%s: public text %q / %q contains %q", name, e.Title, e.Location, bad)
				}
			}
		}
	})
}
