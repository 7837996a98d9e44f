package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/authserver"
	"github.com/rempart/rempart/internal/store"
)

// tokenBackend is the token storage of the authorization server, the
// deny-list feed the gateways poll and the purge job's store (T2, T3, D1,
// D4).
type tokenBackend interface {
	authserver.TokenStore
	authserver.RevocationFeed
	authserver.PurgeStore
}

// runGrants pins authserver.TokenStore, RevocationFeed and PurgeStore:
// round trips, single-use rotation even under 20 concurrent rotations,
// family revocation (refresh tokens, access tokens, deny-list) on reuse,
// by id and by code, the deny-list feed, client-assertion replay, bounded
// purging, the clients' JWK sets, and fail closed after Close (D2).
func runGrants(t *testing.T, open func(t *testing.T) Backend) {
	t.Run("create-grant", func(t *testing.T) {
		b := fresh(t, open)
		g := newGrant(60, true)
		mustCreateGrant(t, b, g)
		got, err := b.RefreshTokenByHash(t.Context(), g.Refresh.Hash)
		if err != nil {
			t.Fatalf("RefreshTokenByHash() = %v", err)
		}
		if d := diffRefresh(got, *g.Refresh); d != "" {
			t.Errorf("RefreshTokenByHash(): %s", d)
		}
		// A JWT's record has no hash: it is not found by hash.
		if _, err := b.AccessTokenByHash(t.Context(), hash(61)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("AccessTokenByHash(unknown) = %v, want ErrNotFound", err)
		}
		if revoked, err := b.JTIRevoked(t.Context(), g.Access.JTI); err != nil || revoked {
			t.Errorf("JTIRevoked(fresh) = %v, %v; want false", revoked, err)
		}
		// An opaque first access token is found by its hash.
		o := newGrant(62, false)
		o.Access.Hash = hash(63)
		mustCreateGrant(t, b, o)
		acc, err := b.AccessTokenByHash(t.Context(), o.Access.Hash)
		if err != nil {
			t.Fatalf("AccessTokenByHash() = %v", err)
		}
		if d := diffAccess(acc, o.Access); d != "" {
			t.Errorf("AccessTokenByHash(): %s", d)
		}
	})

	t.Run("create-grant-conflict", func(t *testing.T) {
		b := fresh(t, open)
		g := newGrant(64, true)
		mustCreateGrant(t, b, g)
		dup := newGrant(65, true)
		dup.Family.ID = g.Family.ID
		dup.Access.FamilyID, dup.Refresh.FamilyID = g.Family.ID, g.Family.ID
		sameHash := newGrant(66, true)
		sameHash.Refresh.Hash = slices.Clone(g.Refresh.Hash)
		sameJTI := newGrant(67, false)
		sameJTI.Access.JTI = g.Access.JTI
		for name, x := range map[string]authserver.Grant{"family id": dup, "refresh hash": sameHash, "jti": sameJTI} {
			if err := b.CreateGrant(t.Context(), x); !errors.Is(err, store.ErrConflict) {
				t.Errorf("CreateGrant(same %s) = %v, want ErrConflict", name, err)
			}
		}
		// Nothing of a refused grant is kept (one transaction).
		if err := b.RevokeFamily(t.Context(), sameHash.Family.ID, at(time.Minute)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("family of a refused grant: RevokeFamily() = %v, want ErrNotFound", err)
		}
	})

	t.Run("rotate-then-reuse", func(t *testing.T) {
		b := fresh(t, open)
		g := newGrant(70, true)
		mustCreateGrant(t, b, g)
		next, acc := successor(g, 71, at(10*time.Minute))
		old, err := b.RotateRefreshToken(t.Context(), g.Refresh.Hash, next, acc)
		if err != nil {
			t.Fatalf("RotateRefreshToken() = %v", err)
		}
		want := *g.Refresh
		want.UsedAt = next.IssuedAt
		if d := diffRefresh(old, want); d != "" {
			t.Errorf("RotateRefreshToken() returned: %s", d)
		}
		if got := mustRefresh(t, b, next.Hash); !got.UsedAt.IsZero() || !got.RevokedAt.IsZero() {
			t.Errorf("successor = %+v, want unused and active", got)
		}
		// Reuse of the rotated token: the whole family goes (T2).
		reuse, racc := successor(g, 72, at(20*time.Minute))
		if _, err := b.RotateRefreshToken(t.Context(), g.Refresh.Hash, reuse, racc); !errors.Is(err, store.ErrAlreadyUsed) {
			t.Fatalf("RotateRefreshToken(reused) = %v, want ErrAlreadyUsed", err)
		}
		for _, h := range [][]byte{g.Refresh.Hash, next.Hash} {
			if got := mustRefresh(t, b, h); !got.RevokedAt.Equal(reuse.IssuedAt) {
				t.Errorf("refresh token RevokedAt = %v, want %v", got.RevokedAt, reuse.IssuedAt)
			}
		}
		if _, err := b.RefreshTokenByHash(t.Context(), reuse.Hash); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the reuse's successor was stored: %v", err)
		}
		wantRevokedJTIs(t, b, g.Access.JTI, acc.JTI)
		if revoked, _ := b.JTIRevoked(t.Context(), racc.JTI); revoked {
			t.Error("the refused rotation's access token was deny-listed, so it was recorded")
		}
		// The successor is revoked too: using it is reuse as well.
		again, aacc := successor(g, 73, at(30*time.Minute))
		if _, err := b.RotateRefreshToken(t.Context(), next.Hash, again, aacc); !errors.Is(err, store.ErrAlreadyUsed) {
			t.Errorf("RotateRefreshToken(revoked successor) = %v, want ErrAlreadyUsed", err)
		}
	})

	t.Run("rotate-unknown", func(t *testing.T) {
		b := fresh(t, open)
		g := newGrant(74, true)
		next, acc := successor(g, 75, at(time.Minute))
		if _, err := b.RotateRefreshToken(t.Context(), hash(76), next, acc); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RotateRefreshToken(unknown) = %v, want ErrNotFound", err)
		}
	})

	t.Run("rotate-concurrent", func(t *testing.T) {
		// 20 rotations of one token at once: exactly one wins, every other
		// one revokes the family, the winner's successor and access token
		// included (T2).
		b := fresh(t, open)
		g := newGrant(80, true)
		mustCreateGrant(t, b, g)
		const n = 20
		nexts := make([]authserver.RefreshToken, n)
		accs := make([]authserver.AccessToken, n)
		errs := make([]error, n)
		for i := range n {
			nexts[i], accs[i] = successor(g, byte(100+i), at(time.Minute))
		}
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, errs[i] = b.RotateRefreshToken(t.Context(), g.Refresh.Hash, nexts[i], accs[i])
			})
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil:
				if winner >= 0 {
					t.Errorf("rotations #%d and #%d both won", winner, i)
				}
				winner = i
			case !errors.Is(err, store.ErrAlreadyUsed):
				t.Errorf("rotation #%d = %v, want nil or ErrAlreadyUsed", i, err)
			}
		}
		if winner < 0 {
			t.Fatal("no rotation won")
		}
		if got := mustRefresh(t, b, nexts[winner].Hash); got.RevokedAt.IsZero() {
			t.Error("the winner's successor survived the reuse")
		}
		for i := range n {
			if i == winner {
				continue
			}
			if _, err := b.RefreshTokenByHash(t.Context(), nexts[i].Hash); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("loser #%d's successor was stored: %v", i, err)
			}
		}
		wantRevokedJTIs(t, b, g.Access.JTI, accs[winner].JTI)
	})

	t.Run("revoke-family", func(t *testing.T) {
		b := fresh(t, open)
		g := newGrant(90, true)
		other := newGrant(91, true)
		mustCreateGrant(t, b, g)
		mustCreateGrant(t, b, other)
		when := at(5 * time.Minute)
		for range 2 { // idempotent
			if err := b.RevokeFamily(t.Context(), g.Family.ID, when); err != nil {
				t.Fatalf("RevokeFamily() = %v", err)
			}
		}
		if got := mustRefresh(t, b, g.Refresh.Hash); !got.RevokedAt.Equal(when) {
			t.Errorf("RevokedAt = %v, want %v", got.RevokedAt, when)
		}
		if got := mustRefresh(t, b, other.Refresh.Hash); !got.RevokedAt.IsZero() {
			t.Error("another family was revoked")
		}
		wantRevokedJTIs(t, b, g.Access.JTI)
		if err := b.RevokeFamily(t.Context(), uuid.NewString(), when); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RevokeFamily(unknown) = %v, want ErrNotFound", err)
		}
	})

	t.Run("revoke-family-by-code", func(t *testing.T) {
		b := fresh(t, open)
		g := newGrant(92, false)
		g.Family.CodeID = uuid.NewString()
		other := newGrant(93, false)
		other.Family.CodeID = uuid.NewString()
		mustCreateGrant(t, b, g)
		mustCreateGrant(t, b, other)
		if err := b.RevokeFamilyByCode(t.Context(), g.Family.CodeID, at(time.Minute)); err != nil {
			t.Fatalf("RevokeFamilyByCode() = %v", err)
		}
		wantRevokedJTIs(t, b, g.Access.JTI)
		if err := b.RevokeFamilyByCode(t.Context(), uuid.NewString(), at(time.Minute)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RevokeFamilyByCode(unknown) = %v, want ErrNotFound", err)
		}
	})

	t.Run("opaque-access-token", func(t *testing.T) {
		b := fresh(t, open)
		tok := newAccess("", 94)
		if err := b.CreateAccessToken(t.Context(), tok); err != nil {
			t.Fatalf("CreateAccessToken() = %v", err)
		}
		got, err := b.AccessTokenByHash(t.Context(), tok.Hash)
		if err != nil {
			t.Fatalf("AccessTokenByHash() = %v", err)
		}
		if d := diffAccess(got, tok); d != "" {
			t.Errorf("AccessTokenByHash(): %s", d)
		}
		dupJTI, dupHash := newAccess("", 95), newAccess("", 96)
		dupJTI.JTI, dupHash.Hash = tok.JTI, slices.Clone(tok.Hash)
		for name, x := range map[string]authserver.AccessToken{"jti": dupJTI, "hash": dupHash} {
			if err := b.CreateAccessToken(t.Context(), x); !errors.Is(err, store.ErrConflict) {
				t.Errorf("CreateAccessToken(same %s) = %v, want ErrConflict", name, err)
			}
		}
		if err := b.CreateAccessToken(t.Context(), newAccess(uuid.NewString(), 97)); err == nil {
			t.Error("CreateAccessToken accepted a family's token outside the family")
		}
		first, second := at(2*time.Minute), at(3*time.Minute)
		for _, when := range []time.Time{first, second} {
			if err := b.RevokeAccessToken(t.Context(), tok.JTI, tok.ExpiresAt, when); err != nil {
				t.Fatalf("RevokeAccessToken() = %v", err)
			}
		}
		if got, _ := b.AccessTokenByHash(t.Context(), tok.Hash); !got.RevokedAt.Equal(first) {
			t.Errorf("RevokedAt = %v, want the first revocation %v", got.RevokedAt, first)
		}
		wantRevokedJTIs(t, b, tok.JTI)
	})

	t.Run("deny-list-feed", func(t *testing.T) {
		b := fresh(t, open)
		jwt1, jwt2 := uuid.NewString(), uuid.NewString()
		if err := b.RevokeAccessToken(t.Context(), jwt1, at(time.Hour), at(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := b.RevokeAccessToken(t.Context(), jwt2, at(2*time.Hour), at(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		all, err := b.RevokedJTIsSince(t.Context(), time.Time{})
		if err != nil || len(all) != 2 {
			t.Fatalf("RevokedJTIsSince(zero) = %v, %v; want 2 entries", all, err)
		}
		since, err := b.RevokedJTIsSince(t.Context(), at(2*time.Minute))
		if err != nil || len(since) != 1 || since[0].JTI != jwt2 ||
			!since[0].ExpiresAt.Equal(at(2*time.Hour)) || !since[0].RevokedAt.Equal(at(2*time.Minute)) {
			t.Errorf("RevokedJTIsSince(t2) = %+v, %v; want only %s", since, err, jwt2)
		}
		if revoked, err := b.JTIRevoked(t.Context(), uuid.NewString()); err != nil || revoked {
			t.Errorf("JTIRevoked(unknown) = %v, %v", revoked, err)
		}
	})

	t.Run("client-assertion-replay", func(t *testing.T) {
		b := fresh(t, open)
		jti := uuid.NewString()
		if err := b.UseClientAssertion(t.Context(), "client-a", jti, at(time.Minute)); err != nil {
			t.Fatalf("UseClientAssertion() = %v", err)
		}
		if err := b.UseClientAssertion(t.Context(), "client-a", jti, at(time.Minute)); !errors.Is(err, store.ErrAlreadyUsed) {
			t.Errorf("UseClientAssertion(replay) = %v, want ErrAlreadyUsed", err)
		}
		if err := b.UseClientAssertion(t.Context(), "client-b", jti, at(time.Minute)); err != nil {
			t.Errorf("UseClientAssertion(same jti, other client) = %v, want nil", err)
		}
	})

	t.Run("purge", func(t *testing.T) {
		runPurge(t, fresh(t, open))
	})

	t.Run("client-jwks", func(t *testing.T) {
		b := fresh(t, open)
		c := newClient("jwt-client")
		c.AuthMethod, c.SecretHash, c.PrevSecretHash, c.PrevSecretExpires = authserver.AuthPrivateKeyJWT, nil, nil, time.Time{}
		c.JWKS = []byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b","kid":"k1"}]}`)
		mustCreate(t, b, c)
		got, err := b.GetClient(t.Context(), c.ID)
		if err != nil || string(got.JWKS) != string(c.JWKS) {
			t.Errorf("GetClient().JWKS = %q, %v; want %q", got.JWKS, err, c.JWKS)
		}
		plain := newClient("plain")
		mustCreate(t, b, plain)
		if got, _ := b.GetClient(t.Context(), plain.ID); got.JWKS != nil {
			t.Errorf("JWKS of a secret client = %q, want nil", got.JWKS)
		}
	})

	t.Run("closed", func(t *testing.T) {
		b := fresh(t, open)
		g := newGrant(98, true)
		mustCreateGrant(t, b, g)
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		ctx := t.Context()
		next, acc := successor(g, 99, at(time.Minute))
		for name, call := range map[string]func() error{
			"CreateGrant": func() error { return b.CreateGrant(ctx, newGrant(120, true)) },
			"RefreshTokenByHash": func() error {
				_, err := b.RefreshTokenByHash(ctx, g.Refresh.Hash)
				return err
			},
			"RotateRefreshToken": func() error {
				_, err := b.RotateRefreshToken(ctx, g.Refresh.Hash, next, acc)
				return err
			},
			"RevokeFamily":      func() error { return b.RevokeFamily(ctx, g.Family.ID, at(time.Minute)) },
			"RevokeAccessToken": func() error { return b.RevokeAccessToken(ctx, g.Access.JTI, at(time.Hour), at(time.Minute)) },
			"JTIRevoked": func() error {
				_, err := b.JTIRevoked(ctx, g.Access.JTI)
				return err
			},
			"RevokedJTIsSince": func() error {
				_, err := b.RevokedJTIsSince(ctx, time.Time{})
				return err
			},
			"RevokedClientsSince": func() error {
				_, err := b.RevokedClientsSince(ctx, time.Time{})
				return err
			},
			"UseClientAssertion": func() error { return b.UseClientAssertion(ctx, "c", uuid.NewString(), at(time.Minute)) },
			"Purge": func() error {
				_, err := b.Purge(ctx, at(time.Hour), 10)
				return err
			},
		} {
			if err := call(); err == nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrAlreadyUsed) {
				t.Errorf("%s after Close = %v, want an error that is no answer", name, err)
			}
		}
	})
}

// runPurge checks that Purge deletes exactly what is expired, at most
// batch rows per table per call, and a family only once its tokens are
// gone; CountRows follows.
func runPurge(t *testing.T, b Backend) {
	ctx := t.Context()
	// Five grants expiring at base+1h..+5h (refresh), each with an access
	// token of 30 min; two opaque client tokens; deny-list entries and
	// client assertions expiring at +1h and +10h.
	for i := range 5 {
		g := newGrant(byte(130+i), true)
		g.Refresh.ExpiresAt = at(time.Duration(i+1) * time.Hour)
		g.Family.ExpiresAt = g.Refresh.ExpiresAt
		mustCreateGrant(t, b, g)
	}
	for i := range 2 {
		if err := b.CreateAccessToken(ctx, newAccess("", byte(140+i))); err != nil {
			t.Fatal(err)
		}
	}
	for _, exp := range []time.Duration{time.Hour, 10 * time.Hour} {
		if err := b.RevokeAccessToken(ctx, uuid.NewString(), at(exp), at(0)); err != nil {
			t.Fatal(err)
		}
		if err := b.UseClientAssertion(ctx, "c", uuid.NewString(), at(exp)); err != nil {
			t.Fatal(err)
		}
	}
	wantCounts(t, b, map[string]int64{"access_tokens": 7, "refresh_tokens": 5, "token_families": 5, "revoked_jtis": 2, "client_assertions": 2})

	// At +3h: every access token (30 min) and the refresh tokens of +1h..+3h
	// are expired; 2 per call.
	got, err := b.Purge(ctx, at(3*time.Hour), 2)
	if err != nil {
		t.Fatalf("Purge() = %v", err)
	}
	want := map[string]int64{"access_tokens": 2, "refresh_tokens": 2, "revoked_jtis": 1, "client_assertions": 1}
	for table, n := range want {
		if got[table] != n {
			t.Errorf("Purge(batch 2) deleted %d %s, want %d (all: %v)", got[table], table, n, got)
		}
	}
	if got["token_families"] > 2 {
		t.Errorf("Purge(batch 2) deleted %d families, more than the batch", got["token_families"])
	}
	for range 5 {
		if _, err := b.Purge(ctx, at(3*time.Hour), 2); err != nil {
			t.Fatalf("Purge() = %v", err)
		}
	}
	wantCounts(t, b, map[string]int64{"access_tokens": 0, "refresh_tokens": 2, "token_families": 2, "revoked_jtis": 1, "client_assertions": 1})
	if _, err := b.Purge(ctx, at(11*time.Hour), 100); err != nil {
		t.Fatalf("Purge() = %v", err)
	}
	wantCounts(t, b, map[string]int64{"access_tokens": 0, "refresh_tokens": 0, "token_families": 0, "revoked_jtis": 0, "client_assertions": 0})
}

func wantCounts(t *testing.T, b Backend, want map[string]int64) {
	t.Helper()
	got, err := b.CountRows(t.Context())
	if err != nil {
		t.Fatalf("CountRows() = %v", err)
	}
	for table, n := range want {
		if got[table] != n {
			t.Errorf("CountRows()[%s] = %d, want %d (all: %v)", table, got[table], n, got)
		}
	}
}

// newGrant returns a grant created at base whose ids and hashes derive
// from seed: its access token (a JWT's record) lives 30 min, its refresh
// token (when withRefresh) 24 h.
func newGrant(seed byte, withRefresh bool) authserver.Grant {
	fid := uuid.NewString()
	g := authserver.Grant{
		Family: authserver.TokenFamily{ID: fid, ClientID: "client-" + fmt.Sprint(seed), Subject: "user-" + fmt.Sprint(seed),
			AuthTime: at(-time.Minute), AMR: []string{"pwd", "otp"}, CreatedAt: at(0), ExpiresAt: at(30 * time.Minute)},
		Access: newAccess(fid, 0),
	}
	g.Access.ClientID, g.Access.Subject = g.Family.ClientID, g.Family.Subject
	if withRefresh {
		g.Refresh = &authserver.RefreshToken{Hash: hash(seed), FamilyID: fid, ClientID: g.Family.ClientID,
			Subject: g.Family.Subject, Scope: []string{"orders:read", "offline_access"}, Audience: []string{"orders"},
			IssuedAt: at(0), ExpiresAt: at(24 * time.Hour)}
		g.Family.ExpiresAt = g.Refresh.ExpiresAt
	}
	return g
}

// newAccess returns an access-token record of family (opaque, with a hash
// from seed, when seed is not 0), issued at base for 30 min.
func newAccess(family string, seed byte) authserver.AccessToken {
	a := authserver.AccessToken{JTI: uuid.NewString(), FamilyID: family, ClientID: "client", Subject: "subject",
		Scope: []string{"orders:read"}, Audience: []string{"orders", "billing"}, IssuedAt: at(0), ExpiresAt: at(30 * time.Minute)}
	if seed != 0 {
		a.Hash = hash(seed)
	}
	return a
}

// successor returns the refresh token and access token a rotation of g's
// refresh token at when would store.
func successor(g authserver.Grant, seed byte, when time.Time) (authserver.RefreshToken, authserver.AccessToken) {
	next := *g.Refresh
	next.Hash, next.IssuedAt, next.ExpiresAt = hash(seed), when, when.Add(24*time.Hour)
	acc := newAccess(g.Family.ID, 0)
	acc.ClientID, acc.Subject, acc.IssuedAt, acc.ExpiresAt = g.Family.ClientID, g.Family.Subject, when, when.Add(30*time.Minute)
	return next, acc
}

func mustCreateGrant(t *testing.T, b Backend, g authserver.Grant) {
	t.Helper()
	if err := b.CreateGrant(t.Context(), g); err != nil {
		t.Fatalf("CreateGrant() = %v", err)
	}
}

func mustRefresh(t *testing.T, b Backend, h []byte) authserver.RefreshToken {
	t.Helper()
	got, err := b.RefreshTokenByHash(t.Context(), h)
	if err != nil {
		t.Fatalf("RefreshTokenByHash() = %v", err)
	}
	return got
}

// wantRevokedJTIs checks that each jti is on the deny-list, through both
// JTIRevoked and the feed.
func wantRevokedJTIs(t *testing.T, b Backend, jtis ...string) {
	t.Helper()
	feed, err := b.RevokedJTIsSince(t.Context(), time.Time{})
	if err != nil {
		t.Fatalf("RevokedJTIsSince() = %v", err)
	}
	for _, jti := range jtis {
		if revoked, err := b.JTIRevoked(t.Context(), jti); err != nil || !revoked {
			t.Errorf("JTIRevoked(%s) = %v, %v; want true", jti, revoked, err)
		}
		if !slices.ContainsFunc(feed, func(e authserver.RevokedJTI) bool { return e.JTI == jti }) {
			t.Errorf("RevokedJTIsSince() lacks %s", jti)
		}
	}
}

// diffRefresh describes how got differs from want, "" when equal.
func diffRefresh(got, want authserver.RefreshToken) string {
	var d string
	for _, f := range []struct {
		name      string
		got, want time.Time
	}{
		{"IssuedAt", got.IssuedAt, want.IssuedAt}, {"ExpiresAt", got.ExpiresAt, want.ExpiresAt},
		{"UsedAt", got.UsedAt, want.UsedAt}, {"RevokedAt", got.RevokedAt, want.RevokedAt},
	} {
		if !f.got.Equal(f.want) {
			d += fmt.Sprintf("%s = %v, want %v; ", f.name, f.got.UTC(), f.want.UTC())
		}
	}
	got.IssuedAt, got.ExpiresAt, got.UsedAt, got.RevokedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	want.IssuedAt, want.ExpiresAt, want.UsedAt, want.RevokedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		d += fmt.Sprintf("got %+v, want %+v", got, want)
	}
	return d
}

// diffAccess describes how got differs from want, "" when equal.
func diffAccess(got, want authserver.AccessToken) string {
	var d string
	for _, f := range []struct {
		name      string
		got, want time.Time
	}{
		{"IssuedAt", got.IssuedAt, want.IssuedAt}, {"ExpiresAt", got.ExpiresAt, want.ExpiresAt},
		{"RevokedAt", got.RevokedAt, want.RevokedAt},
	} {
		if !f.got.Equal(f.want) {
			d += fmt.Sprintf("%s = %v, want %v; ", f.name, f.got.UTC(), f.want.UTC())
		}
	}
	got.IssuedAt, got.ExpiresAt, got.RevokedAt = time.Time{}, time.Time{}, time.Time{}
	want.IssuedAt, want.ExpiresAt, want.RevokedAt = time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		d += fmt.Sprintf("got %+v, want %+v", got, want)
	}
	return d
}
