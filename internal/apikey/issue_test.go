package apikey

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/store"
	"github.com/rempart/rempart/internal/vault"
)

func TestIssue(t *testing.T) {
	st, h := &fakeStore{}, &countingHasher{}
	k, raw, err := Issue(t.Context(), st, h, "billing", []string{"catalog", "search", "catalog"}, t0)
	if err != nil {
		t.Fatalf("Issue() = %v", err)
	}
	if !strings.HasPrefix(raw, "rpk_") || len(raw) != 47 || !WellFormed(raw) {
		t.Errorf("key %q: want rpk_ and 43 base64url characters", raw)
	}
	secret, err := base64.RawURLEncoding.Strict().DecodeString(strings.TrimPrefix(raw, Prefix))
	if err != nil || len(secret)*8 < 256 {
		t.Errorf("key body decodes to %d bytes (%v), want ≥ 256 bits (R7, D5)", len(secret), err)
	}
	if u, err := uuid.Parse(k.ID); err != nil || u.Version() != 4 {
		t.Errorf("id %q: want a UUID v4 (R16)", k.ID)
	}
	if got, want := strings.Join(k.APIs, ","), "catalog,search"; got != want {
		t.Errorf("APIs = %q, want %q (deduplicated, in order)", got, want)
	}
	if k.Name != "billing" || !k.CreatedAt.Equal(t0) || !k.RevokedAt.IsZero() {
		t.Errorf("key = %+v, want name billing, created at t0, active", k)
	}
	if len(st.keys) != 1 {
		t.Fatalf("store holds %d keys, want 1", len(st.keys))
	}
	stored := st.keys[0]
	if !bytes.Equal(stored.Hash, h.Hash(HashPurpose, raw)) {
		t.Error("stored hash is not the keyed hash of the key (D5)")
	}
	if bytes.Contains(stored.Hash, []byte(raw)) || bytes.Contains(stored.Hash, secret) {
		t.Error("the key is stored in clear (R4)")
	}
	_, raw2, err := Issue(t.Context(), st, h, "billing", []string{"catalog"}, t0)
	if err != nil {
		t.Fatalf("second Issue(same name) = %v, want nil (names are labels)", err)
	}
	if raw2 == raw {
		t.Error("two keys are equal")
	}
}

// TestIssueWithVault: the purpose is the vault's, and the vault recognises
// the stored hash.
func TestIssueWithVault(t *testing.T) {
	if HashPurpose != vault.PurposeAPIKey {
		t.Fatalf("HashPurpose = %q, want vault.PurposeAPIKey %q", HashPurpose, vault.PurposeAPIKey)
	}
	v, err := vault.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	st := &fakeStore{}
	k, raw, err := Issue(t.Context(), st, v, "v", []string{"catalog"}, t0)
	if err != nil {
		t.Fatalf("Issue() = %v", err)
	}
	if !v.Matches(vault.PurposeAPIKey, raw, k.Hash) || v.Matches(vault.PurposeClientSecret, raw, k.Hash) {
		t.Error("stored hash is not the vault's api-key hash of the key")
	}
}

func TestIssueRefused(t *testing.T) {
	many := make([]string, maxAPIs+1)
	for i := range many {
		many[i] = "api" + strings.Repeat("x", i)
	}
	for _, tc := range []struct {
		name  string
		kname string
		apis  []string
		field string
	}{
		{"fail/no-name", "", []string{"a"}, "name"},
		{"fail/name-control", "a\nb", []string{"a"}, "name"},
		{"fail/name-leading-space", " a", []string{"a"}, "name"},
		{"fail/name-too-long", strings.Repeat("é", 101), []string{"a"}, "name"},
		{"fail/name-invalid-utf8", "a\xff", []string{"a"}, "name"},
		{"fail/no-api", "n", nil, "api"},
		{"fail/empty-api", "n", []string{""}, "api"},
		{"fail/api-space", "n", []string{"a b"}, "api"},
		{"fail/api-non-ascii", "n", []string{"café"}, "api"},
		{"fail/too-many-apis", "n", many, "api"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &fakeStore{}
			_, raw, err := Issue(t.Context(), st, &countingHasher{}, tc.kname, tc.apis, t0)
			var se *SpecError
			if !errors.As(err, &se) || se.Field != tc.field {
				t.Fatalf("Issue() = %v, want a SpecError on %q", err, tc.field)
			}
			if raw != "" || len(st.keys) != 0 {
				t.Error("a refused Issue returned a key or stored one")
			}
		})
	}
	t.Run("fail/store-down", func(t *testing.T) {
		st := &fakeStore{err: errDown}
		k, raw, err := Issue(t.Context(), st, &countingHasher{}, "n", []string{"a"}, t0)
		if !errors.Is(err, errDown) || raw != "" || k.ID != "" {
			t.Errorf("Issue() = %+v, %q, %v; want no key and the store error", k, raw, err)
		}
	})
	t.Run("fail/conflict", func(t *testing.T) {
		st := &fakeStore{err: store.ErrConflict}
		if _, _, err := Issue(t.Context(), st, &countingHasher{}, "n", []string{"a"}, t0); !errors.Is(err, store.ErrConflict) {
			t.Errorf("Issue() = %v, want ErrConflict", err)
		}
	})
}

func TestWellFormed(t *testing.T) {
	good := "rpk_" + strings.Repeat("A", 42) + "w" // w = 48: low bits zero
	for _, tc := range []struct {
		name string
		raw  string
		want bool
	}{
		{"ok/basic", good, true},
		{"ok/all-classes", "rpk_az09-_AZ" + strings.Repeat("b", 34) + "g", true},
		{"fail/empty", "", false},
		{"fail/prefix-only", "rpk_", false},
		{"fail/short", good[:46], false},
		{"fail/long", good + "A", false},
		{"fail/no-prefix", strings.Repeat("A", 47), false},
		{"fail/prefix-case", "RPK_" + good[4:], false},
		{"fail/plus", good[:10] + "+" + good[11:], false},
		{"fail/slash", good[:10] + "/" + good[11:], false},
		{"fail/padding", good[:46] + "=", false},
		{"fail/space", good[:10] + " " + good[11:], false},
		{"fail/newline", good[:10] + "\n" + good[11:], false},
		{"fail/nul", good[:10] + "\x00" + good[11:], false},
		{"fail/non-canonical-last", good[:46] + "x", false},
		{"fail/non-ascii", good[:45] + "é", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := WellFormed(tc.raw); got != tc.want {
				t.Errorf("WellFormed(%q) = %v, want %v", tc.raw, got, tc.want)
			}
			if got := referenceWellFormed(tc.raw); got != tc.want {
				t.Errorf("referenceWellFormed(%q) = %v, want %v (bad test case)", tc.raw, got, tc.want)
			}
		})
	}
}

// referenceWellFormed is the naive definition WellFormed must agree with.
func referenceWellFormed(raw string) bool {
	if len(raw) != Len || !strings.HasPrefix(raw, Prefix) || strings.ContainsAny(raw, "\r\n") {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(raw[len(Prefix):])
	return err == nil && len(b) == SecretBytes
}
