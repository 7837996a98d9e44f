package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestObserveRequest(t *testing.T) {
	m := New()
	for i := 0; i < 3; i++ {
		m.ObserveRequest("gateway", "orders", 200, time.Millisecond)
	}
	m.ObserveRequest("gateway", "orders", 404, time.Millisecond)
	m.ObserveRequest("admin", "GET /healthz", 200, time.Millisecond)
	want := `
# HELP rempart_http_requests_total HTTP requests served, by role, route and status code.
# TYPE rempart_http_requests_total counter
rempart_http_requests_total{code="200",role="admin",route="GET /healthz"} 1
rempart_http_requests_total{code="200",role="gateway",route="orders"} 3
rempart_http_requests_total{code="404",role="gateway",route="orders"} 1
`
	if err := testutil.GatherAndCompare(m.Registry, strings.NewReader(want), "rempart_http_requests_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(m.latency); n != 2 {
		t.Errorf("latency series = %d, want 2 (gateway/orders, admin/healthz)", n)
	}
	var nilMetrics *Metrics
	nilMetrics.ObserveRequest("gateway", "x", 200, 0) // a nil Metrics records nothing
}

func BenchmarkObserveRequest(b *testing.B) {
	m := New()
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveRequest("gateway", "orders", 200, time.Millisecond)
	}
}
