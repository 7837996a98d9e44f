package token

import (
	"strings"
	"testing"
)

// FuzzVerifyAccess: VerifyAccess never panics, every error carries a reason,
// no error quotes the input, and a token is accepted only if its signing
// input (header.payload) is byte-identical to one the test key signed: a
// mutation can at most re-encode the same signature, never change claims.
func FuzzVerifyAccess(f *testing.F) {
	fx := newFixture(f)
	signed := map[string]bool{}
	for _, mutate := range []func(*AccessClaims){
		func(*AccessClaims) {},
		func(c *AccessClaims) { c.Scope = "" },
		func(c *AccessClaims) { c.NotBefore = nil },
	} {
		c := accessClaims()
		mutate(c)
		raw, err := SignAccess(fx.key, c)
		if err != nil {
			f.Fatal(err)
		}
		i := strings.LastIndexByte(raw, '.')
		signed[raw[:i]] = true
		f.Add(raw)
	}
	for _, a := range attackTokens(f, fx) {
		f.Add(a.raw)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := fx.verifier.VerifyAccess(raw)
		if err != nil {
			if c != nil {
				t.Fatalf("claims returned with error %v", err)
			}
			if Reason(err) == "other" {
				t.Fatalf("error without reason: %v", err)
			}
			if len(raw) >= 8 && strings.Contains(err.Error(), raw) {
				t.Fatalf("error quotes the input: %v", err)
			}
			return
		}
		if c == nil {
			t.Fatal("nil claims without error")
		}
		i := strings.LastIndexByte(raw, '.')
		if i < 0 || !signed[raw[:i]] {
			t.Fatalf("accepted a token whose signing input was never signed: %q", raw)
		}
	})
}
