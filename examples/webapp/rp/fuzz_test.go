package rp

import (
	"crypto/rand"
	"testing"
	"time"
)

// FuzzFlowOpen: no cookie value makes open panic, and only values this
// sealer sealed open.
func FuzzFlowOpen(f *testing.F) {
	s, err := newFlowSealer(rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	good, err := s.seal(flow{State: "s", Nonce: "n", Verifier: "v", Expires: now.Add(flowTTL)})
	if err != nil {
		f.Fatal(err)
	}
	// good with other unused trailing bits: not canonical, refused.
	last := good[len(good)-1]
	alt := good[:len(good)-1] + string(last^1)
	for _, seed := range []string{good, "", "!!!", good[:20], good + "A", "AAAA", alt} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, err := s.open(v, now)
		if err != nil {
			if err != errFlow {
				t.Fatalf("open(%q) = %v, want errFlow", v, err)
			}
			return
		}
		if v != good || got.State != "s" {
			t.Fatalf("open(%q) accepted a value this sealer did not seal: %+v", v, got)
		}
	})
}
