package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"testing"
)

func TestCheckResponse(t *testing.T) {
	const (
		valid     = `{"id":"` + orderID + `","item":"pen","quantity":2}`
		extra     = `{"id":"` + orderID + `","item":"pen","quantity":2,"internal_cost":1.25}`
		wrongType = `{"id":"` + orderID + `","item":"pen","quantity":"2"}`
		nested    = `{"id":"` + orderID + `","item":"pen","quantity":2,"password_hash":"x",` +
			`"shipping":{"city":"Lyon","gps":[1,2]},"labels":{"color":"red"}}`
		nestedStripped = `{"id":"` + orderID + `","item":"pen","quantity":2,` +
			`"shipping":{"city":"Lyon"},"labels":{"color":"red"}}`
		list         = `{"items":[{"id":"` + orderID + `","item":"pen","quantity":2,"owner":"bob"}],"next":"abc"}`
		listStripped = `{"items":[{"id":"` + orderID + `","item":"pen","quantity":2}]}`
		bigNumber    = `{"id":"` + orderID + `","item":"<pen>","quantity":12345678901234567890,"x":1}`
		bigStripped  = `{"id":"` + orderID + `","item":"<pen>","quantity":12345678901234567890}`
	)
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	for _, sp := range specs {
		modes := map[string]*Validator{}
		for _, m := range []string{ResponseOff, ResponseBlock, ResponseStrip} {
			modes[m] = mustNew(t, Options{OpenAPIFile: sp.file, Response: m})
		}
		for _, tc := range []struct {
			name   string
			mode   string
			target string
			status int
			header http.Header
			body   string
			want   string // expected body; "" with fail
			fail   bool
		}{
			{name: "off/extra-field-passes", mode: ResponseOff, target: "/api/orders/" + orderID, status: 200, body: extra, want: extra},
			{name: "off/wrong-type-passes", mode: ResponseOff, target: "/api/orders/" + orderID, status: 200, body: wrongType, want: wrongType},
			{name: "block/valid", mode: ResponseBlock, target: "/api/orders/" + orderID, status: 200, body: valid, want: valid},
			{name: "block/extra-field", mode: ResponseBlock, target: "/api/orders/" + orderID, status: 200, body: extra, fail: true},
			{name: "block/wrong-type", mode: ResponseBlock, target: "/api/orders/" + orderID, status: 200, body: wrongType, fail: true},
			{name: "block/undeclared-media-type", mode: ResponseBlock, target: "/api/orders/" + orderID, status: 200, header: http.Header{"Content-Type": {"text/html"}}, body: "<p>", fail: true},
			{name: "block/malformed-json", mode: ResponseBlock, target: "/api/orders/" + orderID, status: 200, body: `{"id":`, fail: true},
			{name: "block/undeclared-status-passes", mode: ResponseBlock, target: "/api/orders/" + orderID, status: 500, body: extra, want: extra},
			{name: "block/gzip", mode: ResponseBlock, target: "/api/orders/" + orderID, status: 200, header: http.Header{"Content-Type": {"application/json"}, "Content-Encoding": {"gzip"}}, body: valid, fail: true},
			{name: "strip/valid-unchanged", mode: ResponseStrip, target: "/api/orders/" + orderID, status: 200, body: valid, want: valid},
			{name: "strip/extra-field", mode: ResponseStrip, target: "/api/orders/" + orderID, status: 200, body: extra, want: valid},
			{name: "strip/nested", mode: ResponseStrip, target: "/api/orders/" + orderID, status: 200, body: nested, want: nestedStripped},
			{name: "strip/array-items", mode: ResponseStrip, target: "/api/orders", status: 200, body: list, want: listStripped},
			{name: "strip/keeps-numbers-and-html", mode: ResponseStrip, target: "/api/orders/" + orderID, status: 200, body: bigNumber, want: bigStripped},
			{name: "strip/wrong-type-still-blocked", mode: ResponseStrip, target: "/api/orders/" + orderID, status: 200, body: wrongType, fail: true},
			{name: "strip/created", mode: ResponseStrip, target: "/api/orders", status: 201, body: extra, want: valid},
		} {
			t.Run(sp.name+"/"+tc.name, func(t *testing.T) {
				method := "GET"
				if tc.status == 201 {
					method = "POST"
				}
				h := tc.header
				if h == nil {
					h = jsonHeader
				}
				r := newRequest(method, tc.target, "")
				got, err := modes[tc.mode].CheckResponse(r, tc.status, h, []byte(tc.body))
				if tc.fail {
					var e *Error
					if !errors.As(err, &e) || e.Status != http.StatusBadGateway {
						t.Fatalf("CheckResponse = %q, %v; want a 502 *Error", got, err)
					}
					if e.Title != TitleBadResponse || e.Location != "" || !errors.Is(err, ErrSchema) {
						t.Errorf("error = %+v, want the generic 502 with no location", e)
					}
					return
				}
				if err != nil {
					t.Fatalf("CheckResponse: %v", err)
				}
				if !sameJSON(t, got, []byte(tc.want)) {
					t.Errorf("body = %s, want %s", got, tc.want)
				}
				if tc.name == "strip/keeps-numbers-and-html" && !bytes.Contains(got, []byte(`"<pen>","quantity":12345678901234567890`)) {
					t.Errorf("re-encoded body = %s, want numbers and characters kept as sent", got)
				}
				if tc.want == tc.body && !bytes.Equal(got, []byte(tc.body)) {
					t.Errorf("unchanged body rewritten: %s", got)
				}
			})
		}
	}
}

func TestCheckResponseNoOpenAPI(t *testing.T) {
	v := mustNew(t, Options{ContentTypes: []string{"application/json"}})
	body := []byte(`{"anything":true}`)
	got, err := v.CheckResponse(newRequest("GET", "/x", ""), 200, http.Header{}, body)
	if err != nil || !bytes.Equal(got, body) {
		t.Errorf("CheckResponse = %s, %v; want the body unchanged", got, err)
	}
}

// sameJSON compares two JSON documents by value, numbers by their text.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	decode := func(p []byte) any {
		d := json.NewDecoder(bytes.NewReader(p))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatalf("decode %s: %v", p, err)
		}
		return v
	}
	return reflect.DeepEqual(decode(a), decode(b))
}
