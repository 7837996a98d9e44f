package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// clock is a settable time source safe for concurrent reads.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

var perMinute100 = Limit{Requests: 100, Per: time.Minute}

// allow calls Allow and fails the test on error.
func allow(t *testing.T, l *Local, key string, lim Limit) Decision {
	t.Helper()
	d, err := l.Allow(context.Background(), key, lim)
	if err != nil {
		t.Fatalf("Allow(%q, %+v) error: %v", key, lim, err)
	}
	return d
}

// TestGCRAExact: R11, 100/min with the default burst.
func TestGCRAExact(t *testing.T) {
	c := newClock(t0)
	l := &Local{Now: c.Now}
	for i := 1; i <= 100; i++ {
		d := allow(t, l, "k", perMinute100)
		if !d.Allowed {
			t.Fatalf("request %d denied, want allowed", i)
		}
		if d.Remaining != 100-i {
			t.Errorf("request %d: Remaining = %d, want %d", i, d.Remaining, 100-i)
		}
		if want := time.Duration(i) * 600 * time.Millisecond; d.Reset != want {
			t.Errorf("request %d: Reset = %v, want %v", i, d.Reset, want)
		}
		if d.RetryAfter != 0 {
			t.Errorf("request %d: RetryAfter = %v, want 0", i, d.RetryAfter)
		}
	}
	d := allow(t, l, "k", perMinute100)
	if d.Allowed || d.RetryAfter != 600*time.Millisecond || d.Remaining != 0 {
		t.Fatalf("101st = %+v, want denied with RetryAfter 600ms, Remaining 0", d)
	}
	if d.Limit != perMinute100 {
		t.Errorf("Decision.Limit = %+v, want %+v", d.Limit, perMinute100)
	}

	c.Advance(599 * time.Millisecond)
	if d := allow(t, l, "k", perMinute100); d.Allowed || d.RetryAfter != time.Millisecond {
		t.Fatalf("after 599ms = %+v, want denied with RetryAfter 1ms", d)
	}
	c.Advance(time.Millisecond)
	if d := allow(t, l, "k", perMinute100); !d.Allowed {
		t.Fatalf("after 600ms = %+v, want allowed", d)
	}
	if d := allow(t, l, "k", perMinute100); d.Allowed || d.RetryAfter != 600*time.Millisecond {
		t.Fatalf("second request after 600ms = %+v, want denied with RetryAfter 600ms", d)
	}

	// Steady rate: one request every 600ms is always allowed, a second
	// one in the same instant never is.
	for i := range 200 {
		c.Advance(600 * time.Millisecond)
		if d := allow(t, l, "k", perMinute100); !d.Allowed {
			t.Fatalf("steady request %d denied", i)
		}
		if d := allow(t, l, "k", perMinute100); d.Allowed {
			t.Fatalf("extra request %d allowed", i)
		}
	}

	// Idle for a whole period: the full burst is back.
	c.Advance(time.Minute)
	for i := range 100 {
		if d := allow(t, l, "k", perMinute100); !d.Allowed {
			t.Fatalf("after idle period: request %d denied", i+1)
		}
	}
	if d := allow(t, l, "k", perMinute100); d.Allowed {
		t.Fatal("after idle period: 101st allowed")
	}
}

func TestBurst(t *testing.T) {
	for _, tc := range []struct {
		name    string
		lim     Limit
		allowed int
		retry   time.Duration
	}{
		{"ok/burst-smaller", Limit{Requests: 100, Per: time.Minute, Burst: 10}, 10, 600 * time.Millisecond},
		{"ok/burst-one", Limit{Requests: 10, Per: time.Second, Burst: 1}, 1, 100 * time.Millisecond},
		{"ok/burst-larger", Limit{Requests: 10, Per: time.Second, Burst: 25}, 25, 100 * time.Millisecond},
		{"ok/one-per-hour", Limit{Requests: 1, Per: time.Hour}, 1, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock(t0)
			l := &Local{Now: c.Now}
			for i := range tc.allowed {
				d := allow(t, l, "k", tc.lim)
				if !d.Allowed {
					t.Fatalf("request %d denied", i+1)
				}
				if want := tc.allowed - i - 1; d.Remaining != want {
					t.Errorf("request %d: Remaining = %d, want %d", i+1, d.Remaining, want)
				}
			}
			d := allow(t, l, "k", tc.lim)
			if d.Allowed || d.RetryAfter != tc.retry {
				t.Fatalf("request %d = %+v, want denied with RetryAfter %v", tc.allowed+1, d, tc.retry)
			}
			c.Advance(tc.retry)
			if d := allow(t, l, "k", tc.lim); !d.Allowed {
				t.Fatalf("after RetryAfter = %+v, want allowed", d)
			}
		})
	}
}

func TestIndependentKeys(t *testing.T) {
	c := newClock(t0)
	l := &Local{Now: c.Now}
	lim := Limit{Requests: 3, Per: time.Second}
	for range 3 {
		allow(t, l, "orders|client:a", lim)
	}
	if d := allow(t, l, "orders|client:a", lim); d.Allowed {
		t.Fatal("client a: 4th request allowed")
	}
	for _, k := range []string{"orders|client:b", "billing|client:a", "orders|ip:a"} {
		if d := allow(t, l, k, lim); !d.Allowed || d.Remaining != 2 {
			t.Errorf("%s: %+v, want allowed with Remaining 2", k, d)
		}
	}
}

func TestLongKeys(t *testing.T) {
	c := newClock(t0)
	l := &Local{Now: c.Now}
	lim := Limit{Requests: 1, Per: time.Hour}
	long := strings.Repeat("x", 10_000)
	if d := allow(t, l, long, lim); !d.Allowed {
		t.Fatal("long key: first request denied")
	}
	if d := allow(t, l, long, lim); d.Allowed {
		t.Fatal("long key: second request allowed: the digest does not identify the key")
	}
	if d := allow(t, l, long+"y", lim); !d.Allowed {
		t.Fatal("other long key: first request denied")
	}
	for i := range l.shards {
		for k := range l.shards[i].m {
			if len(k) > MaxKeyLen {
				t.Errorf("stored key of %d bytes, want at most %d", len(k), MaxKeyLen)
			}
		}
	}
}

// TestBoundedMemory: inserting 10×MaxKeys keys keeps at most MaxKeys.
func TestBoundedMemory(t *testing.T) {
	for _, max := range []int{1, 7, 16, 1000} {
		t.Run(fmt.Sprintf("ok/max-%d", max), func(t *testing.T) {
			c := newClock(t0)
			l := &Local{MaxKeys: max, Now: c.Now}
			for i := range 10 * max {
				allow(t, l, fmt.Sprintf("ip:%d", i), perMinute100)
				if n := l.Len(); n > max {
					t.Fatalf("after %d keys: Len = %d, want <= %d", i+1, n, max)
				}
			}
			if n := l.Len(); n < max/2 {
				t.Errorf("Len = %d, want close to %d", n, max)
			}
		})
	}
	t.Run("ok/default", func(t *testing.T) {
		l := &Local{Now: newClock(t0).Now}
		allow(t, l, "k", perMinute100)
		if got := len(l.shards) * l.shards[0].cap; got != DefaultMaxKeys {
			t.Errorf("capacity = %d, want %d", got, DefaultMaxKeys)
		}
	})
}

// TestEvictionForgets: an evicted key starts again with a full burst, and
// the least recently used key is the one evicted.
func TestEvictionForgets(t *testing.T) {
	c := newClock(t0)
	l := &Local{MaxKeys: 2, Now: c.Now} // 2 shards of 1 key each
	lim := Limit{Requests: 1, Per: time.Hour}
	allow(t, l, "a", lim)
	if d := allow(t, l, "a", lim); d.Allowed {
		t.Fatal("a: second request allowed")
	}
	// Fill a's shard with other keys until a is evicted.
	for i := 0; l.shards[0].m["a"] != nil || l.shards[1].m["a"] != nil; i++ {
		if i > 1000 {
			t.Fatal("a never evicted")
		}
		allow(t, l, fmt.Sprintf("other:%d", i), lim)
	}
	if d := allow(t, l, "a", lim); !d.Allowed {
		t.Fatal("a after eviction: denied, want a fresh burst")
	}
}

// TestConcurrentSameKey: R11 under -race; with the clock frozen exactly
// the burst is allowed, however many goroutines ask.
func TestConcurrentSameKey(t *testing.T) {
	c := newClock(t0)
	l := &Local{MaxKeys: 64, Now: c.Now}
	lim := Limit{Requests: 100, Per: time.Minute, Burst: 50}
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for range 100 {
				d, err := l.Allow(context.Background(), "k", lim)
				if err != nil {
					t.Error(err)
					return
				}
				if d.Allowed {
					allowed.Add(1)
				}
				// Other keys churn the same shards concurrently.
				l.Allow(context.Background(), fmt.Sprintf("churn:%d", allowed.Load()%8), lim)
			}
		})
	}
	wg.Wait()
	if got := allowed.Load(); got != 50 {
		t.Errorf("allowed %d requests with a frozen clock, want exactly the burst 50", got)
	}
}

func TestInvalidLimit(t *testing.T) {
	for _, tc := range []struct {
		name string
		lim  Limit
	}{
		{"fail/zero", Limit{}},
		{"fail/requests-zero", Limit{Per: time.Second}},
		{"fail/requests-negative", Limit{Requests: -1, Per: time.Second}},
		{"fail/per-zero", Limit{Requests: 1}},
		{"fail/per-negative", Limit{Requests: 1, Per: -time.Second}},
		{"fail/burst-negative", Limit{Requests: 1, Per: time.Second, Burst: -1}},
		{"fail/sub-nanosecond", Limit{Requests: 1000, Per: time.Microsecond / 2}},
		{"fail/overflow", Limit{Requests: 1, Per: 1000 * time.Hour, Burst: 1 << 40}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := &Local{Now: newClock(t0).Now}
			d, err := l.Allow(context.Background(), "k", tc.lim)
			if !errors.Is(err, ErrInvalidLimit) {
				t.Fatalf("Allow(%+v) error = %v, want ErrInvalidLimit", tc.lim, err)
			}
			if d.Allowed {
				t.Errorf("Allow(%+v) allowed with an error", tc.lim)
			}
			if n := l.Len(); n != 0 {
				t.Errorf("Len = %d after invalid limit, want 0", n)
			}
		})
	}
	if err := perMinute100.Validate(); err != nil {
		t.Errorf("Validate(%+v) = %v, want nil", perMinute100, err)
	}
}

// TestClockBackwards: a clock stepping back never allows more than the
// burst.
func TestClockBackwards(t *testing.T) {
	c := newClock(t0)
	l := &Local{Now: c.Now}
	lim := Limit{Requests: 2, Per: time.Second}
	allow(t, l, "k", lim)
	allow(t, l, "k", lim)
	c.Advance(-time.Hour)
	if d := allow(t, l, "k", lim); d.Allowed {
		t.Fatalf("after clock step back: %+v, want denied", d)
	}
}
