package users

import (
	"strings"
	"testing"
)

// FuzzParsePHC: the stored-hash parser never panics, accepts only what it
// can write back byte for byte, and never accepts parameters out of bounds.
func FuzzParsePHC(f *testing.F) {
	for _, s := range []string{
		"$argon2id$v=19$m=65536,t=3,p=4$BwcHBwcHBwcHBwcHBwcHBw$CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk",
		"$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=1048577,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2i$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		"$argon2id$v=19$m=0,t=0,p=0$$",
		"$argon2id$v=19$$$$",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ph, err := parsePHC(s)
		if err != nil {
			return
		}
		if got := ph.String(); got != s {
			t.Errorf("parsePHC(%q).String() = %q, want the input", s, got)
		}
		if err := ph.params.validate(); err != nil {
			t.Errorf("parsePHC(%q) accepted out-of-bounds parameters %+v", s, ph.params)
		}
		if !strings.HasPrefix(s, phcPrefix) {
			t.Errorf("parsePHC(%q) accepted another algorithm or version", s)
		}
	})
}
