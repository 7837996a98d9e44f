package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/authserver"
	"github.com/rempart/rempart/internal/store"
)

// runClientRevocation pins DeleteClient's revocation (D1): in the same
// transaction as the delete, the client joins the revoked-clients feed for
// authserver.RevokedClientRetention, and its families, refresh tokens and
// opaque access tokens are revoked, their jtis deny-listed; other clients
// keep theirs; deleting an absent client writes nothing; the purge drops
// the entry once expired.
func runClientRevocation(t *testing.T, open func(t *testing.T) Backend) {
	t.Run("delete-revokes-tokens", func(t *testing.T) {
		b := fresh(t, open)
		ctx := t.Context()
		gone, kept := newClient("gone"), newClient("kept")
		mustCreate(t, b, gone)
		mustCreate(t, b, kept)
		g, other := newGrant(150, true), newGrant(151, true)
		setGrantClient(&g, gone.ID)
		setGrantClient(&other, kept.ID)
		mustCreateGrant(t, b, g)
		mustCreateGrant(t, b, other)
		opaque, otherOpaque := newAccess("", 152), newAccess("", 153)
		opaque.ClientID, otherOpaque.ClientID = gone.ID, kept.ID
		for _, a := range []authserver.AccessToken{opaque, otherOpaque} {
			if err := b.CreateAccessToken(ctx, a); err != nil {
				t.Fatalf("CreateAccessToken() = %v", err)
			}
		}

		before := time.Now()
		if err := b.DeleteClient(ctx, gone.ID); err != nil {
			t.Fatalf("DeleteClient() = %v", err)
		}
		after := time.Now()

		feed, err := b.RevokedClientsSince(ctx, time.Time{})
		if err != nil || len(feed) != 1 || feed[0].ClientID != gone.ID {
			t.Fatalf("RevokedClientsSince(zero) = %+v, %v; want only %s", feed, err, gone.ID)
		}
		e := feed[0]
		if e.RevokedAt.Before(before) || e.RevokedAt.After(after) {
			t.Errorf("RevokedAt = %v, want between %v and %v", e.RevokedAt, before, after)
		}
		if want := e.RevokedAt.Add(authserver.RevokedClientRetention); !e.ExpiresAt.Equal(want) {
			t.Errorf("ExpiresAt = %v, want RevokedAt + retention = %v", e.ExpiresAt, want)
		}
		if later, err := b.RevokedClientsSince(ctx, after.Add(time.Second)); err != nil || len(later) != 0 {
			t.Errorf("RevokedClientsSince(after) = %+v, %v; want none", later, err)
		}

		if got := mustRefresh(t, b, g.Refresh.Hash); got.RevokedAt.IsZero() {
			t.Error("refresh token of the deleted client not revoked")
		}
		if got, err := b.AccessTokenByHash(ctx, opaque.Hash); err != nil || got.RevokedAt.IsZero() {
			t.Errorf("opaque token of the deleted client: RevokedAt = %v, %v; want set", got.RevokedAt, err)
		}
		wantRevokedJTIs(t, b, g.Access.JTI, opaque.JTI)

		if got := mustRefresh(t, b, other.Refresh.Hash); !got.RevokedAt.IsZero() {
			t.Error("refresh token of another client revoked")
		}
		for _, jti := range []string{other.Access.JTI, otherOpaque.JTI} {
			if revoked, err := b.JTIRevoked(ctx, jti); err != nil || revoked {
				t.Errorf("JTIRevoked(other client's %s) = %v, %v; want false", jti, revoked, err)
			}
		}

		// The purge keeps the entry until it expires, then drops it (T3).
		if _, err := b.Purge(ctx, e.ExpiresAt.Add(-time.Second), 100); err != nil {
			t.Fatalf("Purge() = %v", err)
		}
		wantCounts(t, b, map[string]int64{"revoked_clients": 1})
		if _, err := b.Purge(ctx, e.ExpiresAt, 100); err != nil {
			t.Fatalf("Purge() = %v", err)
		}
		wantCounts(t, b, map[string]int64{"revoked_clients": 0})
	})

	t.Run("delete-absent-writes-nothing", func(t *testing.T) {
		b := fresh(t, open)
		if err := b.DeleteClient(t.Context(), uuid.NewString()); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("DeleteClient(unknown) = %v, want ErrNotFound", err)
		}
		if feed, err := b.RevokedClientsSince(t.Context(), time.Time{}); err != nil || len(feed) != 0 {
			t.Errorf("RevokedClientsSince() = %+v, %v; want none", feed, err)
		}
	})

	t.Run("feed-since", func(t *testing.T) {
		b := fresh(t, open)
		first, second := newClient("first"), newClient("second")
		mustCreate(t, b, first)
		mustCreate(t, b, second)
		for _, c := range []authserver.Client{first, second} {
			if err := b.DeleteClient(t.Context(), c.ID); err != nil {
				t.Fatal(err)
			}
		}
		all, err := b.RevokedClientsSince(t.Context(), time.Time{})
		if err != nil || len(all) != 2 || all[0].ClientID != first.ID || all[1].ClientID != second.ID {
			t.Fatalf("RevokedClientsSince(zero) = %+v, %v; want both, oldest first", all, err)
		}
		last := all[1].RevokedAt
		since, err := b.RevokedClientsSince(t.Context(), last)
		if err != nil || !slices.ContainsFunc(since, func(c authserver.RevokedClient) bool { return c.ClientID == second.ID }) {
			t.Errorf("RevokedClientsSince(its RevokedAt) = %+v, %v; want it included", since, err)
		}
		if none, err := b.RevokedClientsSince(t.Context(), last.Add(time.Nanosecond)); err != nil || len(none) != 0 {
			t.Errorf("RevokedClientsSince(after the last) = %+v, %v; want none", none, err)
		}
	})
}

// setGrantClient makes every part of g belong to clientID.
func setGrantClient(g *authserver.Grant, clientID string) {
	g.Family.ClientID, g.Access.ClientID = clientID, clientID
	if g.Refresh != nil {
		g.Refresh.ClientID = clientID
	}
}
