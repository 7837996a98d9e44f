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

// browserBackend is the browser flow's storage (authserver's interfaces).
type browserBackend interface {
	authserver.CodeStore
	authserver.SessionStore
	authserver.ConsentStore
}

// runBrowser pins the browser flow's storage: authorization codes
// (single redemption even under concurrency, D4; the code returned with
// ErrAlreadyUsed on reuse), login sessions, consents (upsert keeping
// created_at, per-user listing), the clients' require_mfa flag, and the
// purge of the three tables (T3).
func runBrowser(t *testing.T, open func(t *testing.T) Backend) {
	t.Run("code-round-trip", func(t *testing.T) {
		b := fresh(t, open)
		want := newCode(10)
		if err := b.CreateCode(t.Context(), want); err != nil {
			t.Fatalf("CreateCode() = %v", err)
		}
		got, err := b.RedeemCode(t.Context(), want.Hash, at(time.Second))
		if err != nil {
			t.Fatalf("RedeemCode() = %v", err)
		}
		want.UsedAt = at(time.Second)
		if d := diffCode(got, want); d != "" {
			t.Errorf("RedeemCode(): %s", d)
		}
	})

	t.Run("code-reuse", func(t *testing.T) {
		b := fresh(t, open)
		c := newCode(11)
		if err := b.CreateCode(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		if _, err := b.RedeemCode(t.Context(), c.Hash, at(time.Second)); err != nil {
			t.Fatal(err)
		}
		got, err := b.RedeemCode(t.Context(), c.Hash, at(2*time.Second))
		if !errors.Is(err, store.ErrAlreadyUsed) {
			t.Fatalf("second RedeemCode() = %v, want ErrAlreadyUsed", err)
		}
		if got.ID != c.ID || !got.UsedAt.Equal(at(time.Second)) {
			t.Errorf("second RedeemCode() = id %s used %v, want id %s used at the first redemption", got.ID, got.UsedAt, c.ID)
		}
	})

	t.Run("code-not-found-conflict", func(t *testing.T) {
		b := fresh(t, open)
		c := newCode(12)
		if err := b.CreateCode(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		if _, err := b.RedeemCode(t.Context(), hash(99), at(0)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RedeemCode(unknown) = %v, want ErrNotFound", err)
		}
		sameHash := newCode(13)
		sameHash.Hash = c.Hash
		sameID := newCode(14)
		sameID.ID = c.ID
		for name, dup := range map[string]authserver.Code{"same hash": sameHash, "same id": sameID} {
			if err := b.CreateCode(t.Context(), dup); !errors.Is(err, store.ErrConflict) {
				t.Errorf("CreateCode(%s) = %v, want ErrConflict", name, err)
			}
		}
		bad := newCode(15)
		bad.Challenge = ""
		if err := b.CreateCode(t.Context(), bad); err == nil {
			t.Error("CreateCode(no challenge) = nil, want an error")
		}
	})

	t.Run("code-concurrent-redemption", func(t *testing.T) {
		b := fresh(t, open)
		c := newCode(16)
		if err := b.CreateCode(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		const n = 20
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex // guards wins, reused, others
			wins    int
			reused  int
			others  []error
			barrier = make(chan struct{})
		)
		for range n {
			wg.Go(func() {
				<-barrier
				_, err := b.RedeemCode(t.Context(), c.Hash, at(time.Second))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case errors.Is(err, store.ErrAlreadyUsed):
					reused++
				default:
					others = append(others, err)
				}
			})
		}
		close(barrier)
		wg.Wait()
		if wins != 1 || reused != n-1 || len(others) > 0 {
			t.Errorf("%d concurrent RedeemCode: %d won, %d ErrAlreadyUsed, errors %v; want exactly 1 winner", n, wins, reused, others)
		}
	})

	t.Run("sessions", func(t *testing.T) {
		b := fresh(t, open)
		ctx := t.Context()
		want := newSession(20, true)
		if err := b.CreateSession(ctx, want); err != nil {
			t.Fatalf("CreateSession() = %v", err)
		}
		if err := b.CreateSession(ctx, want); !errors.Is(err, store.ErrConflict) {
			t.Errorf("CreateSession(same hash) = %v, want ErrConflict", err)
		}
		got, err := b.GetSession(ctx, want.Hash)
		if err != nil {
			t.Fatalf("GetSession() = %v", err)
		}
		if d := diffSession(got, want); d != "" {
			t.Errorf("GetSession(): %s", d)
		}
		if err := b.TouchSession(ctx, want.Hash, at(10*time.Minute)); err != nil {
			t.Fatalf("TouchSession() = %v", err)
		}
		got, _ = b.GetSession(ctx, want.Hash)
		if !got.LastSeen.Equal(at(10 * time.Minute)) {
			t.Errorf("LastSeen after TouchSession = %v, want %v", got.LastSeen, at(10*time.Minute))
		}
		if err := b.TouchSession(ctx, hash(98), at(0)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("TouchSession(unknown) = %v, want ErrNotFound", err)
		}
		if err := b.DeleteSession(ctx, want.Hash); err != nil {
			t.Fatalf("DeleteSession() = %v", err)
		}
		if err := b.DeleteSession(ctx, want.Hash); err != nil {
			t.Errorf("DeleteSession(again) = %v, want nil", err)
		}
		if _, err := b.GetSession(ctx, want.Hash); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetSession(deleted) = %v, want ErrNotFound", err)
		}
	})

	t.Run("consents", func(t *testing.T) {
		b := fresh(t, open)
		ctx := t.Context()
		user, other := uuid.NewString(), uuid.NewString()
		first := authserver.Consent{UserID: user, ClientID: "client-b", Scopes: []string{"openid", "orders:read"},
			CreatedAt: at(0), UpdatedAt: at(0)}
		for _, c := range []authserver.Consent{first,
			{UserID: user, ClientID: "client-a", Scopes: []string{"openid"}, CreatedAt: at(time.Minute), UpdatedAt: at(time.Minute)},
			{UserID: other, ClientID: "client-a", Scopes: []string{"email"}, CreatedAt: at(0), UpdatedAt: at(0)},
		} {
			if err := b.PutConsent(ctx, c); err != nil {
				t.Fatalf("PutConsent() = %v", err)
			}
		}
		// An update replaces the scopes and keeps created_at.
		upd := first
		upd.Scopes = []string{"openid", "orders:read", "offline_access"}
		upd.CreatedAt, upd.UpdatedAt = at(time.Hour), at(time.Hour)
		if err := b.PutConsent(ctx, upd); err != nil {
			t.Fatalf("PutConsent(update) = %v", err)
		}
		got, err := b.GetConsent(ctx, user, "client-b")
		if err != nil {
			t.Fatalf("GetConsent() = %v", err)
		}
		if !slices.Equal(got.Scopes, upd.Scopes) || !got.CreatedAt.Equal(at(0)) || !got.UpdatedAt.Equal(at(time.Hour)) {
			t.Errorf("GetConsent() = %+v, want scopes %v created %v updated %v", got, upd.Scopes, at(0), at(time.Hour))
		}
		list, err := b.ListConsents(ctx, user)
		if err != nil {
			t.Fatalf("ListConsents() = %v", err)
		}
		var clients []string
		for _, c := range list {
			clients = append(clients, c.ClientID)
		}
		if !slices.Equal(clients, []string{"client-a", "client-b"}) {
			t.Errorf("ListConsents() clients = %v, want [client-a client-b]", clients)
		}
		if err := b.DeleteConsent(ctx, user, "client-b"); err != nil {
			t.Fatalf("DeleteConsent() = %v", err)
		}
		if err := b.DeleteConsent(ctx, user, "client-b"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteConsent(again) = %v, want ErrNotFound", err)
		}
		if _, err := b.GetConsent(ctx, user, "client-b"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetConsent(deleted) = %v, want ErrNotFound", err)
		}
		if _, err := b.GetConsent(ctx, other, "client-a"); err != nil {
			t.Errorf("GetConsent(other user) = %v: deleting one consent touched another", err)
		}
	})

	t.Run("client-require-mfa", func(t *testing.T) {
		b := fresh(t, open)
		c := newClient("mfa-client")
		c.RequireMFA = true
		mustCreate(t, b, c)
		got, err := b.GetClient(t.Context(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.RequireMFA {
			t.Error("GetClient().RequireMFA = false, want true")
		}
	})

	t.Run("purge", func(t *testing.T) {
		b := fresh(t, open)
		ctx := t.Context()
		keep := newClient("kept")
		mustCreate(t, b, keep)
		for i := range 3 {
			c := newCode(byte(30 + i))
			c.KeepUntil = at(time.Duration(i+1) * time.Hour)
			if err := b.CreateCode(ctx, c); err != nil {
				t.Fatal(err)
			}
			s := newSession(byte(40+i), false)
			s.ExpiresAt = at(time.Duration(i+1) * time.Hour)
			if err := b.CreateSession(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		for _, clientID := range []string{keep.ID, "deleted-client"} {
			if err := b.PutConsent(ctx, authserver.Consent{UserID: "u", ClientID: clientID, Scopes: []string{"openid"},
				CreatedAt: at(0), UpdatedAt: at(0)}); err != nil {
				t.Fatal(err)
			}
		}
		wantCounts(t, b, map[string]int64{"authorization_codes": 3, "login_sessions": 3, "consents": 2})
		got, err := b.Purge(ctx, at(2*time.Hour), 1)
		if err != nil {
			t.Fatalf("Purge() = %v", err)
		}
		for table, n := range map[string]int64{"authorization_codes": 1, "login_sessions": 1, "consents": 1} {
			if got[table] != n {
				t.Errorf("Purge(batch 1) deleted %d %s, want %d", got[table], table, n)
			}
		}
		if _, err := b.Purge(ctx, at(2*time.Hour), 10); err != nil {
			t.Fatal(err)
		}
		// The consent of an existing client stays; of a deleted one, goes.
		wantCounts(t, b, map[string]int64{"authorization_codes": 1, "login_sessions": 1, "consents": 1})
		if _, err := b.GetConsent(ctx, "u", keep.ID); err != nil {
			t.Errorf("GetConsent(kept client) = %v", err)
		}
	})
}

// newCode returns a code issued at base whose id and hash derive from
// seed.
func newCode(seed byte) authserver.Code {
	return authserver.Code{
		ID: uuid.NewString(), Hash: hash(seed), ClientID: "client-" + string('a'+seed%26),
		RedirectURI: "https://app.example/cb?x=1&y='2'", Challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		Nonce: "n-0S6_WzA2Mj", Scope: []string{"openid", "orders:read"}, Subject: uuid.NewString(),
		AuthTime: at(-time.Minute), AMR: []string{"pwd", "otp"}, ACR: "urn:rempart:loa:2",
		CreatedAt: at(0), ExpiresAt: at(time.Minute), KeepUntil: at(24 * time.Hour),
	}
}

// newSession returns a session created at base.
func newSession(seed byte, pending bool) authserver.Session {
	return authserver.Session{
		Hash: hash(seed), UserID: uuid.NewString(), AuthTime: at(0), AMR: []string{"pwd"},
		ACR: "urn:rempart:loa:1", MFAPending: pending, CreatedAt: at(0), LastSeen: at(0), ExpiresAt: at(8 * time.Hour),
	}
}

// diffCode describes how got differs from want ("" when equal): times by
// Equal, the rest by reflect.DeepEqual.
func diffCode(got, want authserver.Code) string {
	for _, f := range []struct {
		name      string
		got, want time.Time
	}{
		{"AuthTime", got.AuthTime, want.AuthTime}, {"CreatedAt", got.CreatedAt, want.CreatedAt},
		{"ExpiresAt", got.ExpiresAt, want.ExpiresAt}, {"KeepUntil", got.KeepUntil, want.KeepUntil},
		{"UsedAt", got.UsedAt, want.UsedAt},
	} {
		if !f.got.Equal(f.want) {
			return f.name + ": got " + f.got.String() + ", want " + f.want.String()
		}
	}
	got.AuthTime, got.CreatedAt, got.ExpiresAt, got.KeepUntil, got.UsedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}
	want.AuthTime, want.CreatedAt, want.ExpiresAt, want.KeepUntil, want.UsedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		return fmt.Sprintf("got %+v, want %+v", got, want)
	}
	return ""
}

// diffSession describes how got differs from want ("" when equal).
func diffSession(got, want authserver.Session) string {
	for _, f := range []struct {
		name      string
		got, want time.Time
	}{
		{"AuthTime", got.AuthTime, want.AuthTime}, {"CreatedAt", got.CreatedAt, want.CreatedAt},
		{"LastSeen", got.LastSeen, want.LastSeen}, {"ExpiresAt", got.ExpiresAt, want.ExpiresAt},
	} {
		if !f.got.Equal(f.want) {
			return f.name + ": got " + f.got.String() + ", want " + f.want.String()
		}
	}
	got.AuthTime, got.CreatedAt, got.LastSeen, got.ExpiresAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	want.AuthTime, want.CreatedAt, want.LastSeen, want.ExpiresAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		return fmt.Sprintf("got %+v, want %+v", got, want)
	}
	return ""
}
