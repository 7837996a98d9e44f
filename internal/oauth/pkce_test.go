package oauth

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// RFC 7636 Appendix B.
const (
	rfcVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	rfcChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

func TestPKCEAppendixB(t *testing.T) {
	if got := S256Challenge(rfcVerifier); got != rfcChallenge {
		t.Fatalf("S256Challenge(%q) = %q, want %q", rfcVerifier, got, rfcChallenge)
	}
	if err := ValidateVerifier(rfcVerifier); err != nil {
		t.Errorf("ValidateVerifier(appendix B) = %v", err)
	}
	if err := ValidateChallenge(rfcChallenge, "S256"); err != nil {
		t.Errorf("ValidateChallenge(appendix B) = %v", err)
	}
	if !VerifyPKCE(rfcVerifier, rfcChallenge) {
		t.Error("VerifyPKCE(appendix B) = false")
	}
}

func TestValidateVerifier(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    string
		ok   bool
	}{
		{"ok/min-43", strings.Repeat("a", 43), true},
		{"ok/max-128", strings.Repeat("Z", 128), true},
		{"ok/all-unreserved", "ABCXYZabcxyz0189-._~" + strings.Repeat("q", 23), true},
		{"ok/appendix-b", rfcVerifier, true},
		{"fail/empty", "", false},
		{"fail/42", strings.Repeat("a", 42), false},
		{"fail/129", strings.Repeat("a", 129), false},
		{"fail/plus", strings.Repeat("a", 42) + "+", false},
		{"fail/slash", strings.Repeat("a", 42) + "/", false},
		{"fail/padding", strings.Repeat("a", 42) + "=", false},
		{"fail/space", strings.Repeat("a", 21) + " " + strings.Repeat("a", 21), false},
		{"fail/percent", strings.Repeat("a", 40) + "%7E", false},
		{"fail/nul", strings.Repeat("a", 42) + "\x00", false},
		{"fail/non-ascii", strings.Repeat("a", 41) + "é", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateVerifier(tc.v)
			if (err == nil) != tc.ok {
				t.Fatalf("ValidateVerifier(%q) = %v, want ok=%v", tc.v, err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidGrant) {
				t.Errorf("error %v is not invalid_grant", err)
			}
		})
	}
}

func TestValidateChallenge(t *testing.T) {
	nonCanonical := rfcChallenge[:42] + "N" // "M" with a spare low bit set
	for _, tc := range []struct {
		name      string
		challenge string
		method    string
		ok        bool
	}{
		{"ok/s256", rfcChallenge, "S256", true},
		{"fail/plain", rfcChallenge, "plain", false},
		{"fail/plain-with-verifier-as-challenge", rfcVerifier, "plain", false},
		{"fail/method-missing", rfcChallenge, "", false},
		{"fail/method-lowercase", rfcChallenge, "s256", false},
		{"fail/method-other", rfcChallenge, "S512", false},
		{"fail/method-space", rfcChallenge, "S256 ", false},
		{"fail/challenge-missing", "", "S256", false},
		{"fail/challenge-42", rfcChallenge[:42], "S256", false},
		{"fail/challenge-44", rfcChallenge + "A", "S256", false},
		{"fail/challenge-padded", rfcChallenge + "=", "S256", false},
		{"fail/challenge-std-alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(rfcChallenge), "S256", false},
		{"fail/challenge-non-canonical", nonCanonical, "S256", false},
		{"fail/challenge-tilde", rfcChallenge[:42] + "~", "S256", false},
		{"fail/challenge-newline", rfcChallenge[:21] + "\n" + rfcChallenge[22:], "S256", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateChallenge(tc.challenge, tc.method)
			if (err == nil) != tc.ok {
				t.Fatalf("ValidateChallenge(%q, %q) = %v, want ok=%v", tc.challenge, tc.method, err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidRequest) {
				t.Errorf("error %v is not invalid_request", err)
			}
		})
	}
}

func TestVerifyPKCE(t *testing.T) {
	other := strings.Repeat("b", 43)
	for _, tc := range []struct {
		name      string
		verifier  string
		challenge string
		want      bool
	}{
		{"ok/appendix-b", rfcVerifier, rfcChallenge, true},
		{"ok/other", other, S256Challenge(other), true},
		{"fail/wrong-verifier", other, rfcChallenge, false},
		{"fail/plain-verifier-equals-challenge", rfcVerifier, rfcVerifier, false},
		{"fail/empty-verifier", "", rfcChallenge, false},
		{"fail/empty-both", "", "", false},
		{"fail/challenge-of-short-verifier", "abc", S256Challenge("abc"), false},
		{"fail/challenge-padded", rfcVerifier, rfcChallenge + "=", false},
		{"fail/challenge-truncated", rfcVerifier, rfcChallenge[:42], false},
		{"fail/verifier-trailing-space", rfcVerifier + " ", rfcChallenge, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := VerifyPKCE(tc.verifier, tc.challenge); got != tc.want {
				t.Errorf("VerifyPKCE(%q, %q) = %v, want %v", tc.verifier, tc.challenge, got, tc.want)
			}
		})
	}
}

var verifierRE = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// FuzzVerifyPKCE checks VerifyPKCE against an independent reference:
// x/oauth2's S256ChallengeFromVerifier and the RFC 7636 §4.1 grammar as a
// regular expression. It never panics; it is true exactly when the
// reference says so; ValidateChallenge accepts every challenge VerifyPKCE
// matched.
func FuzzVerifyPKCE(f *testing.F) {
	f.Add(rfcVerifier, rfcChallenge)
	f.Add(rfcVerifier, rfcVerifier)
	f.Add("", "")
	f.Add(strings.Repeat("~", 128), oauth2.S256ChallengeFromVerifier(strings.Repeat("~", 128)))
	f.Add(strings.Repeat("a", 129), oauth2.S256ChallengeFromVerifier(strings.Repeat("a", 129)))
	f.Fuzz(func(t *testing.T, verifier, challenge string) {
		got := VerifyPKCE(verifier, challenge)
		want := verifierRE.MatchString(verifier) && oauth2.S256ChallengeFromVerifier(verifier) == challenge
		if got != want {
			t.Fatalf("VerifyPKCE(%q, %q) = %v, reference %v", verifier, challenge, got, want)
		}
		if (ValidateVerifier(verifier) == nil) != verifierRE.MatchString(verifier) {
			t.Fatalf("ValidateVerifier(%q) disagrees with the grammar", verifier)
		}
		if got && ValidateChallenge(challenge, PKCEMethodS256) != nil {
			t.Fatalf("matched challenge %q refused by ValidateChallenge", challenge)
		}
		// A real verifier's own challenge always matches.
		if verifierRE.MatchString(verifier) && !VerifyPKCE(verifier, S256Challenge(verifier)) {
			t.Fatalf("VerifyPKCE refused the challenge of %q", verifier)
		}
	})
}
