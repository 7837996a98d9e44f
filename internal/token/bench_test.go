package token

import "testing"

// BenchmarkSignAccess measures the token endpoint's signing cost (target
// ≥ 5,000 tokens/s on one core).
func BenchmarkSignAccess(b *testing.B) {
	f := newFixture(b)
	c := accessClaims()
	b.Run("SignAccess", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := SignAccess(f.key, c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Signer", func(b *testing.B) {
		s, err := NewSigner(f.key, TypeAccess)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Sign(c); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkVerifyAccess measures the gateway's local JWT validation cost.
func BenchmarkVerifyAccess(b *testing.B) {
	f := newFixture(b)
	raw, err := SignAccess(f.key, accessClaims())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.verifier.VerifyAccess(raw); err != nil {
			b.Fatal(err)
		}
	}
}
