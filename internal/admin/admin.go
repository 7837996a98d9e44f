package admin

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rempart/rempart/internal/metrics"
	"github.com/rempart/rempart/internal/web"
)

// DefaultCheckTimeout bounds each readiness check when Deps.CheckTimeout is 0.
const DefaultCheckTimeout = 2 * time.Second

// Check is one readiness dependency, e.g. {"store", store.Ping}. Fn must
// return when ctx is done; /readyz stops waiting for it then anyway.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Deps are the admin handler's dependencies.
type Deps struct {
	Checks       []Check
	Metrics      *metrics.Metrics // nil: no /metrics route
	Log          *slog.Logger     // nil: discard
	CheckTimeout time.Duration    // per check; 0 means DefaultCheckTimeout
}

// New returns the admin listener's handler. It panics when two checks share a
// name or a check has no name or function: that is a wiring bug.
func New(d Deps) http.Handler {
	log := d.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	timeout := d.CheckTimeout
	if timeout <= 0 {
		timeout = DefaultCheckTimeout
	}
	seen := map[string]bool{}
	for _, c := range d.Checks {
		if c.Name == "" || c.Fn == nil || seen[c.Name] {
			panic(fmt.Sprintf("admin: invalid or duplicate readiness check %q", c.Name))
		}
		seen[c.Name] = true
	}

	mux := http.NewServeMux()
	get := func(path string, h http.Handler) {
		mux.Handle("GET "+path, h) // GET patterns also match HEAD
		mux.Handle(path, methodNotAllowed("GET, HEAD"))
	}
	get("/healthz", http.HandlerFunc(healthz))
	get("/readyz", &readiness{checks: append([]Check(nil), d.Checks...), timeout: timeout, log: log})
	if d.Metrics != nil {
		get("/metrics", promhttp.HandlerFor(d.Metrics.Registry, promhttp.HandlerOpts{
			ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelError),
			ErrorHandling: promhttp.ContinueOnError, // never put collector errors in the body (R19)
		}))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		web.WriteProblem(w, r, http.StatusNotFound, "")
	})
	return noStore(mux)
}

// healthz answers liveness: the process runs and serves HTTP.
func healthz(w http.ResponseWriter, _ *http.Request) {
	web.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// methodNotAllowed answers a known path requested with another method.
func methodNotAllowed(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		web.WriteProblem(w, r, http.StatusMethodNotAllowed, "")
	})
}

// noStore marks every admin response as not cacheable: probes and metrics
// are point-in-time values.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}
