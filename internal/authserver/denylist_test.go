package authserver

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeFeed is a RevocationFeed over a list; it can fail.
type fakeFeed struct {
	mu      sync.Mutex // guards the fields below
	entries []RevokedJTI
	clients []RevokedClient
	fail    bool
	since   []time.Time // every since asked
}

func (f *fakeFeed) add(jti string, exp, revoked time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.entries = append(f.entries, RevokedJTI{JTI: jti, ExpiresAt: exp, RevokedAt: revoked})
}

func (f *fakeFeed) addClient(id string, exp, revoked time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clients = append(f.clients, RevokedClient{ClientID: id, ExpiresAt: exp, RevokedAt: revoked})
}

func (f *fakeFeed) RevokedClientsSince(_ context.Context, since time.Time) ([]RevokedClient, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return nil, errMemDown
	}
	var out []RevokedClient
	for _, c := range f.clients {
		if !c.RevokedAt.Before(since) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeFeed) setFail(fail bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fail
}

func (f *fakeFeed) RevokedJTIsSince(_ context.Context, since time.Time) ([]RevokedJTI, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.since = append(f.since, since)
	if f.fail {
		return nil, errMemDown
	}
	var out []RevokedJTI
	for _, e := range f.entries {
		if !e.RevokedAt.Before(since) {
			out = append(out, e)
		}
	}
	return out, nil
}

// fakeClock is a settable clock.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock(at time.Time) *fakeClock {
	c := &fakeClock{}
	c.set(at)
	return c
}
func (c *fakeClock) now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) set(at time.Time)    { c.ns.Store(at.UnixNano()) }
func (c *fakeClock) add(d time.Duration) { c.ns.Add(int64(d)) }

func TestDenyList(t *testing.T) {
	ctx := t.Context()
	clk := newFakeClock(t0)
	feed := &fakeFeed{}
	feed.add("old", t0.Add(time.Hour), t0.Add(-time.Hour))
	feed.add("expired", t0.Add(-time.Minute), t0.Add(-2*time.Hour))
	d := NewDenyList(feed, clk.now, nil)

	t.Run("fail-closed/before-load", func(t *testing.T) {
		if !d.Revoked("anything") || d.Ready() == nil {
			t.Error("an unloaded deny-list must refuse every jti and not be ready (D2)")
		}
	})
	t.Run("ok/initial-load", func(t *testing.T) {
		if err := d.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if !d.Revoked("old") || d.Revoked("fresh-token") || d.Ready() != nil {
			t.Errorf("Revoked(old)=%v Revoked(fresh)=%v Ready=%v", d.Revoked("old"), d.Revoked("fresh-token"), d.Ready())
		}
		if d.Revoked("expired") || d.Len() != 1 {
			t.Errorf("expired entry loaded: len %d", d.Len())
		}
		if !feed.since[0].IsZero() {
			t.Errorf("first poll since %v, want the zero time (full load)", feed.since[0])
		}
	})
	t.Run("ok/new-revocation", func(t *testing.T) {
		clk.add(250 * time.Millisecond)
		feed.add("new", t0.Add(time.Hour), clk.now())
		if d.Revoked("new") {
			t.Fatal("seen before the poll")
		}
		if err := d.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if !d.Revoked("new") {
			t.Error("not seen after the poll")
		}
		if want := t0.Add(-denyListOverlap); !feed.since[1].Equal(want) {
			t.Errorf("second poll since %v, want previous poll - overlap %v", feed.since[1], want)
		}
	})
	t.Run("ok/late-commit-within-overlap", func(t *testing.T) {
		// A revocation stamped before the previous poll but committed
		// after it is still seen.
		feed.add("late", t0.Add(time.Hour), clk.now().Add(-5*time.Second))
		clk.add(250 * time.Millisecond)
		if err := d.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if !d.Revoked("late") {
			t.Error("late commit missed")
		}
	})
	t.Run("fail-closed/stale", func(t *testing.T) {
		feed.setFail(true)
		clk.add(2 * time.Second)
		if err := d.Refresh(ctx); err == nil {
			t.Fatal("Refresh succeeded on a failing feed")
		}
		if d.Revoked("fresh-token") || d.Ready() != nil {
			t.Error("refused before DenyListMaxStale")
		}
		clk.add(DenyListMaxStale)
		if !d.Revoked("fresh-token") || d.Ready() == nil {
			t.Error("a stale deny-list must refuse every jti and not be ready (D2)")
		}
		feed.setFail(false)
		if err := d.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if d.Revoked("fresh-token") || !d.Revoked("new") || d.Ready() != nil {
			t.Error("not recovered after a successful poll")
		}
	})
	t.Run("ok/prune-expired", func(t *testing.T) {
		clk.set(t0.Add(2 * time.Hour))
		if err := d.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if d.Len() != 0 || len(d.snapshotJTIs()) != 0 {
			t.Errorf("expired entries kept: %v", d.snapshotJTIs())
		}
	})
}

func TestDenyListRun(t *testing.T) {
	// Run polls on its own: a revocation is seen well within D1's 1 s.
	feed := &fakeFeed{}
	d := NewDenyList(feed, time.Now, nil)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx, 10*time.Millisecond)
	}()
	waitFor(t, time.Second, func() bool { return d.Ready() == nil })
	feed.add("jti-1", time.Now().Add(time.Hour), time.Now())
	took := waitFor(t, time.Second, func() bool { return d.Revoked("jti-1") })
	t.Logf("revocation seen after %v", took)
	cancel()
	<-done
}

func BenchmarkDenyListRevoked(b *testing.B) {
	feed := &fakeFeed{}
	for i := range 10_000 {
		feed.add(string(rune('a'+i%26))+time.Duration(i).String(), t0.Add(time.Hour), t0)
	}
	d := NewDenyList(feed, func() time.Time { return t0 }, nil)
	if err := d.Refresh(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if d.Revoked("not-there") {
				b.Fatal("revoked")
			}
		}
	})
}
