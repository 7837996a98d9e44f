package validate

import (
	"bytes"
	"net/http"
	"testing"
)

// BenchmarkCheckRequest measures a valid POST /api/orders (routing,
// negotiation, JSON limits and parse, header and body schema validation).
func BenchmarkCheckRequest(b *testing.B) {
	body := []byte(`{"item":"pen","quantity":2,"tags":["a","b"],"shipping":{"city":"Lyon"}}`)
	for _, sp := range specs {
		b.Run("openapi-"+sp.name, func(b *testing.B) {
			v := mustNew(b, Options{OpenAPIFile: sp.file})
			r := newRequest("POST", "/api/orders", string(body), jsonCT("X-Trace", trace, "Accept", "application/json")...)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.CheckRequest(r, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("content-types-only", func(b *testing.B) {
		v := mustNew(b, Options{ContentTypes: []string{"application/json"}})
		r := newRequest("POST", "/api/orders", string(body), jsonCT("Accept", "application/json")...)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.CheckRequest(r, body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCheckResponse measures strip mode on a response with an extra field.
func BenchmarkCheckResponse(b *testing.B) {
	body := []byte(`{"id":"` + orderID + `","item":"pen","quantity":2,"internal":"x"}`)
	h := http.Header{"Content-Type": {"application/json"}}
	for _, sp := range specs {
		b.Run("strip-"+sp.name, func(b *testing.B) {
			v := mustNew(b, Options{OpenAPIFile: sp.file, Response: ResponseStrip})
			r := newRequest("GET", "/api/orders/"+orderID, "")
			b.ReportAllocs()
			for b.Loop() {
				out, err := v.CheckResponse(r, 200, h, body)
				if err != nil || bytes.Contains(out, []byte("internal")) {
					b.Fatal(err, string(out))
				}
			}
		})
	}
}
