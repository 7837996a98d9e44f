package users

import (
	"bytes"
	"errors"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/rempart/rempart/internal/store"
)

// enroll enrolls u and returns the TOTP secret from the URI.
func enroll(t *testing.T, td *testDirectory, u User) string {
	t.Helper()
	uri, err := td.EnrollTOTP(t.Context(), u.ID)
	if err != nil {
		t.Fatalf("EnrollTOTP() = %v", err)
	}
	k, err := otp.NewKeyFromURL(uri)
	if err != nil {
		t.Fatalf("otpauth URI %q: %v", uri, err)
	}
	return k.Secret()
}

// code returns the TOTP code of secret at when.
func code(t *testing.T, secret string, when time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, when, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEnrollTOTP(t *testing.T) {
	td := newTestDirectory(t)
	u := td.mustCreate(t, "Alice@Corp", "alice-password", "")
	td.clock.Set(t0.Add(time.Minute))
	uri, err := td.EnrollTOTP(t.Context(), u.ID)
	if err != nil {
		t.Fatalf("EnrollTOTP() = %v", err)
	}
	pu, err := url.Parse(uri)
	if err != nil || pu.Scheme != "otpauth" || pu.Host != "totp" {
		t.Fatalf("URI %q: want otpauth://totp/…", uri)
	}
	k, err := otp.NewKeyFromURL(uri)
	if err != nil {
		t.Fatal(err)
	}
	if k.Issuer() != "Rempart" || k.AccountName() != "alice@corp" || k.Period() != 30 ||
		k.Digits() != otp.DigitsSix || k.Algorithm() != otp.AlgorithmSHA1 {
		t.Errorf("key issuer %q account %q period %d digits %v alg %v; want Rempart, alice@corp, 30, 6, SHA1",
			k.Issuer(), k.AccountName(), k.Period(), k.Digits(), k.Algorithm())
	}
	if len(k.Secret()) != 32 { // 160 bits in base32
		t.Errorf("secret of %d base32 characters, want 32 (160 bits)", len(k.Secret()))
	}

	stored := td.st.get(t, u.ID)
	if !stored.MFAEnabled || len(stored.TOTPSealed) == 0 || !stored.UpdatedAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("after enrol: MFAEnabled %v, sealed %d bytes, UpdatedAt %v", stored.MFAEnabled, len(stored.TOTPSealed), stored.UpdatedAt)
	}
	if bytes.Contains(stored.TOTPSealed, []byte(k.Secret())) {
		t.Error("the TOTP secret is stored in clear (R4)")
	}
	if _, err := td.vault.Open(stored.TOTPSealed, []byte("user-totp:"+uuid.NewString())); err == nil {
		t.Error("the sealed secret opens for another user id")
	}

	second := enroll(t, td, u)
	if second == k.Secret() {
		t.Fatal("re-enrolling kept the secret")
	}
	td.clock.Set(t0.Add(time.Hour))
	if err := td.VerifyTOTP(t.Context(), u, code(t, k.Secret(), t0.Add(time.Hour))); !errors.Is(err, ErrInvalidCode) {
		t.Errorf("code of the replaced secret = %v, want ErrInvalidCode", err)
	}
	if err := td.VerifyTOTP(t.Context(), u, code(t, second, t0.Add(time.Hour))); err != nil {
		t.Errorf("code of the new secret = %v, want nil", err)
	}

	if _, err := td.EnrollTOTP(t.Context(), uuid.NewString()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("EnrollTOTP(unknown) = %v, want ErrNotFound", err)
	}
}

func TestVerifyTOTP(t *testing.T) {
	now := t0.Add(17 * time.Second) // inside a step, not at its start
	for _, tc := range []struct {
		name string
		at   time.Duration // when the code was generated, relative to now
		code func(good string) string
		want error // nil: accepted
	}{
		{"ok/current", 0, nil, nil},
		{"ok/previous-step", -30 * time.Second, nil, nil},
		{"ok/next-step", 30 * time.Second, nil, nil},
		{"fail/two-steps-before", -60 * time.Second, nil, ErrInvalidCode},
		{"fail/two-steps-after", 60 * time.Second, nil, ErrInvalidCode},
		{"fail/wrong", 0, func(g string) string { return g[:5] + string('0'+(g[5]-'0'+1)%10) }, ErrInvalidCode},
		{"fail/letters", 0, func(string) string { return "12a456" }, ErrInvalidCode},
		{"fail/five-digits", 0, func(g string) string { return g[:5] }, ErrInvalidCode},
		{"fail/seven-digits", 0, func(g string) string { return g + "0" }, ErrInvalidCode},
		{"fail/space", 0, func(g string) string { return " " + g[:5] }, ErrInvalidCode},
		{"fail/trailing-space", 0, func(g string) string { return g + " " }, ErrInvalidCode},
		{"fail/arabic-digits", 0, func(string) string { return "١٢٣٤٥٦" }, ErrInvalidCode},
		{"fail/empty", 0, func(string) string { return "" }, ErrInvalidCode},
	} {
		t.Run(tc.name, func(t *testing.T) {
			td := newTestDirectory(t)
			u := td.mustCreate(t, "alice", "alice-password", "")
			secret := enroll(t, td, u)
			td.clock.Set(now)
			c := code(t, secret, now.Add(tc.at))
			if tc.code != nil {
				c = tc.code(c)
			}
			err := td.VerifyTOTP(t.Context(), u, c)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("VerifyTOTP() = %v, want %v", err, tc.want)
			}
			wantStep := int64(0)
			if tc.want == nil {
				wantStep = now.Add(tc.at).Unix() / 30
			}
			if got := td.st.get(t, u.ID).TOTPLastStep; got != wantStep {
				t.Errorf("TOTPLastStep = %d, want %d", got, wantStep)
			}
		})
	}
}

func TestVerifyTOTPReplay(t *testing.T) {
	td := newTestDirectory(t)
	u := td.mustCreate(t, "alice", "alice-password", "")
	secret := enroll(t, td, u)
	now := t0.Add(10 * time.Second)
	td.clock.Set(now)
	c := code(t, secret, now)
	if err := td.VerifyTOTP(t.Context(), u, c); err != nil {
		t.Fatalf("first use = %v", err)
	}

	t.Run("fail/same-code-stale-user", func(t *testing.T) {
		// u is the record read before the first use: the store refuses.
		err := td.VerifyTOTP(t.Context(), u, c)
		if !errors.Is(err, ErrInvalidCode) || !errors.Is(err, store.ErrAlreadyUsed) {
			t.Errorf("replay = %v, want ErrInvalidCode wrapping store.ErrAlreadyUsed", err)
		}
	})
	t.Run("fail/same-code-later-in-window", func(t *testing.T) {
		td.clock.Set(now.Add(25 * time.Second)) // next step: the code is still inside the ±1 window
		defer td.clock.Set(now)
		if err := td.VerifyTOTP(t.Context(), u, c); !errors.Is(err, store.ErrAlreadyUsed) {
			t.Errorf("replay in the next step = %v, want ErrAlreadyUsed", err)
		}
	})
	t.Run("fail/older-step", func(t *testing.T) {
		if err := td.VerifyTOTP(t.Context(), u, code(t, secret, now.Add(-30*time.Second))); !errors.Is(err, store.ErrAlreadyUsed) {
			t.Errorf("code of the previous step after the current one = %v, want ErrAlreadyUsed", err)
		}
	})
	t.Run("ok/next-step", func(t *testing.T) {
		if err := td.VerifyTOTP(t.Context(), u, code(t, secret, now.Add(30*time.Second))); err != nil {
			t.Errorf("code of the next step = %v, want nil", err)
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		later := now.Add(5 * time.Minute)
		td.clock.Set(later)
		c := code(t, secret, later)
		const n = 20
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { errs[i] = td.VerifyTOTP(t.Context(), u, c) })
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, store.ErrAlreadyUsed):
				t.Errorf("concurrent use = %v, want nil or ErrAlreadyUsed", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d concurrent uses of one code accepted, want 1", ok)
		}
	})
}

func TestVerifyTOTPState(t *testing.T) {
	td := newTestDirectory(t)
	plain := td.mustCreate(t, "bob", "bob-password", "")
	if err := td.VerifyTOTP(t.Context(), plain, "123456"); !errors.Is(err, ErrMFANotEnrolled) {
		t.Errorf("VerifyTOTP(not enrolled) = %v, want ErrMFANotEnrolled", err)
	}

	u := td.mustCreate(t, "alice", "alice-password", "")
	secret := enroll(t, td, u)
	if err := td.Disable(t.Context(), u.ID); err != nil {
		t.Fatal(err)
	}
	// u is the record from before the disabling: the current one counts.
	if err := td.VerifyTOTP(t.Context(), u, code(t, secret, t0)); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("VerifyTOTP(disabled since) = %v, want ErrInvalidCredentials", err)
	}
	if got := td.st.get(t, u.ID).TOTPLastStep; got != 0 {
		t.Errorf("a refused code recorded step %d", got)
	}

	td.st.err = errors.New("database down")
	defer func() { td.st.err = nil }()
	err := td.VerifyTOTP(t.Context(), plain, "123456")
	if err == nil || errors.Is(err, ErrInvalidCode) || errors.Is(err, ErrMFANotEnrolled) {
		t.Errorf("VerifyTOTP() with the store down = %v, want the store error", err)
	}
}
