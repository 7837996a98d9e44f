package authserver

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rempart/rempart/internal/token"
	"github.com/rempart/rempart/internal/vault"
)

// countingTokens counts AccessTokenByHash calls.
type countingTokens struct {
	*memTokens
	lookups atomic.Int64
}

func (c *countingTokens) AccessTokenByHash(ctx context.Context, h []byte) (AccessToken, error) {
	c.lookups.Add(1)
	return c.memTokens.AccessTokenByHash(ctx, h)
}

func TestOpaqueVerifier(t *testing.T) {
	h := testHasher(t)
	st := &countingTokens{memTokens: newMemTokens()}
	clk := newFakeClock(t0)
	v := NewOpaqueVerifier(st, h, "https://as.example/", clk.now)
	mk := func(exp time.Duration) (string, AccessToken) {
		raw, err := token.NewHandle(token.PrefixAccess)
		if err != nil {
			t.Fatal(err)
		}
		a := AccessToken{JTI: raw[4:20], Hash: h.Hash(vault.PurposeOpaqueToken, raw), ClientID: "client-1", Subject: "user-1",
			Scope: []string{"orders:read", "orders:write"}, Audience: []string{"orders"}, IssuedAt: t0, ExpiresAt: t0.Add(exp)}
		if err := st.CreateAccessToken(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		return raw, a
	}
	good, rec := mk(30 * time.Minute)

	t.Run("ok/claims", func(t *testing.T) {
		c, err := v.VerifyAccess(good)
		if err != nil {
			t.Fatal(err)
		}
		if c.Issuer != "https://as.example" || c.Subject != "user-1" || c.ClientID != "client-1" || c.ID != rec.JTI ||
			c.Scope != "orders:read orders:write" || !slices.Equal([]string(c.Audience), []string{"orders"}) ||
			!c.IssuedAt.Time().Equal(t0) || !c.NotBefore.Time().Equal(t0) || !c.Expiry.Time().Equal(t0.Add(30*time.Minute)) {
			t.Errorf("claims %+v", c)
		}
	})
	t.Run("ok/cached-at-most-1s", func(t *testing.T) {
		before := st.lookups.Load()
		if _, err := v.VerifyAccess(good); err != nil {
			t.Fatal(err)
		}
		if st.lookups.Load() != before {
			t.Error("not cached")
		}
		clk.add(OpaqueCacheTTL)
		if _, err := v.VerifyAccess(good); err != nil {
			t.Fatal(err)
		}
		if st.lookups.Load() != before+1 {
			t.Error("cached for more than OpaqueCacheTTL")
		}
	})
	t.Run("fail/malformed-no-lookup", func(t *testing.T) {
		before := st.lookups.Load()
		for _, raw := range []string{"", "rpo_short", "rpr_" + good[4:], good + "x", "eyJhbGciOiJFUzI1NiJ9.e30.sig"} {
			if _, err := v.VerifyAccess(raw); !errors.Is(err, token.ErrMalformed) {
				t.Errorf("VerifyAccess(%q) = %v, want ErrMalformed", raw, err)
			}
		}
		if st.lookups.Load() != before {
			t.Error("a malformed handle reached the store")
		}
	})
	t.Run("fail/unknown", func(t *testing.T) {
		raw, _ := token.NewHandle(token.PrefixAccess)
		if _, err := v.VerifyAccess(raw); !errors.Is(err, token.ErrSignature) {
			t.Errorf("VerifyAccess(unknown) = %v, want ErrSignature", err)
		}
	})
	t.Run("fail/revoked", func(t *testing.T) {
		raw, a := mk(30 * time.Minute)
		if err := st.RevokeAccessToken(t.Context(), a.JTI, a.ExpiresAt, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := v.VerifyAccess(raw); !errors.Is(err, token.ErrSignature) {
			t.Errorf("VerifyAccess(revoked) = %v, want ErrSignature", err)
		}
	})
	t.Run("fail/expired", func(t *testing.T) {
		raw, _ := mk(time.Minute)
		clk.set(t0.Add(time.Minute))
		defer clk.set(t0)
		if _, err := v.VerifyAccess(raw); !errors.Is(err, token.ErrExpired) {
			t.Errorf("VerifyAccess(expired) = %v, want ErrExpired", err)
		}
	})
	t.Run("ok/cache-never-past-exp", func(t *testing.T) {
		clk.set(t0)
		raw, _ := mk(500 * time.Millisecond)
		if _, err := v.VerifyAccess(raw); err != nil {
			t.Fatal(err)
		}
		clk.add(600 * time.Millisecond)
		defer clk.set(t0)
		if _, err := v.VerifyAccess(raw); !errors.Is(err, token.ErrExpired) {
			t.Errorf("VerifyAccess after exp = %v, want ErrExpired (not a cached success)", err)
		}
	})
	t.Run("fail/store-down-not-cached", func(t *testing.T) {
		raw, _ := mk(time.Hour)
		st.setDown(true)
		_, err := v.VerifyAccess(raw)
		st.setDown(false)
		if !errors.Is(err, token.ErrUnavailable) || token.Reason(err) != "unavailable" {
			t.Errorf("VerifyAccess(store down) = %v, want token.ErrUnavailable (the gateway answers 503, D2)", err)
		}
		if _, err := v.VerifyAccess(raw); err != nil {
			t.Errorf("after recovery: %v", err)
		}
	})
	t.Run("ok/bounded", func(t *testing.T) {
		for range opaqueCacheSize + 10 {
			raw, _ := mk(time.Hour)
			if _, err := v.VerifyAccess(raw); err != nil {
				t.Fatal(err)
			}
		}
		v.mu.Lock()
		n := len(v.cache)
		v.mu.Unlock()
		if n > opaqueCacheSize {
			t.Errorf("cache holds %d entries, bound %d", n, opaqueCacheSize)
		}
	})
}
