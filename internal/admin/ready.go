package admin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/rempart/rempart/internal/web"
)

// ErrDegraded is returned (wrapped) by a check whose dependency is down but
// has a safe fallback, e.g. Redis with per-node limits (D3). /readyz reports
// that check as "degraded" and stays ready.
var ErrDegraded = errors.New("admin: degraded")

// errCheckPanicked reports a check that panicked instead of returning.
var errCheckPanicked = errors.New("admin: readiness check panicked")

// Status words of /readyz. They are fixed strings: a check's error text is
// never sent (R19).
const (
	statusOK          = "ok"
	statusDegraded    = "degraded"
	statusUnavailable = "unavailable"
)

type readyBody struct {
	Status string            `json:"status"` // "ready" or "not_ready"
	Checks map[string]string `json:"checks"`
}

// readiness serves /readyz.
type readiness struct {
	checks  []Check
	timeout time.Duration
	log     *slog.Logger
}

func (h *readiness) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body := readyBody{Status: "ready", Checks: make(map[string]string, len(h.checks))}
	errs := make([]error, len(h.checks))
	var wg sync.WaitGroup
	for i, c := range h.checks {
		wg.Go(func() { errs[i] = runCheck(r.Context(), c, h.timeout) })
	}
	wg.Wait()

	code := http.StatusOK
	for i, c := range h.checks {
		err := errs[i]
		switch {
		case err == nil:
			body.Checks[c.Name] = statusOK
			continue
		case errors.Is(err, ErrDegraded):
			body.Checks[c.Name] = statusDegraded
		default:
			body.Checks[c.Name] = statusUnavailable
			body.Status, code = "not_ready", http.StatusServiceUnavailable
		}
		h.log.LogAttrs(r.Context(), slog.LevelWarn, "readiness check failed",
			slog.String("request_id", web.RequestID(r.Context())),
			slog.String("check", c.Name),
			slog.String("status", body.Checks[c.Name]),
			slog.Any("error", err))
	}
	web.WriteJSON(w, code, body)
}

// runCheck runs c under timeout and returns its error, or the context's error
// as soon as the deadline passes even if c.Fn ignores its context (the
// goroutine then ends when c.Fn returns). A panic in c.Fn is an error.
func runCheck(ctx context.Context, c Check, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan error, 1) // buffered: a late result never blocks the goroutine
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("%w: %v", errCheckPanicked, p)
			}
		}()
		done <- c.Fn(ctx)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("admin: check did not finish within %v: %w", timeout, ctx.Err())
	}
}
