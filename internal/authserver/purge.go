package authserver

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/rempart/rempart/internal/metrics"
)

// Purge defaults (T3).
const (
	// DefaultPurgeBatch is the most rows one statement deletes per table.
	DefaultPurgeBatch = 1000
	// DefaultPurgeEvery is how often Run purges.
	DefaultPurgeEvery = time.Minute
	// maxPurgeRounds bounds one PurgeOnce, so that a huge backlog is
	// worked off over several runs rather than in one long burst.
	maxPurgeRounds = 100
)

// PurgeStats counts rows by table.
type PurgeStats map[string]int64

// PurgeStore deletes what has outlived its use (T3).
type PurgeStore interface {
	// Purge deletes, per table, at most batch rows that are expired at now
	// (refresh tokens, token families, access-token records, deny-list
	// entries, client-assertion jtis, and whatever else the store keeps
	// for a limited time) and reports how many it deleted per table.
	Purge(ctx context.Context, now time.Time, batch int) (PurgeStats, error)
	// CountRows returns the number of rows of each purged table.
	CountRows(ctx context.Context) (map[string]int64, error)
}

// Purger purges the store continuously (T3), so that its token tables hold
// about issue rate × lifetime rows rather than everything ever issued, and
// exports the row counts (rempart_store_rows) and the purge rate
// (rempart_purged_rows_total).
type Purger struct {
	st      PurgeStore
	metrics *metrics.Metrics
	now     func() time.Time
	log     *slog.Logger
	batch   int
}

// NewPurger returns a Purger of st; m, now and log may be nil.
func NewPurger(st PurgeStore, m *metrics.Metrics, now func() time.Time, log *slog.Logger) *Purger {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Purger{st: st, metrics: m, now: now, log: log, batch: DefaultPurgeBatch}
}

// PurgeOnce deletes expired rows in batches, repeating while some table
// filled its batch (at most maxPurgeRounds times), then updates the row
// counts. It returns the rows deleted per table.
func (p *Purger) PurgeOnce(ctx context.Context) (PurgeStats, error) {
	total := PurgeStats{}
	now := p.now()
	for range maxPurgeRounds {
		st, err := p.st.Purge(ctx, now, p.batch)
		for table, n := range st {
			total[table] += n
			p.metrics.RowsPurged(table, n)
		}
		if err != nil {
			return total, fmt.Errorf("authserver: purge: %w", err)
		}
		if !slices.ContainsFunc(slices.Collect(maps.Values(st)), func(n int64) bool { return n >= int64(p.batch) }) {
			break
		}
	}
	counts, err := p.st.CountRows(ctx)
	if err != nil {
		return total, fmt.Errorf("authserver: count rows: %w", err)
	}
	for table, n := range counts {
		p.metrics.StoreRows(table, n)
	}
	return total, nil
}

// Run purges now and then every every (DefaultPurgeEvery when zero or
// negative) until ctx ends; failures are logged and retried at the next
// tick.
func (p *Purger) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = DefaultPurgeEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		st, err := p.PurgeOnce(ctx)
		if err != nil && ctx.Err() == nil {
			p.log.LogAttrs(ctx, slog.LevelError, "purge failed", slog.Any("error", err))
		} else if n := sum(st); n > 0 {
			p.log.LogAttrs(ctx, slog.LevelDebug, "purged", slog.Int64("rows", n))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func sum(st PurgeStats) int64 {
	var n int64
	for _, v := range st {
		n += v
	}
	return n
}
