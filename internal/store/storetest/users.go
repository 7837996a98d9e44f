package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/store"
	"github.com/rempart/rempart/internal/users"
)

// runUsers pins users.Store: byte-exact sealed values, ErrConflict on id or
// username, ErrNotFound on every call for an unknown id, list order
// (username), the disabled flag, TOTP enrolment, the only-growing TOTP step
// with exactly one winner under concurrency (RFC 6238 §5.2), and fail
// closed after Close (D2).
func runUsers(t *testing.T, open func(t *testing.T) Backend) {
	t.Run("create-get", func(t *testing.T) {
		b := fresh(t, open)
		want := newUser("alice")
		mustCreateUser(t, b, want)
		mustCreateUser(t, b, newUser("bob"))
		got, err := b.GetUser(t.Context(), want.ID)
		if err != nil {
			t.Fatalf("GetUser() = %v", err)
		}
		if d := diffUser(got, want); d != "" {
			t.Errorf("GetUser(): %s", d)
		}
		got, err = b.GetUserByUsername(t.Context(), "alice")
		if err != nil {
			t.Fatalf("GetUserByUsername() = %v", err)
		}
		if d := diffUser(got, want); d != "" {
			t.Errorf("GetUserByUsername(): %s", d)
		}
		// A user without the optional values reads back with nil and zero.
		bare := users.User{ID: uuid.NewString(), Username: "bare", PasswordHash: "$argon2id$bare", CreatedAt: at(0)}
		mustCreateUser(t, b, bare)
		got, err = b.GetUser(t.Context(), bare.ID)
		if err != nil {
			t.Fatalf("GetUser(bare) = %v", err)
		}
		if got.EmailSealed != nil || got.TOTPSealed != nil {
			t.Errorf("GetUser(bare): EmailSealed %x TOTPSealed %x, want nil", got.EmailSealed, got.TOTPSealed)
		}
		if d := diffUser(got, bare); d != "" {
			t.Errorf("GetUser(bare): %s", d)
		}
	})

	t.Run("conflict-username", func(t *testing.T) {
		b := fresh(t, open)
		first := newUser("alice")
		mustCreateUser(t, b, first)
		sameID := newUser("other")
		sameID.ID = first.ID
		for name, u := range map[string]users.User{"same username": newUser("alice"), "same id": sameID} {
			if err := b.CreateUser(t.Context(), u); !errors.Is(err, store.ErrConflict) {
				t.Errorf("CreateUser(%s) = %v, want ErrConflict", name, err)
			}
		}
		wantUsers(t, b, first)
	})

	t.Run("not-found", func(t *testing.T) {
		b := fresh(t, open)
		u := newUser("present")
		mustCreateUser(t, b, u)
		ctx, id := t.Context(), uuid.NewString()
		for name, call := range map[string]func() error{
			"GetUser":           func() error { _, err := b.GetUser(ctx, id); return err },
			"GetUserByUsername": func() error { _, err := b.GetUserByUsername(ctx, "absent"); return err },
			"GetUserByUsername(other case)": func() error {
				_, err := b.GetUserByUsername(ctx, "Present")
				return err
			},
			"SetUserDisabled": func() error { return b.SetUserDisabled(ctx, id, true, at(time.Hour)) },
			"SetUserTOTP":     func() error { return b.SetUserTOTP(ctx, id, hash(60), at(time.Hour)) },
			"UseTOTPStep":     func() error { return b.UseTOTPStep(ctx, id, 1) },
		} {
			if err := call(); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s(unknown) = %v, want ErrNotFound", name, err)
			}
		}
		wantUsers(t, b, u) // nothing changed by the misses
	})

	t.Run("list", func(t *testing.T) {
		b := fresh(t, open)
		if got, err := b.ListUsers(t.Context()); err != nil || len(got) != 0 {
			t.Fatalf("ListUsers(empty) = %d users, %v; want 0, nil", len(got), err)
		}
		var us []users.User
		for i, n := range []string{"zoe", "alice", "bob.smith", "bob-smith", "bob_smith", "10", "9", "a@b"} {
			u := newUser(n)
			u.CreatedAt = at(time.Duration(i) * time.Minute)
			us = append(us, u)
		}
		us[1].Disabled = true
		for _, u := range us {
			mustCreateUser(t, b, u)
		}
		want := slices.Clone(us)
		slices.SortFunc(want, func(x, y users.User) int { return strings.Compare(x.Username, y.Username) })
		wantUsers(t, b, want...)
	})

	t.Run("disable", func(t *testing.T) {
		b := fresh(t, open)
		u, other := newUser("alice"), newUser("bob")
		mustCreateUser(t, b, u)
		mustCreateUser(t, b, other)
		for i, disabled := range []bool{true, true, false, true} {
			when := at(time.Duration(i+1) * time.Hour)
			if err := b.SetUserDisabled(t.Context(), u.ID, disabled, when); err != nil {
				t.Fatalf("SetUserDisabled(%v) = %v", disabled, err)
			}
			u.Disabled, u.UpdatedAt = disabled, when
			got, err := b.GetUser(t.Context(), u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if d := diffUser(got, u); d != "" {
				t.Errorf("after SetUserDisabled(%v): %s", disabled, d)
			}
		}
		wantUsers(t, b, u, other)
		if err := b.SetUserDisabled(t.Context(), u.ID, false, time.Time{}); err == nil || errors.Is(err, store.ErrNotFound) {
			t.Errorf("SetUserDisabled(zero time) = %v, want a validation error", err)
		}
	})

	t.Run("totp", func(t *testing.T) {
		b := fresh(t, open)
		u, other := newUser("alice"), newUser("bob")
		u.TOTPSealed, u.MFAEnabled, u.TOTPLastStep = nil, false, 0
		mustCreateUser(t, b, u)
		mustCreateUser(t, b, other)
		if err := b.UseTOTPStep(t.Context(), u.ID, 100); err != nil {
			t.Fatal(err)
		}
		u.TOTPLastStep = 100
		for i, sealed := range [][]byte{allBytes(16), nil, hash(61), {}} {
			when := at(time.Duration(i+1) * time.Hour)
			if err := b.SetUserTOTP(t.Context(), u.ID, sealed, when); err != nil {
				t.Fatalf("SetUserTOTP(#%d) = %v", i, err)
			}
			// Bytes kept exactly; MFA on iff a secret; the step kept.
			u.TOTPSealed, u.MFAEnabled, u.UpdatedAt = sealed, len(sealed) > 0, when
			got, err := b.GetUser(t.Context(), u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if d := diffUser(got, u); d != "" {
				t.Errorf("after SetUserTOTP(#%d): %s", i, d)
			}
		}
		wantUsers(t, b, u, other)
	})

	t.Run("use-totp-step", func(t *testing.T) {
		b := fresh(t, open)
		u, other := newUser("alice"), newUser("bob")
		mustCreateUser(t, b, u)
		mustCreateUser(t, b, other)
		ctx := t.Context()
		base := u.TOTPLastStep
		for _, tc := range []struct {
			step int64
			want error
		}{
			{base, store.ErrAlreadyUsed}, // the recorded step
			{base - 1, store.ErrAlreadyUsed},
			{base + 1, nil},
			{base + 1, store.ErrAlreadyUsed}, // replay
			{base + 3, nil},                  // steps may be skipped
			{base + 2, store.ErrAlreadyUsed}, // never backwards
			{0, store.ErrAlreadyUsed},
		} {
			if err := b.UseTOTPStep(ctx, u.ID, tc.step); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Errorf("UseTOTPStep(%d) = %v, want %v", tc.step, err, tc.want)
			}
		}
		u.TOTPLastStep = base + 3
		if err := b.UseTOTPStep(ctx, u.ID, -1); err == nil || errors.Is(err, store.ErrNotFound) {
			t.Errorf("UseTOTPStep(-1) = %v, want a validation error", err)
		}
		wantUsers(t, b, u, other) // nothing else changed, other user untouched

		// Concurrent uses of one step (a code replayed on several nodes at
		// once): exactly one wins.
		const n = 20
		step := base + 10
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { errs[i] = b.UseTOTPStep(ctx, u.ID, step) })
		}
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, store.ErrAlreadyUsed):
				t.Errorf("UseTOTPStep #%d = %v, want nil or ErrAlreadyUsed", i, err)
			}
		}
		if ok != 1 {
			t.Errorf("%d concurrent UseTOTPStep(%d) succeeded, want exactly 1", ok, step)
		}
		if got, err := b.GetUser(ctx, u.ID); err != nil || got.TOTPLastStep != step {
			t.Errorf("TOTPLastStep = %d, %v; want %d", got.TOTPLastStep, err, step)
		}
	})

	t.Run("invalid", func(t *testing.T) {
		b := fresh(t, open)
		for name, mutate := range map[string]func(u *users.User){
			"fail/empty-id":            func(u *users.User) { u.ID = "" },
			"fail/empty-username":      func(u *users.User) { u.Username = "" },
			"fail/empty-password-hash": func(u *users.User) { u.PasswordHash = "" },
			"fail/zero-created-at":     func(u *users.User) { u.CreatedAt = time.Time{} },
			"fail/negative-step":       func(u *users.User) { u.TOTPLastStep = -1 },
			"fail/username-nul":        func(u *users.User) { u.Username = "a\x00b" },
			"fail/hash-invalid-utf8":   func(u *users.User) { u.PasswordHash = "\xff" },
		} {
			t.Run(name, func(t *testing.T) {
				u := newUser("invalid")
				mutate(&u)
				if err := b.CreateUser(t.Context(), u); err == nil || errors.Is(err, store.ErrConflict) {
					t.Fatalf("CreateUser() = %v, want a validation error", err)
				}
			})
		}
		wantUsers(t, b)
	})

	t.Run("closed", func(t *testing.T) {
		b := fresh(t, open)
		u := newUser("closed")
		mustCreateUser(t, b, u)
		if err := b.Close(); err != nil {
			t.Fatalf("Close() = %v", err)
		}
		ctx := t.Context()
		for name, call := range map[string]func() error{
			"CreateUser": func() error { return b.CreateUser(ctx, newUser("after")) },
			"GetUser": func() error {
				got, err := b.GetUser(ctx, u.ID)
				if got.ID != "" {
					return nil
				}
				return err
			},
			"GetUserByUsername": func() error {
				got, err := b.GetUserByUsername(ctx, u.Username)
				if got.ID != "" {
					return nil
				}
				return err
			},
			"ListUsers": func() error {
				got, err := b.ListUsers(ctx)
				if len(got) != 0 {
					return nil
				}
				return err
			},
			"SetUserDisabled": func() error { return b.SetUserDisabled(ctx, u.ID, true, at(time.Hour)) },
			"SetUserTOTP":     func() error { return b.SetUserTOTP(ctx, u.ID, hash(62), at(time.Hour)) },
			"UseTOTPStep":     func() error { return b.UseTOTPStep(ctx, u.ID, u.TOTPLastStep+1) },
		} {
			err := call()
			if err == nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrAlreadyUsed) {
				t.Errorf("%s after Close = %v, want an error other than ErrNotFound or ErrAlreadyUsed (and no data)", name, err)
			}
		}
	})
}

// newUser returns a user with every field set; the sealed values hold NUL
// and non-UTF-8 bytes.
func newUser(username string) users.User {
	return users.User{
		ID:           uuid.NewString(),
		Username:     username,
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		EmailSealed:  append([]byte{1}, hash(63)...),
		TOTPSealed:   append([]byte{1}, allBytes(4)...),
		TOTPLastStep: 65_000_000, // a 2031 step (Unix time / 30)
		MFAEnabled:   true,
		CreatedAt:    at(0),
		UpdatedAt:    at(time.Minute),
	}
}

// mustCreateUser creates u or stops the test.
func mustCreateUser(t *testing.T, b Backend, u users.User) {
	t.Helper()
	if err := b.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser(%q) = %v", u.Username, err)
	}
}

// wantUsers checks that ListUsers returns exactly want, in order.
func wantUsers(t *testing.T, b Backend, want ...users.User) {
	t.Helper()
	got, err := b.ListUsers(t.Context())
	if err != nil {
		t.Fatalf("ListUsers() = %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("ListUsers() = %d users, want %d", len(got), len(want))
	}
	for i := range want {
		if d := diffUser(got[i], want[i]); d != "" {
			t.Errorf("ListUsers()[%d] (%s): %s", i, want[i].Username, d)
		}
	}
}

// diffUser describes how got differs from want, "" when equal: times by
// Equal, empty and nil byte strings alike.
func diffUser(got, want users.User) string {
	var d string
	if !got.CreatedAt.Equal(want.CreatedAt) {
		d += fmt.Sprintf("CreatedAt = %v, want %v; ", got.CreatedAt.UTC(), want.CreatedAt.UTC())
	}
	if !got.UpdatedAt.Equal(want.UpdatedAt) {
		d += fmt.Sprintf("UpdatedAt = %v, want %v; ", got.UpdatedAt.UTC(), want.UpdatedAt.UTC())
	}
	got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	for _, b := range []*[]byte{&got.EmailSealed, &got.TOTPSealed, &want.EmailSealed, &want.TOTPSealed} {
		if len(*b) == 0 {
			*b = nil
		}
	}
	if !reflect.DeepEqual(got, want) {
		d += fmt.Sprintf("got %+v, want %+v", got, want)
	}
	return d
}
