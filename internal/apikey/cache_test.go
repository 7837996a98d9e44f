package apikey

import (
	"fmt"
	"testing"
	"time"
)

func TestTTLCache(t *testing.T) {
	t.Run("ok/expiry", func(t *testing.T) {
		c := newTTLCache[int](4)
		c.put("a", 1, t0.Add(time.Second), t0)
		if v, ok := c.get("a", t0.Add(999*time.Millisecond)); !ok || v != 1 {
			t.Errorf("get before expiry = %d, %v; want 1, true", v, ok)
		}
		if _, ok := c.get("a", t0.Add(time.Second)); ok {
			t.Error("get at expiry found the entry, want it gone")
		}
	})
	t.Run("ok/evicts-oldest", func(t *testing.T) {
		c := newTTLCache[int](3)
		for i := range 5 {
			c.put(fmt.Sprint(i), i, t0.Add(time.Hour), t0)
		}
		for i, want := range []bool{false, false, true, true, true} {
			if _, ok := c.get(fmt.Sprint(i), t0); ok != want {
				t.Errorf("get(%d) found = %v, want %v", i, ok, want)
			}
		}
		if c.len() != 3 {
			t.Errorf("len = %d, want 3", c.len())
		}
	})
	t.Run("ok/drops-expired-first", func(t *testing.T) {
		c := newTTLCache[int](3)
		c.put("old", 0, t0.Add(time.Second), t0)
		c.put("a", 1, t0.Add(3*time.Second), t0.Add(2*time.Second))
		if c.len() != 1 {
			t.Errorf("len = %d after a put past the first expiry, want 1", c.len())
		}
	})
	t.Run("ok/replaced-entry-survives-old-item", func(t *testing.T) {
		c := newTTLCache[int](2)
		c.put("k", 1, t0.Add(time.Hour), t0)
		c.put("k", 2, t0.Add(time.Hour), t0) // ring: k#1 (stale), k#2
		c.put("x", 3, t0.Add(time.Hour), t0) // pops k#1: must keep k#2
		if v, ok := c.get("k", t0); !ok || v != 2 {
			t.Errorf("get(k) = %d, %v; want 2, true", v, ok)
		}
		c.put("y", 4, t0.Add(time.Hour), t0) // pops k#2
		if _, ok := c.get("k", t0); ok {
			t.Error("get(k) after its item left the ring found it")
		}
		if c.len() > 2 {
			t.Errorf("len = %d, bound 2", c.len())
		}
	})
	t.Run("ok/clock-backwards-still-bounded", func(t *testing.T) {
		c := newTTLCache[int](4)
		for i := range 100 {
			now := t0.Add(time.Duration(50-i) * time.Second)
			c.put(fmt.Sprint(i%7), i, now.Add(time.Second), now)
			if c.len() > 4 {
				t.Fatalf("len = %d, bound 4", c.len())
			}
		}
	})
}
