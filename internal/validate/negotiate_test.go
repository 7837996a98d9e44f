package validate

import (
	"net/http"
	"testing"
)

func TestCheckAccept(t *testing.T) {
	jsonOnly := []mediaRange{{"application", "json"}}
	two := []mediaRange{{"application", "json"}, {"text", "csv"}}
	anyText := []mediaRange{{"text", "*"}}
	for _, tc := range []struct {
		name     string
		accept   []string
		produces []mediaRange
		ok       bool
	}{
		{"ok/absent", nil, jsonOnly, true},
		{"ok/empty", []string{""}, jsonOnly, true},
		{"ok/exact", []string{"application/json"}, jsonOnly, true},
		{"ok/case-insensitive", []string{"Application/JSON"}, jsonOnly, true},
		{"ok/params-ignored", []string{"application/json; charset=utf-8"}, jsonOnly, true},
		{"ok/type-wildcard", []string{"application/*"}, jsonOnly, true},
		{"ok/any", []string{"*/*"}, jsonOnly, true},
		{"ok/list", []string{"text/html, application/xml;q=0.9, application/json;q=0.1"}, jsonOnly, true},
		{"ok/several-fields", []string{"text/html", "application/json"}, jsonOnly, true},
		{"ok/second-produced", []string{"text/csv"}, two, true},
		{"ok/q0-on-one-of-two", []string{"application/json;q=0, text/*"}, two, true},
		{"ok/wildcard-product", []string{"text/plain"}, anyText, true},
		{"ok/garbage-ignored", []string{"garbage"}, jsonOnly, true},
		{"fail/other", []string{"text/html"}, jsonOnly, false},
		{"fail/q0", []string{"application/json;q=0"}, jsonOnly, false},
		{"fail/q0-beats-wildcard", []string{"application/json;q=0, */*"}, jsonOnly, false},
		{"fail/q0-type-wildcard", []string{"application/*;q=0, text/html"}, jsonOnly, false},
		{"fail/all-q0", []string{"*/*;q=0"}, two, false},
		{"fail/wildcard-product", []string{"application/json"}, anyText, false},
		{"fail/bad-q-ignored", []string{"application/json;q=2, text/html"}, jsonOnly, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := checkAccept(tc.accept, tc.produces)
			if tc.ok != (e == nil) {
				t.Fatalf("checkAccept(%q) = %v, want ok=%v", tc.accept, e, tc.ok)
			}
			if e != nil && (e.Status != http.StatusNotAcceptable || e.Location != "header.Accept") {
				t.Errorf("checkAccept(%q) = %+v", tc.accept, e)
			}
		})
	}
}

func TestCheckContentType(t *testing.T) {
	consumes := []mediaRange{{"application", "json"}, {"application", "*+json"}, {"text", "*"}}
	for _, tc := range []struct {
		ct string
		ok bool
	}{
		{"application/json", true},
		{"APPLICATION/JSON; charset=UTF-8", true},
		{"application/problem+json", true},
		{"text/plain; charset=latin1", true}, // the charset rule is for JSON only
		{"application/json; charset=utf-16", false},
		{"application/xml", false},
		{"", false},
		{"application/", false},
		{"*/*", false},
		{"text/*", false},
		{"json", false},
	} {
		_, e := checkContentType(tc.ct, consumes)
		if tc.ok != (e == nil) {
			t.Errorf("checkContentType(%q) = %v, want ok=%v", tc.ct, e, tc.ok)
		}
		if e != nil && e.Status != http.StatusUnsupportedMediaType {
			t.Errorf("checkContentType(%q) status = %d", tc.ct, e.Status)
		}
	}
}
