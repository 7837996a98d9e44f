package users

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/store"
	"github.com/rempart/rempart/internal/vault"
)

func TestCreate(t *testing.T) {
	td := newTestDirectory(t)
	u, err := td.Create(t.Context(), NewUser{Username: "Alice.Smith", Password: "s3cret-passw0rd", Email: " Alice@Example.COM "})
	if err != nil {
		t.Fatalf("Create() = %v", err)
	}
	if id, err := uuid.Parse(u.ID); err != nil || id.Version() != 4 {
		t.Errorf("ID %q: want a UUID v4 (R16)", u.ID)
	}
	stored := td.st.get(t, u.ID)
	if stored.Username != "alice.smith" {
		t.Errorf("stored Username = %q, want lower-cased %q", stored.Username, "alice.smith")
	}
	if !stored.CreatedAt.Equal(t0) || !stored.UpdatedAt.IsZero() {
		t.Errorf("CreatedAt, UpdatedAt = %v, %v; want %v and zero", stored.CreatedAt, stored.UpdatedAt, t0)
	}
	if stored.MFAEnabled || stored.Disabled || stored.TOTPSealed != nil {
		t.Errorf("new user %+v: want MFA off, enabled, no TOTP secret", stored)
	}
	if !phcShape.MatchString(stored.PasswordHash) {
		t.Errorf("PasswordHash %q is not an argon2id PHC string", stored.PasswordHash)
	}
	if ok, err := verifyPassword(argon2id, stored.PasswordHash, "s3cret-passw0rd"); !ok || err != nil {
		t.Errorf("stored hash does not verify the password: %v, %v", ok, err)
	}

	for _, tc := range []struct {
		name string
		nu   NewUser
		want error
	}{
		{"fail/taken", NewUser{Username: "alice.smith", Password: "another-password"}, store.ErrConflict},
		{"fail/taken-other-case", NewUser{Username: "ALICE.SMITH", Password: "another-password"}, store.ErrConflict},
		{"fail/bad-username", NewUser{Username: "alice smith", Password: "another-password"}, ErrInvalidUsername},
		{"fail/short-password", NewUser{Username: "bob", Password: "short"}, ErrInvalidPassword},
		{"fail/password-is-username", NewUser{Username: "Bob.Jones", Password: "bob.jones"}, ErrInvalidPassword},
		{"fail/bad-email", NewUser{Username: "bob", Password: "another-password", Email: "Bob <bob@example.com>"}, ErrInvalidEmail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := td.Create(t.Context(), tc.nu)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Create(%+v) = %v, want %v", tc.nu, err, tc.want)
			}
			if bytes.Contains([]byte(err.Error()), []byte(tc.nu.Password)) {
				t.Errorf("error %q quotes the password", err)
			}
		})
	}
	if us, _ := td.List(t.Context()); len(us) != 1 {
		t.Errorf("List() = %d users, want 1 (refused creates stored nothing)", len(us))
	}

	t.Run("ok/no-email", func(t *testing.T) {
		u := td.mustCreate(t, "carol", "carol-password", "")
		if got := td.st.get(t, u.ID); got.EmailSealed != nil {
			t.Errorf("EmailSealed = %x, want nil without an e-mail", got.EmailSealed)
		}
		if e, err := td.Email(u); e != "" || err != nil {
			t.Errorf("Email() = %q, %v; want \"\", nil", e, err)
		}
	})
}

// TestEmailSealed: the store never sees the e-mail in clear (R4); it opens
// only under the data key and for its own user.
func TestEmailSealed(t *testing.T) {
	td := newTestDirectory(t)
	const email = "alice.smith@example.com"
	u := td.mustCreate(t, "alice", "alice-password", "alice.smith@EXAMPLE.com")
	bob := td.mustCreate(t, "bob", "bob-password", "")
	stored := td.st.get(t, u.ID)
	for _, f := range [][]byte{stored.EmailSealed, []byte(stored.PasswordHash), []byte(stored.Username)} {
		if bytes.Contains(bytes.ToLower(f), []byte("alice.smith")) || bytes.Contains(f, []byte("example.com")) {
			t.Errorf("a stored field holds the e-mail in clear: %q", f)
		}
	}
	if len(stored.EmailSealed) == 0 {
		t.Fatal("no sealed e-mail stored")
	}
	got, err := td.Email(stored)
	if err != nil || got != email {
		t.Fatalf("Email() = %q, %v; want %q (domain lower-cased)", got, err, email)
	}

	moved := bob
	moved.EmailSealed = stored.EmailSealed
	if got, err := td.Email(moved); err == nil || got != "" {
		t.Errorf("Email(sealed value moved to another user) = %q, %v; want an error", got, err)
	}
	other, err := New(Deps{Store: td.st, Sealer: newTestVault(t), Params: testParams})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Email(stored); !errors.Is(err, vault.ErrDecrypt) {
		t.Errorf("Email() under another data key = %v, want vault.ErrDecrypt", err)
	}
}

func TestAuthenticate(t *testing.T) {
	td := newTestDirectory(t)
	alice := td.mustCreate(t, "alice", "alice-password", "")
	dave := td.mustCreate(t, "dave", "dave-password", "")
	if err := td.Disable(t.Context(), dave.ID); err != nil {
		t.Fatal(err)
	}
	corrupt := td.mustCreate(t, "erin", "erin-password", "")
	td.st.update(corrupt.ID, func(u *User) error { u.PasswordHash = "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAA"; return nil })
	td.hc.reset()

	for _, tc := range []struct {
		name, user, pw string
		wantID         string
		hashes         int // argon2id computations
	}{
		{"ok/basic", "alice", "alice-password", alice.ID, 1},
		{"ok/username-any-case", "ALICE", "alice-password", alice.ID, 1},
		{"fail/wrong-password", "alice", "alice-passwore", "", 1},
		{"fail/password-case", "alice", "ALICE-PASSWORD", "", 1},
		{"fail/empty-password", "alice", "", "", 1},
		{"fail/unknown-user", "mallory", "alice-password", "", 1}, // the dummy hash
		{"fail/invalid-username", "mal lory", "alice-password", "", 1},
		{"fail/disabled", "dave", "dave-password", "", 1},
		{"fail/corrupt-hash", "erin", "erin-password", "", 0},
		{"fail/too-long", "alice", string(make([]byte, MaxPasswordLen+1)), "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := td.Authenticate(t.Context(), tc.user, tc.pw)
			n, ps := td.hc.reset()
			if tc.wantID != "" {
				if err != nil || u.ID != tc.wantID {
					t.Fatalf("Authenticate() = %q, %v; want %q", u.ID, err, tc.wantID)
				}
			} else {
				if err != ErrInvalidCredentials {
					t.Fatalf("Authenticate() = %v, want exactly ErrInvalidCredentials", err)
				}
				if u.ID != "" {
					t.Errorf("Authenticate() returned user %q with the error", u.ID)
				}
			}
			if n != tc.hashes {
				t.Errorf("argon2id ran %d times, want %d", n, tc.hashes)
			}
			for _, p := range ps {
				if p.Memory != testParams.Memory || p.Time != testParams.Time {
					t.Errorf("argon2id ran with %+v, want the directory's %+v (same cost for every path)", p, testParams)
				}
			}
		})
	}

	t.Run("fail/store-error", func(t *testing.T) {
		td.st.err = errors.New("database down")
		defer func() { td.st.err = nil }()
		_, err := td.Authenticate(t.Context(), "alice", "alice-password")
		if err == nil || errors.Is(err, ErrInvalidCredentials) {
			t.Errorf("Authenticate() with the store down = %v, want the store error (fail closed, not a refusal)", err)
		}
	})
}

func TestDisable(t *testing.T) {
	td := newTestDirectory(t)
	u := td.mustCreate(t, "alice", "alice-password", "")
	td.clock.Set(t0.Add(time.Hour))
	for range 2 { // idempotent
		if err := td.Disable(t.Context(), u.ID); err != nil {
			t.Fatalf("Disable() = %v", err)
		}
	}
	got := td.st.get(t, u.ID)
	if !got.Disabled || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("after Disable: Disabled %v UpdatedAt %v; want true, %v", got.Disabled, got.UpdatedAt, t0.Add(time.Hour))
	}
	if err := td.Disable(t.Context(), uuid.NewString()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Disable(unknown) = %v, want ErrNotFound", err)
	}
	if _, err := td.Get(t.Context(), uuid.NewString()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get(unknown) = %v, want ErrNotFound", err)
	}
}

func TestNewRequires(t *testing.T) {
	if _, err := New(Deps{Sealer: newTestVault(t)}); err == nil {
		t.Error("New() without a store = nil error")
	}
	if _, err := New(Deps{Store: newFakeStore()}); err == nil {
		t.Error("New() without a sealer = nil error")
	}
	d, err := New(Deps{Store: newFakeStore(), Sealer: newTestVault(t)})
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	if d.params != DefaultParams() {
		t.Errorf("New() with zero Params: params %+v, want DefaultParams", d.params)
	}
}
