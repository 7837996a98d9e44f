package storetest

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/authserver"
	"github.com/rempart/rempart/internal/store"
)

func runClients(t *testing.T, open func(t *testing.T) Backend) {
	t.Run("create-get", func(t *testing.T) {
		b := fresh(t, open)
		want := newClient("orders-app")
		mustCreate(t, b, want)
		got, err := b.GetClient(t.Context(), want.ID)
		if err != nil {
			t.Fatalf("GetClient() = %v", err)
		}
		if d := diffClient(got, want); d != "" {
			t.Errorf("GetClient(): %s", d)
		}
	})

	t.Run("conflict-id", func(t *testing.T) {
		b := fresh(t, open)
		first := newClient("first")
		mustCreate(t, b, first)
		dup := newClient("second")
		dup.ID = first.ID
		if err := b.CreateClient(t.Context(), dup); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("CreateClient(same id) = %v, want ErrConflict", err)
		}
		got, err := b.GetClient(t.Context(), first.ID)
		if err != nil {
			t.Fatalf("GetClient() = %v", err)
		}
		if d := diffClient(got, first); d != "" {
			t.Errorf("first client changed by the refused insert: %s", d)
		}
	})

	t.Run("conflict-name", func(t *testing.T) {
		b := fresh(t, open)
		first := newClient("same-name")
		mustCreate(t, b, first)
		dup := newClient("same-name")
		if err := b.CreateClient(t.Context(), dup); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("CreateClient(same name) = %v, want ErrConflict", err)
		}
		if _, err := b.GetClient(t.Context(), dup.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetClient(refused) = %v, want ErrNotFound", err)
		}
		// Names are compared by byte: another case is another name.
		if err := b.CreateClient(t.Context(), newClient("Same-Name")); err != nil {
			t.Errorf("CreateClient(other case) = %v, want nil", err)
		}
	})

	t.Run("not-found", func(t *testing.T) {
		b := fresh(t, open)
		mustCreate(t, b, newClient("present"))
		id := uuid.NewString()
		for name, call := range map[string]func() error{
			"get":    func() error { _, err := b.GetClient(t.Context(), id); return err },
			"delete": func() error { return b.DeleteClient(t.Context(), id) },
			"update-secret": func() error {
				return b.UpdateClientSecret(t.Context(), id, authserver.SecretUpdate{SecretHash: hash(9), UpdatedAt: at(time.Hour)})
			},
		} {
			if err := call(); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s(unknown id) = %v, want ErrNotFound", name, err)
			}
		}
	})

	t.Run("list-order", func(t *testing.T) {
		b := fresh(t, open)
		got, err := b.ListClients(t.Context())
		if err != nil || len(got) != 0 {
			t.Fatalf("ListClients(empty) = %d clients, %v; want 0, nil", len(got), err)
		}
		names := []string{"beta", "Alpha", "alpha", "_z", "Zulu", "été", "10", "9", "a b", "a-b"}
		for _, n := range names {
			mustCreate(t, b, newClient(n))
		}
		got, err = b.ListClients(t.Context())
		if err != nil {
			t.Fatalf("ListClients() = %v", err)
		}
		var gotNames []string
		for _, c := range got {
			gotNames = append(gotNames, c.Name)
		}
		want := slices.Clone(names)
		slices.Sort(want) // byte order
		if !slices.Equal(gotNames, want) {
			t.Errorf("ListClients() names = %q, want %q", gotNames, want)
		}
	})

	t.Run("delete", func(t *testing.T) {
		b := fresh(t, open)
		gone, kept := newClient("gone"), newClient("kept")
		mustCreate(t, b, gone)
		mustCreate(t, b, kept)
		if err := b.DeleteClient(t.Context(), gone.ID); err != nil {
			t.Fatalf("DeleteClient() = %v", err)
		}
		if _, err := b.GetClient(t.Context(), gone.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetClient(deleted) = %v, want ErrNotFound", err)
		}
		if err := b.DeleteClient(t.Context(), gone.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteClient(again) = %v, want ErrNotFound", err)
		}
		got, err := b.ListClients(t.Context())
		if err != nil || len(got) != 1 || got[0].ID != kept.ID {
			t.Errorf("ListClients() = %d clients, %v; want only %q", len(got), err, kept.Name)
		}
		// The name of a deleted client is free again.
		if err := b.CreateClient(t.Context(), newClient("gone")); err != nil {
			t.Errorf("CreateClient(reused name) = %v, want nil", err)
		}
	})

	t.Run("update-secret", func(t *testing.T) { runUpdateSecret(t, open) })
	t.Run("round-trip-all-fields", func(t *testing.T) { runClientRoundTrip(t, open) })

	t.Run("hash-bytes-exact", func(t *testing.T) {
		b := fresh(t, open)
		c := newClient("bytes")
		c.SecretHash = allBytes(32)
		c.PrevSecretHash = []byte{0x00, 0xc3, 0x28, 0xff, 0xfe, 0x00, '\'', '?', 0x00}
		mustCreate(t, b, c)
		got, err := b.GetClient(t.Context(), c.ID)
		if err != nil {
			t.Fatalf("GetClient() = %v", err)
		}
		if !bytes.Equal(got.SecretHash, c.SecretHash) {
			t.Errorf("SecretHash = %x, want %x", got.SecretHash, c.SecretHash)
		}
		if !bytes.Equal(got.PrevSecretHash, c.PrevSecretHash) {
			t.Errorf("PrevSecretHash = %x, want %x", got.PrevSecretHash, c.PrevSecretHash)
		}
	})

	t.Run("invalid", func(t *testing.T) {
		b := fresh(t, open)
		for name, mutate := range map[string]func(c *authserver.Client){
			"fail/empty-id":             func(c *authserver.Client) { c.ID = "" },
			"fail/empty-name":           func(c *authserver.Client) { c.Name = "" },
			"fail/zero-created-at":      func(c *authserver.Client) { c.CreatedAt = time.Time{} },
			"fail/prev-without-expiry":  func(c *authserver.Client) { c.PrevSecretExpires = time.Time{} },
			"fail/expiry-without-prev":  func(c *authserver.Client) { c.PrevSecretHash = nil },
			"fail/name-invalid-utf8":    func(c *authserver.Client) { c.Name = "bad\xff" },
			"fail/name-nul":             func(c *authserver.Client) { c.Name = "bad\x00name" },
			"fail/scope-nul":            func(c *authserver.Client) { c.Scopes = []string{"a\x00b"} },
			"fail/redirect-invalid-utf": func(c *authserver.Client) { c.RedirectURIs = []string{"https://x/\xc3\x28"} },
		} {
			t.Run(name, func(t *testing.T) {
				c := newClient("invalid-" + name)
				mutate(&c)
				err := b.CreateClient(t.Context(), c)
				if err == nil || errors.Is(err, store.ErrConflict) {
					t.Fatalf("CreateClient() = %v, want a validation error", err)
				}
				if c.ID == "" {
					return
				}
				if _, err := b.GetClient(t.Context(), c.ID); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("GetClient(refused) = %v, want ErrNotFound", err)
				}
			})
		}
	})
}

func runUpdateSecret(t *testing.T, open func(t *testing.T) Backend) {
	b := fresh(t, open)
	for _, tc := range []struct {
		name    string
		u       authserver.SecretUpdate
		wantErr bool
	}{
		{name: "ok/without-grace", u: authserver.SecretUpdate{SecretHash: hash(10), UpdatedAt: at(2 * time.Hour)}},
		{name: "ok/with-grace", u: authserver.SecretUpdate{
			SecretHash: hash(11), PrevSecretHash: hash(1), PrevSecretExpires: at(3 * time.Hour), UpdatedAt: at(2 * time.Hour),
		}},
		{name: "ok/no-secret", u: authserver.SecretUpdate{UpdatedAt: at(2 * time.Hour)}},
		{name: "fail/prev-without-expiry", u: authserver.SecretUpdate{
			SecretHash: hash(12), PrevSecretHash: hash(1), UpdatedAt: at(2 * time.Hour),
		}, wantErr: true},
		{name: "fail/expiry-without-prev", u: authserver.SecretUpdate{
			SecretHash: hash(13), PrevSecretExpires: at(3 * time.Hour), UpdatedAt: at(2 * time.Hour),
		}, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient("rotate-" + tc.name) // starts with a previous secret in grace
			mustCreate(t, b, c)
			want := c
			err := b.UpdateClientSecret(t.Context(), c.ID, tc.u)
			switch {
			case tc.wantErr && (err == nil || errors.Is(err, store.ErrNotFound)):
				t.Fatalf("UpdateClientSecret() = %v, want a validation error", err)
			case !tc.wantErr && err != nil:
				t.Fatalf("UpdateClientSecret() = %v", err)
			case !tc.wantErr:
				want.SecretHash = tc.u.SecretHash
				want.PrevSecretHash = tc.u.PrevSecretHash
				want.PrevSecretExpires = tc.u.PrevSecretExpires
				want.UpdatedAt = tc.u.UpdatedAt
			}
			got, err := b.GetClient(t.Context(), c.ID)
			if err != nil {
				t.Fatalf("GetClient() = %v", err)
			}
			if d := diffClient(got, want); d != "" {
				t.Errorf("after UpdateClientSecret: %s", d)
			}
		})
	}
}

func runClientRoundTrip(t *testing.T, open func(t *testing.T) Backend) {
	b := fresh(t, open)
	tricky := newClient(`o'rders "app"; DROP TABLE clients; -- ? $1 été 🔐`)
	tricky.Scopes = []string{"a?b", "'quoted'", `"dq"`, "<html>&amp;", "été", "\\back\\slash", "💳"}
	tricky.RedirectURIs = []string{"http://127.0.0.1:8080/cb?state=x#frag", "com.example.app:/oauth2redirect"}
	tricky.APIs = []string{"one"}
	tricky.GrantTypes = []string{authserver.GrantJWTBearer, authserver.GrantDeviceCode, authserver.GrantRefreshToken, authserver.GrantPassword}
	tricky.TokenFormat = "opaque"
	tricky.AuthMethod = authserver.AuthSecretPost

	minimal := authserver.Client{ // key-based client: no secret, no lists, never updated
		ID:         uuid.NewString(),
		Name:       "minimal",
		AuthMethod: authserver.AuthPrivateKeyJWT,
		CreatedAt:  at(-time.Hour),
	}
	mtls := newClient("mtls")
	mtls.AuthMethod = authserver.AuthTLSClient
	mtls.SecretHash, mtls.PrevSecretHash, mtls.PrevSecretExpires = nil, nil, time.Time{}
	mtls.APIs = []string{}

	now := newClient("monotonic")
	now.CreatedAt = time.Now() // carries a monotonic reading and the local zone
	now.UpdatedAt = now.CreatedAt.Add(time.Nanosecond)
	now.PrevSecretExpires = now.CreatedAt.In(time.FixedZone("UTC-7", -7*3600)).Add(24 * time.Hour)

	extreme := newClient("extreme-times")
	extreme.CreatedAt = time.Date(1970, 1, 1, 0, 0, 0, 1, time.UTC)
	extreme.UpdatedAt = time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC)
	extreme.PrevSecretExpires = time.Date(2261, 12, 31, 23, 59, 59, 999999999, time.UTC)

	cases := []authserver.Client{tricky, minimal, mtls, now, extreme}
	for _, c := range cases {
		mustCreate(t, b, c)
	}
	for _, want := range cases {
		t.Run(want.Name, func(t *testing.T) {
			got, err := b.GetClient(t.Context(), want.ID)
			if err != nil {
				t.Fatalf("GetClient() = %v", err)
			}
			if d := diffClient(got, want); d != "" {
				t.Errorf("GetClient(): %s", d)
			}
		})
	}
	listed, err := b.ListClients(t.Context())
	if err != nil {
		t.Fatalf("ListClients() = %v", err)
	}
	if len(listed) != len(cases) {
		t.Fatalf("ListClients() = %d clients, want %d", len(listed), len(cases))
	}
	for _, got := range listed {
		i := slices.IndexFunc(cases, func(c authserver.Client) bool { return c.ID == got.ID })
		if i < 0 {
			t.Errorf("ListClients() returned unknown id %q", got.ID)
			continue
		}
		if d := diffClient(got, cases[i]); d != "" {
			t.Errorf("ListClients() %q: %s", got.Name, d)
		}
	}
}

// mustCreate creates c or stops the test.
func mustCreate(t *testing.T, b Backend, c authserver.Client) {
	t.Helper()
	if err := b.CreateClient(t.Context(), c); err != nil {
		t.Fatalf("CreateClient(%q) = %v", c.Name, err)
	}
}
