// Package metrics owns Rempart's Prometheus collectors: requests by role,
// route and status, latency histograms, tokens issued and authentication
// failures by reason. One Metrics value is created per process and passed to
// the components that record into it; there is no global registry.
package metrics

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics holds the collectors and the registry they are registered in.
type Metrics struct {
	Registry     *prometheus.Registry
	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	tokensIssued *prometheus.CounterVec
	authFailures *prometheus.CounterVec
	reloads      *prometheus.CounterVec

	handlesMu sync.RWMutex // guards handles
	handles   map[requestKey]requestHandles
	store     storeMetrics // store.go
}

// New returns collectors registered in a fresh registry, with the Go runtime
// and process collectors.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rempart_http_requests_total",
			Help: "HTTP requests served, by role, route and status code.",
		}, []string{"role", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "rempart_http_request_duration_seconds",
			Help:    "HTTP request latency, by role and route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"role", "route"}),
		tokensIssued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rempart_tokens_issued_total",
			Help: "Access tokens issued, by grant type.",
		}, []string{"grant_type"}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rempart_auth_failures_total",
			Help: "Authentication failures, by role and reason.",
		}, []string{"role", "reason"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rempart_config_reloads_total",
			Help: "Configuration reloads, by result (applied, refused).",
		}, []string{"result"}),
	}
	m.Registry.MustRegister(m.requests, m.latency, m.tokensIssued, m.authFailures, m.reloads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.registerStore()
	return m
}

// ObserveRequest records one finished request (implements web.Observer).
// It runs on every request: the counter and histogram of each (role, route,
// status) are looked up once and then reused.
func (m *Metrics) ObserveRequest(role, route string, status int, elapsed time.Duration) {
	if m == nil {
		return
	}
	h := m.requestHandles(role, route, status)
	h.count.Inc()
	h.latency.Observe(elapsed.Seconds())
}

// requestKey identifies the cached handles of ObserveRequest.
type requestKey struct {
	role, route string
	status      int
}

type requestHandles struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

func (m *Metrics) requestHandles(role, route string, status int) requestHandles {
	k := requestKey{role, route, status}
	m.handlesMu.RLock()
	h, ok := m.handles[k]
	m.handlesMu.RUnlock()
	if ok {
		return h
	}
	h = requestHandles{
		count:   m.requests.WithLabelValues(role, route, strconv.Itoa(status)),
		latency: m.latency.WithLabelValues(role, route),
	}
	m.handlesMu.Lock()
	if m.handles == nil {
		m.handles = map[requestKey]requestHandles{}
	}
	m.handles[k] = h // routes are bounded by the configuration; statuses by HTTP
	m.handlesMu.Unlock()
	return h
}

// TokenIssued counts one access token issued through grantType.
func (m *Metrics) TokenIssued(grantType string) {
	if m == nil {
		return
	}
	m.tokensIssued.WithLabelValues(grantType).Inc()
}

// AuthFailed counts one authentication failure of role ("gateway",
// "authorization_server") for a low-cardinality reason ("expired",
// "bad_signature", "invalid_client", …).
func (m *Metrics) AuthFailed(role, reason string) {
	if m == nil {
		return
	}
	m.authFailures.WithLabelValues(role, reason).Inc()
}

// ConfigReload counts one configuration reload with its result.
func (m *Metrics) ConfigReload(result string) {
	if m == nil {
		return
	}
	m.reloads.WithLabelValues(result).Inc()
}
