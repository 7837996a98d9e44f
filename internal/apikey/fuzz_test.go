package apikey

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// FuzzFromRequest: any header combination gives at most one key, which is
// one of the offered values trimmed; errors never quote a value.
func FuzzFromRequest(f *testing.F) {
	const key = "rpk_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
	for _, s := range [][3]string{
		{key, "", ""}, {"", "ApiKey " + key, ""}, {"", "apikey\t" + key, ""}, {key, "ApiKey " + key, ""},
		{"", "Bearer x", "ApiKey " + key}, {"", "ApiKey", ""}, {" ", "Basic dXNlcjpwYXNz", ""},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, x, auth1, auth2 string) {
		h := http.Header{}
		if x != "" {
			h.Add(HeaderName, x)
		}
		for _, a := range []string{auth1, auth2} {
			if a != "" {
				h.Add("Authorization", a)
			}
		}
		raw, ok, err := FromRequest(h)
		if err != nil {
			if ok || raw != "" || !errors.Is(err, ErrAmbiguous) {
				t.Fatalf("FromRequest() = %q, %v, %v", raw, ok, err)
			}
			return
		}
		if !ok {
			if raw != "" || x != "" {
				t.Fatalf("FromRequest() = %q, false with X-API-Key %q", raw, x)
			}
			return
		}
		if strings.Trim(raw, " \t") != raw {
			t.Fatalf("FromRequest() = %q: not trimmed", raw)
		}
		if !strings.Contains(x, raw) && !strings.Contains(auth1, raw) && !strings.Contains(auth2, raw) {
			t.Fatalf("FromRequest() = %q: not from any offered value", raw)
		}
	})
}

// FuzzAuthenticateFormat: WellFormed agrees with a naive decoder, a
// malformed key never reaches the hasher or the store, and every refusal
// is ErrInvalidKey.
func FuzzAuthenticateFormat(f *testing.F) {
	valid, _ := newRaw()
	for _, s := range []string{valid, "", "rpk_", valid[:46], valid + "A", "RPK_" + valid[4:], valid[:46] + "x", valid[:20] + "+" + valid[21:]} {
		f.Add(s)
	}
	st, h := &fakeStore{}, &countingHasher{}
	a := NewAuthenticator(st, h, 0, nil, 64)
	f.Fuzz(func(t *testing.T, raw string) {
		if got, want := WellFormed(raw), referenceWellFormed(raw); got != want {
			t.Fatalf("WellFormed(%q) = %v, reference says %v", raw, got, want)
		}
		hashes, lookups := h.count(), st.lookupCount()
		_, err := a.Authenticate(t.Context(), raw, "catalog")
		if !errors.Is(err, ErrInvalidKey) {
			t.Fatalf("Authenticate(%q) = %v, want ErrInvalidKey (empty store)", raw, err)
		}
		if !WellFormed(raw) && (h.count() != hashes || st.lookupCount() != lookups) {
			t.Fatalf("Authenticate(%q): a malformed key was hashed or looked up", raw)
		}
		if err != errMalformed && err != errUnknown { // fixed values: they quote nothing
			t.Fatalf("Authenticate(%q) = %v, want one of the fixed refusals", raw, err)
		}
	})
}
