package ratelimit

import (
	"net/http"
	"testing"
	"time"
)

// TestSetHeaders: golden field values (draft-ietf-httpapi-ratelimit-headers-11
// §3, §4; RFC 9110 §10.2.3).
func TestSetHeaders(t *testing.T) {
	for _, tc := range []struct {
		name                     string
		policy                   string
		d                        Decision
		wantPolicy, wantRL, want string // want is Retry-After
	}{
		{
			name:       "ok/allowed",
			policy:     "orders",
			d:          Decision{Allowed: true, Limit: perMinute100, Remaining: 99, Reset: 600 * time.Millisecond},
			wantPolicy: `"orders";q=100;w=60`,
			wantRL:     `"orders";r=99;t=1`,
		},
		{
			name:       "ok/allowed-full-reset",
			policy:     "orders",
			d:          Decision{Allowed: true, Limit: perMinute100, Remaining: 0, Reset: time.Minute},
			wantPolicy: `"orders";q=100;w=60`,
			wantRL:     `"orders";r=0;t=60`,
		},
		{
			name:       "ok/denied",
			policy:     "orders",
			d:          Decision{Limit: perMinute100, RetryAfter: 600 * time.Millisecond, Reset: time.Minute},
			wantPolicy: `"orders";q=100;w=60`,
			wantRL:     `"orders";r=0;t=1`,
			want:       "1",
		},
		{
			name:       "ok/denied-long",
			policy:     "token",
			d:          Decision{Limit: Limit{Requests: 1, Per: time.Hour}, RetryAfter: 3599*time.Second + time.Millisecond, Reset: time.Hour},
			wantPolicy: `"token";q=1;w=3600`,
			wantRL:     `"token";r=0;t=3600`,
			want:       "3600",
		},
		{
			name:       "ok/sub-second-window",
			policy:     "fast",
			d:          Decision{Allowed: true, Limit: Limit{Requests: 5, Per: 100 * time.Millisecond}, Remaining: 4},
			wantPolicy: `"fast";q=5;w=1`,
			wantRL:     `"fast";r=4;t=0`,
		},
		{
			name:       "ok/escaped-name",
			policy:     "a\"b\\c\né",
			d:          Decision{Allowed: true, Limit: perMinute100, Remaining: 1, Reset: 2 * time.Second},
			wantPolicy: `"a\"b\\c___";q=100;w=60`,
			wantRL:     `"a\"b\\c___";r=1;t=2`,
		},
		{
			name:       "ok/empty-name",
			policy:     "",
			d:          Decision{Allowed: true, Limit: perMinute100, Remaining: 1, Reset: 2 * time.Second},
			wantPolicy: `"default";q=100;w=60`,
			wantRL:     `"default";r=1;t=2`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			h.Set("Retry-After", "stale")
			h.Set("RateLimit", "stale")
			SetHeaders(h, tc.policy, tc.d)
			if got := h.Get("RateLimit-Policy"); got != tc.wantPolicy {
				t.Errorf("RateLimit-Policy = %s, want %s", got, tc.wantPolicy)
			}
			if got := h.Values("RateLimit"); len(got) != 1 || got[0] != tc.wantRL {
				t.Errorf("RateLimit = %q, want [%s]", got, tc.wantRL)
			}
			wantRetry := tc.want
			if wantRetry == "" {
				wantRetry = "stale" // SetHeaders leaves Retry-After alone on allowed requests
			}
			if got := h.Get("Retry-After"); got != wantRetry {
				t.Errorf("Retry-After = %q, want %q", got, wantRetry)
			}
		})
	}
}

// TestSetHeadersFromLocal: the 101st request of 100/min, end to end.
func TestSetHeadersFromLocal(t *testing.T) {
	l := &Local{Now: newClock(t0).Now}
	var d Decision
	for range 101 {
		d = allow(t, l, "k", perMinute100)
	}
	h := http.Header{}
	SetHeaders(h, "orders", d)
	for name, want := range map[string]string{
		"RateLimit-Policy": `"orders";q=100;w=60`,
		"RateLimit":        `"orders";r=0;t=1`,
		"Retry-After":      "1",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
}
