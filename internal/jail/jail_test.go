package jail

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// clock is a settable time source safe for concurrent reads.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(t0.UnixNano())
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// fail records n failures of keys and returns the keys that entered jail.
func fail(j *Jail, n int, keys ...string) []string {
	var entered []string
	for range n {
		entered = append(entered, j.Fail(keys...)...)
	}
	return entered
}

// TestThreshold: R3 with the defaults (5 failures in 5m → 15m ban).
func TestThreshold(t *testing.T) {
	c := newClock()
	j := New(Config{}, 0, c.Now)
	const k = "user:alice"
	for i := 1; i <= 4; i++ {
		if got := j.Fail(k); got != nil {
			t.Fatalf("failure %d: entered = %q, want nil", i, got)
		}
		c.Advance(time.Second)
	}
	if d, jailed := j.Check(k); jailed {
		t.Fatalf("after 4 failures: jailed for %v, want free", d)
	}
	if got := j.Fail(k); !slices.Equal(got, []string{k}) {
		t.Fatalf("5th failure: entered = %q, want [%s]", got, k)
	}
	if d, jailed := j.Check(k); !jailed || d != DefaultBan {
		t.Fatalf("after 5th failure: Check = %v, %v; want %v, true", d, jailed, DefaultBan)
	}

	// Retry-After decreases during the ban.
	prev := DefaultBan
	for range 14 {
		c.Advance(time.Minute)
		d, jailed := j.Check(k)
		if !jailed || d != prev-time.Minute {
			t.Fatalf("during ban: Check = %v, %v; want %v, true", d, jailed, prev-time.Minute)
		}
		prev = d
	}
	c.Advance(time.Minute - time.Nanosecond)
	if d, jailed := j.Check(k); !jailed || d != time.Nanosecond {
		t.Fatalf("1ns before the end: Check = %v, %v; want 1ns, true", d, jailed)
	}
	c.Advance(time.Nanosecond)
	if d, jailed := j.Check(k); jailed || d != 0 {
		t.Fatalf("after ban: Check = %v, %v; want 0, false", d, jailed)
	}
	if n := j.Len(); n != 0 {
		t.Errorf("after ban with no recent failure: Len = %d, want 0", n)
	}
	// Free again: the count starts over.
	if got := fail(j, 4, k); got != nil {
		t.Fatalf("after ban, 4 failures: entered = %q, want nil", got)
	}
	if got := j.Fail(k); !slices.Equal(got, []string{k}) {
		t.Fatalf("after ban, 5th failure: entered = %q, want [%s]", got, k)
	}
}

// TestEnteredOnce: a failure during a ban extends it but is not a new entry.
func TestEnteredOnce(t *testing.T) {
	c := newClock()
	j := New(Config{MaxFailures: 3, Window: time.Minute, Ban: 10 * time.Minute}, 0, c.Now)
	if got := fail(j, 3, "ip:10.0.0.1"); len(got) != 1 {
		t.Fatalf("entered = %q, want once", got)
	}
	c.Advance(5 * time.Minute)
	if got := fail(j, 10, "ip:10.0.0.1"); got != nil {
		t.Fatalf("failures during ban: entered = %q, want nil", got)
	}
	if d, _ := j.Check("ip:10.0.0.1"); d != 10*time.Minute {
		t.Errorf("ban after failure during ban = %v, want extended to 10m from the last failure", d)
	}
}

// TestWindow: failures older than Window do not accumulate (sliding).
func TestWindow(t *testing.T) {
	c := newClock()
	j := New(Config{MaxFailures: 5, Window: 5 * time.Minute, Ban: 15 * time.Minute}, 0, c.Now)
	const k = "client:app"
	// One failure a minute and a quarter apart: never 5 within 5m.
	for i := range 40 {
		if got := j.Fail(k); got != nil {
			t.Fatalf("failure %d: entered = %q, want nil", i+1, got)
		}
		c.Advance(75 * time.Second)
	}
	if _, jailed := j.Check(k); jailed {
		t.Fatal("spread failures jailed")
	}

	// Sliding, not fixed: 1 failure at T, 3 at T+4m50 and 2 at T+5m10
	// are 5 within the 5m ending at T+5m10 (a window fixed at T would
	// have restarted and counted 2).
	j = New(Config{MaxFailures: 5, Window: 5 * time.Minute, Ban: 15 * time.Minute}, 0, c.Now)
	j.Fail(k)
	c.Advance(4*time.Minute + 50*time.Second)
	if got := fail(j, 3, k); got != nil {
		t.Fatalf("4 failures within 5m: entered = %q, want nil", got)
	}
	c.Advance(20 * time.Second)
	if got := j.Fail(k); got != nil {
		t.Fatalf("first failure dropped out, 4 within 5m: entered = %q, want nil", got)
	}
	if got := j.Fail(k); !slices.Equal(got, []string{k}) {
		t.Fatalf("5 failures within a sliding 5m: entered = %q, want [%s]", got, k)
	}

	// Exactly Window apart is outside.
	j = New(Config{MaxFailures: 2, Window: time.Minute, Ban: time.Hour}, 0, c.Now)
	j.Fail(k)
	c.Advance(time.Minute)
	if got := j.Fail(k); got != nil {
		t.Fatalf("failures exactly Window apart: entered = %q, want nil", got)
	}
	c.Advance(time.Minute - 1)
	if got := j.Fail(k); !slices.Equal(got, []string{k}) {
		t.Fatalf("failures just within Window: entered = %q, want [%s]", got, k)
	}
}

func TestIndependentKeys(t *testing.T) {
	c := newClock()
	j := New(Config{}, 0, c.Now)
	fail(j, 5, "user:alice")
	fail(j, 4, "user:bob")
	for _, tc := range []struct {
		key    string
		jailed bool
	}{
		{"user:alice", true},
		{"user:bob", false},
		{"client:alice", false},
		{"ip:alice", false},
	} {
		if _, jailed := j.Check(tc.key); jailed != tc.jailed {
			t.Errorf("Check(%s) jailed = %v, want %v", tc.key, jailed, tc.jailed)
		}
	}
}

// TestMultiKey: a request is jailed when its address or its principal is.
func TestMultiKey(t *testing.T) {
	c := newClock()
	j := New(Config{MaxFailures: 2, Window: time.Minute, Ban: 10 * time.Minute}, 0, c.Now)
	if got := fail(j, 2, "ip:203.0.113.9", "user:alice"); !slices.Equal(got, []string{"ip:203.0.113.9", "user:alice"}) {
		t.Fatalf("entered = %q, want both keys", got)
	}
	c.Advance(3 * time.Minute)
	fail(j, 2, "ip:198.51.100.1") // banned 10m from now

	for _, tc := range []struct {
		name   string
		keys   []string
		jailed bool
		left   time.Duration
	}{
		{"ok/address-jailed-principal-not", []string{"user:bob", "ip:203.0.113.9"}, true, 7 * time.Minute},
		{"ok/principal-jailed-address-not", []string{"user:alice", "ip:192.0.2.1"}, true, 7 * time.Minute},
		{"ok/longest-ban", []string{"ip:203.0.113.9", "ip:198.51.100.1"}, true, 10 * time.Minute},
		{"ok/none-jailed", []string{"user:bob", "ip:192.0.2.1"}, false, 0},
		{"ok/empty-keys-ignored", []string{"", "user:bob"}, false, 0},
		{"ok/no-keys", nil, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			left, jailed := j.Check(tc.keys...)
			if jailed != tc.jailed || left != tc.left {
				t.Errorf("Check(%q) = %v, %v; want %v, %v", tc.keys, left, jailed, tc.left, tc.jailed)
			}
		})
	}
}

// TestFailDistinct: a key repeated in one call counts once; empty keys
// are ignored and never stored.
func TestFailDistinct(t *testing.T) {
	j := New(Config{MaxFailures: 2}, 0, newClock().Now)
	if got := j.Fail("user:a", "user:a", ""); got != nil {
		t.Fatalf("entered = %q, want nil: the repeated key counted twice", got)
	}
	if n := j.Len(); n != 1 {
		t.Errorf("Len = %d, want 1", n)
	}
}

// TestCheckStoresNothing: checking unknown keys costs no memory, so a
// flood of requests with random principals cannot evict anything.
func TestCheckStoresNothing(t *testing.T) {
	j := New(Config{}, 0, newClock().Now)
	for i := range 1000 {
		j.Check(fmt.Sprintf("user:%d", i))
	}
	if n := j.Len(); n != 0 {
		t.Errorf("Len after Check of unknown keys = %d, want 0", n)
	}
}

func TestLongKeys(t *testing.T) {
	j := New(Config{MaxFailures: 2}, 0, newClock().Now)
	long := "user:" + strings.Repeat("x", 10_000)
	j.Fail(long)
	if got := j.Fail(long); !slices.Equal(got, []string{long}) {
		t.Fatal("long key: second failure did not enter jail under the caller's key")
	}
	if _, jailed := j.Check(long); !jailed {
		t.Fatal("long key: not jailed")
	}
	if _, jailed := j.Check(long + "y"); jailed {
		t.Fatal("other long key: jailed")
	}
	for i := range j.shards {
		for k := range j.shards[i].m {
			if len(k) > MaxKeyLen {
				t.Errorf("stored key of %d bytes, want at most %d", len(k), MaxKeyLen)
			}
		}
	}
}

// TestBoundedMemory: the jail never holds more than maxKeys keys.
func TestBoundedMemory(t *testing.T) {
	for _, max := range []int{1, 5, 64} {
		t.Run(fmt.Sprintf("ok/max-%d", max), func(t *testing.T) {
			j := New(Config{MaxFailures: 2}, max, newClock().Now)
			for i := range 20 * max {
				fail(j, 1+i%2, fmt.Sprintf("ip:%d", i)) // half of them banned
				if n := j.Len(); n > max {
					t.Fatalf("after %d keys: Len = %d, want <= %d", i+1, n, max)
				}
			}
		})
	}
}

// TestEvictionPrefersFree: R3, an attacker spraying random usernames
// cannot evict a jailed address.
func TestEvictionPrefersFree(t *testing.T) {
	c := newClock()
	const max = 64
	j := New(Config{}, max, c.Now)
	const addr = "ip:203.0.113.9"
	if got := fail(j, 5, addr); len(got) != 1 {
		t.Fatalf("entered = %q, want [%s]", got, addr)
	}
	for i := range 100 * max {
		j.Fail(fmt.Sprintf("user:spray-%d", i), "ip:198.51.100.7")
		if i%max == 0 {
			c.Advance(time.Second)
		}
	}
	if n := j.Len(); n > max {
		t.Errorf("Len = %d, want <= %d", n, max)
	}
	if _, jailed := j.Check(addr); !jailed {
		t.Fatal("jailed address evicted by a username spray")
	}
	if _, jailed := j.Check("ip:198.51.100.7"); !jailed {
		t.Fatal("spraying address not jailed")
	}
}

// TestEvictionBannedOnly: a shard full of bans evicts the ban that ends
// first, so memory stays bounded.
func TestEvictionBannedOnly(t *testing.T) {
	c := newClock()
	j := New(Config{MaxFailures: 1, Ban: time.Hour}, 1, c.Now)
	j.Fail("ip:a")
	c.Advance(time.Minute)
	j.Fail("ip:b")
	if n := j.Len(); n != 1 {
		t.Fatalf("Len = %d, want 1", n)
	}
	if _, jailed := j.Check("ip:b"); !jailed {
		t.Error("newest ban lost")
	}

	// An ended ban goes before a free key.
	j = New(Config{MaxFailures: 2, Window: time.Hour, Ban: time.Minute}, 32, c.Now) // 16 shards of 2
	s := &j.shards[0]
	for i := 0; len(s.m) < 2; i++ { // one banned and one free key in shard 0
		if i > 100_000 {
			t.Fatal("setup: shard 0 never filled")
		}
		k := fmt.Sprintf("k%d", i)
		if j.shardFor(k) == s {
			fail(j, 2-len(s.m), k)
		}
	}
	var banned, free string
	for k, e := range s.m {
		if e.onBan {
			banned = k
		} else {
			free = k
		}
	}
	if banned == "" || free == "" {
		t.Fatalf("setup: banned %q, free %q", banned, free)
	}
	c.Advance(2 * time.Minute) // the ban has ended, unseen by Check
	for i := 0; s.m[banned] != nil; i++ {
		if i > 100_000 {
			t.Fatal("no key for shard 0")
		}
		if k := fmt.Sprintf("new%d", i); j.shardFor(k) == s {
			j.Fail(k)
			break
		}
	}
	if s.m[banned] != nil || s.m[free] == nil {
		t.Errorf("after eviction: banned kept %v, free kept %v; want the ended ban evicted", s.m[banned] != nil, s.m[free] != nil)
	}
}

// TestConcurrent: R3 under -race; with a frozen clock every key enters
// jail exactly once however the failures interleave.
func TestConcurrent(t *testing.T) {
	c := newClock()
	j := New(Config{}, 1000, c.Now)
	var entered sync.Map
	var wg sync.WaitGroup
	var dup atomic.Int64
	for g := range 16 {
		wg.Go(func() {
			for i := range 200 {
				for _, k := range j.Fail(fmt.Sprintf("user:%d", i%20), fmt.Sprintf("ip:%d", g%4)) {
					if _, loaded := entered.LoadOrStore(k, true); loaded {
						dup.Add(1)
					}
				}
				j.Check(fmt.Sprintf("user:%d", i%20), "ip:0")
			}
		})
	}
	wg.Wait()
	if n := dup.Load(); n != 0 {
		t.Errorf("%d keys entered jail more than once", n)
	}
	n := 0
	entered.Range(func(any, any) bool { n++; return true })
	if n != 24 {
		t.Errorf("%d keys entered jail, want 24 (20 users, 4 addresses)", n)
	}
}

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"ok/zero", Config{}, true},
		{"ok/set", Config{MaxFailures: 3, Window: time.Minute, Ban: time.Hour}, true},
		{"fail/negative-max", Config{MaxFailures: -1}, false},
		{"fail/negative-window", Config{Window: -time.Second}, false},
		{"fail/negative-ban", Config{Ban: -time.Second}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.cfg.Validate(); (err == nil) != tc.ok {
				t.Errorf("Validate(%+v) = %v, want ok %v", tc.cfg, err, tc.ok)
			}
		})
	}
	got := New(Config{}, 0, nil).cfg
	want := Config{MaxFailures: DefaultMaxFailures, Window: DefaultWindow, Ban: DefaultBan}
	if got != want {
		t.Errorf("defaults = %+v, want %+v", got, want)
	}
}
