package authserver

import (
	"testing"
	"time"
)

// TestDenyListClientRevoked pins D1 for deleted clients: a client on the
// feed is refused after the next poll, until its entry expires; a stale
// deny-list refuses every client (D2).
func TestDenyListClientRevoked(t *testing.T) {
	ctx := t.Context()
	clk := newFakeClock(t0)
	feed := &fakeFeed{}
	feed.addClient("gone", t0.Add(time.Hour), t0.Add(-time.Minute))
	feed.addClient("long-gone", t0.Add(-time.Second), t0.Add(-time.Hour))
	d := NewDenyList(feed, clk.now, nil)

	t.Run("fail-closed/before-load", func(t *testing.T) {
		if !d.ClientRevoked("kept") {
			t.Error("an unloaded deny-list must refuse every client (D2)")
		}
	})
	t.Run("ok/initial-load", func(t *testing.T) {
		if err := d.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if !d.ClientRevoked("gone") || d.ClientRevoked("kept") || d.ClientRevoked("long-gone") {
			t.Errorf("ClientRevoked: gone=%v kept=%v long-gone(expired)=%v; want true false false",
				d.ClientRevoked("gone"), d.ClientRevoked("kept"), d.ClientRevoked("long-gone"))
		}
		if d.Revoked("gone") {
			t.Error("a revoked client id leaked into the jti set")
		}
	})
	t.Run("ok/new-revocation", func(t *testing.T) {
		clk.add(time.Second)
		feed.addClient("kept", clk.now().Add(time.Hour), clk.now())
		if d.ClientRevoked("kept") {
			t.Fatal("revoked before the poll saw it")
		}
		if err := d.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if !d.ClientRevoked("kept") || !d.ClientRevoked("gone") {
			t.Errorf("after poll: kept=%v gone=%v; want both revoked", d.ClientRevoked("kept"), d.ClientRevoked("gone"))
		}
	})
	t.Run("ok/expired-pruned", func(t *testing.T) {
		clk.add(2 * time.Hour)
		if err := d.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if d.ClientRevoked("gone") || d.ClientRevoked("kept") {
			t.Error("entries past their expiry still refused after a prune")
		}
	})
	t.Run("fail-closed/stale", func(t *testing.T) {
		feed.setFail(true)
		clk.add(DenyListMaxStale + time.Second)
		if err := d.Refresh(ctx); err == nil {
			t.Fatal("Refresh() = nil with the feed down")
		}
		if !d.ClientRevoked("never-revoked") {
			t.Error("a stale deny-list must refuse every client (D2)")
		}
	})
}
