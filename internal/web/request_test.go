package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"github.com/google/uuid"
)

// uuidV4 is the textual form of a random (version 4, RFC 4122 variant) UUID.
var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestObserveRequestID checks R16 and the invariants of the package doc:
// a fresh random UUID per request, the same in the context and in
// X-Request-ID, sent once, never the caller's; security headers set.
func TestObserveRequestID(t *testing.T) {
	for _, tc := range []struct {
		name  string
		https bool
	}{{"ok/http", false}, {"ok/https", true}} {
		t.Run(tc.name, func(t *testing.T) {
			var seen []string
			h := Observe("test", nil, nil, tc.https, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ri := Info(r.Context())
				if ri.Local != nil || ri.Route != "" {
					t.Errorf("fresh RequestInfo = %+v", ri)
				}
				seen = append(seen, RequestID(r.Context()))
				w.WriteHeader(http.StatusTeapot)
			}))
			ids := map[string]bool{}
			for range 50 {
				req := httptest.NewRequest("GET", "/x", nil)
				req.Header.Set("X-Request-ID", "caller-chosen")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusTeapot {
					t.Fatalf("status %d", rec.Code)
				}
				got := rec.Header().Values("X-Request-ID")
				if len(got) != 1 || !uuidV4.MatchString(got[0]) {
					t.Fatalf("X-Request-ID = %q, want one random UUID", got)
				}
				if _, err := uuid.Parse(got[0]); err != nil {
					t.Fatalf("X-Request-ID %q: %v", got[0], err)
				}
				if got[0] != seen[len(seen)-1] {
					t.Fatalf("X-Request-ID %q, context id %q", got[0], seen[len(seen)-1])
				}
				if ids[got[0]] {
					t.Fatalf("id %q issued twice", got[0])
				}
				ids[got[0]] = true
				if v := rec.Header().Values("X-Content-Type-Options"); len(v) != 1 || v[0] != "nosniff" {
					t.Errorf("X-Content-Type-Options = %q", v)
				}
				hsts := rec.Header().Values("Strict-Transport-Security")
				if tc.https != (len(hsts) == 1 && hsts[0] == "max-age=63072000; includeSubDomains") || !tc.https && len(hsts) != 0 {
					t.Errorf("Strict-Transport-Security = %q with https %v", hsts, tc.https)
				}
			}
		})
	}
}

// TestSecurityHeaderValuesShared checks that a handler adding to or
// replacing a security header never changes another response's.
func TestSecurityHeaderValuesShared(t *testing.T) {
	a, b := http.Header{}, http.Header{}
	SetSecurityHeaders(a, true)
	SetSecurityHeaders(b, true)
	a.Add("X-Content-Type-Options", "other")
	a.Set("Strict-Transport-Security", "max-age=0")
	if got := b.Values("X-Content-Type-Options"); len(got) != 1 || got[0] != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q after another response's Add", got)
	}
	if got := b.Get("Strict-Transport-Security"); got != "max-age=63072000; includeSubDomains" {
		t.Errorf("Strict-Transport-Security = %q after another response's Set", got)
	}
	c := http.Header{}
	SetSecurityHeaders(c, false)
	if got := c.Get("X-Content-Type-Options"); got != "nosniff" || len(c) != 1 {
		t.Errorf("plain HTTP: %v", c)
	}
}

// TestInfoOutsideObserve checks the zero answer the gateway relies on to
// tell whether Observe is around.
func TestInfoOutsideObserve(t *testing.T) {
	ri := Info(context.Background())
	if ri == nil || ri.ID != "" || RequestID(context.Background()) != "" {
		t.Errorf("Info outside Observe = %+v", ri)
	}
}

// TestStatusRecorded checks the status the access log and metrics see.
func TestStatusRecorded(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    http.HandlerFunc
		want int
	}{
		{"ok/implicit-200", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("x")) }, 200},
		{"ok/nothing-written", func(http.ResponseWriter, *http.Request) {}, 200},
		{"ok/explicit", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(404); w.WriteHeader(500) }, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var obs recordingObserver
			Observe("test", nil, &obs, false, tc.h).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
			if obs.status != tc.want || obs.route != "unmatched" {
				t.Errorf("observed status %d route %q, want %d unmatched", obs.status, obs.route, tc.want)
			}
		})
	}
}

type recordingObserver struct {
	route  string
	status int
}

func (o *recordingObserver) ObserveRequest(_, route string, status int, _ time.Duration) {
	o.route, o.status = route, status
}
