package hygiene

import (
	"errors"
	"net/http"
	"slices"
	"testing"
)

func TestStripHopByHop(t *testing.T) {
	rows := []struct {
		name string
		in   http.Header
		want []string // remaining names, sorted
	}{
		{"ok/standard-set", http.Header{
			"Connection": {"keep-alive"}, "Keep-Alive": {"timeout=5"}, "Proxy-Connection": {"x"},
			"Te": {"trailers"}, "Trailer": {"X"}, "Transfer-Encoding": {"chunked"}, "Upgrade": {"websocket"},
			"Proxy-Authorization": {"Basic x"}, "Proxy-Authenticate": {"Basic"}, "Accept": {"*/*"},
		}, []string{"Accept"}},
		{"ok/connection-named", http.Header{"Connection": {"close, X-Custom"}, "X-Custom": {"1"}, "X-Other": {"2"}}, []string{"X-Other"}},
		{"ok/several-connection-fields", http.Header{"Connection": {"x-a", " X-B ,,"}, "X-A": {"1"}, "X-B": {"2"}, "X-C": {"3"}}, []string{"X-C"}},
		{"ok/authorization-named-is-stripped", http.Header{"Connection": {"Authorization"}, "Authorization": {"Bearer t"}}, nil},
		{"ok/forwarding-fields-kept", http.Header{
			"Connection":      {"X-Forwarded-For, forwarded, X-Real-IP, X-Forwarded-Host, X-Forwarded-Proto"},
			"X-Forwarded-For": {"203.0.113.9"}, "Forwarded": {"for=203.0.113.9"}, "X-Real-Ip": {"203.0.113.9"},
			"X-Forwarded-Host": {"h"}, "X-Forwarded-Proto": {"https"},
		}, []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-Ip"}},
		{"ok/nothing", http.Header{"Accept": {"a"}}, []string{"Accept"}},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			StripHopByHop(tc.in)
			var got []string
			for k := range tc.in {
				got = append(got, k)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("remaining %v, want %v", got, tc.want)
			}
		})
	}
}

func TestStripMethodOverride(t *testing.T) {
	rows := []struct {
		name  string
		in    http.Header
		found bool
		left  int
	}{
		{"ok/none", http.Header{"Accept": {"a"}}, false, 1},
		{"fail/x-http-method-override", http.Header{"X-Http-Method-Override": {"DELETE"}, "Accept": {"a"}}, true, 1},
		{"fail/x-http-method", http.Header{"X-Http-Method": {"PUT"}}, true, 0},
		{"fail/x-method-override", http.Header{"X-Method-Override": {"PATCH"}}, true, 0},
		{"fail/all-three", http.Header{"X-Http-Method-Override": {"a"}, "X-Http-Method": {"b"}, "X-Method-Override": {"c"}}, true, 0},
		{"fail/empty-value", http.Header{"X-Http-Method-Override": {""}}, true, 0},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			if got := StripMethodOverride(tc.in); got != tc.found {
				t.Errorf("found = %v, want %v", got, tc.found)
			}
			if len(tc.in) != tc.left {
				t.Errorf("%d fields left (%v), want %d", len(tc.in), tc.in, tc.left)
			}
		})
	}
}

func TestCheckHeaderLimits(t *testing.T) {
	many := func(names, values int) http.Header {
		h := http.Header{}
		for i := range names {
			for range values {
				h.Add("X-"+string(rune('A'+i%26))+string(rune('A'+i/26)), "v")
			}
		}
		return h
	}
	rows := []struct {
		name string
		h    http.Header
		max  int
		ok   bool
	}{
		{"ok/empty", http.Header{}, 10, true},
		{"ok/at-limit", many(10, 1), 10, true},
		{"fail/over-limit", many(11, 1), 10, false},
		{"fail/values-count", many(2, 6), 10, false},
		{"ok/default-100", many(100, 1), 0, true},
		{"fail/default-101", many(101, 1), -1, false},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckHeaderLimits(tc.h, tc.max)
			if (err == nil) != tc.ok || err != nil && !errors.Is(err, ErrTooManyHeaders) {
				t.Errorf("CheckHeaderLimits = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
