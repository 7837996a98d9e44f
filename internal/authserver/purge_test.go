package authserver

import (
	"context"
	"testing"
	"time"

	"github.com/rempart/rempart/internal/metrics"
)

// metricValue returns the value of the metric name with label table.
func metricValue(t *testing.T, m *metrics.Metrics, name, table string) float64 {
	t.Helper()
	mfs, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, x := range mf.GetMetric() {
			for _, l := range x.GetLabel() {
				if l.GetName() == "table" && l.GetValue() == table {
					if g := x.GetGauge(); g != nil {
						return g.GetValue()
					}
					return x.GetCounter().GetValue()
				}
			}
		}
	}
	return -1
}

func TestPurger(t *testing.T) {
	st := newMemTokens()
	clk := newFakeClock(t0)
	m := metrics.New()
	p := NewPurger(st, m, clk.now, nil)
	p.batch = 3
	for i := range 10 {
		exp := t0.Add(time.Duration(i+1) * time.Minute)
		if err := st.CreateAccessToken(t.Context(), AccessToken{JTI: string(rune('a' + i)), ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
		if err := st.RevokeAccessToken(t.Context(), string(rune('a'+i)), exp, t0); err != nil {
			t.Fatal(err)
		}
	}
	clk.set(t0.Add(7 * time.Minute))
	got, err := p.PurgeOnce(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// 7 expired rows per table, in batches of 3: the loop goes on while a
	// batch is full.
	if got["access_tokens"] != 7 || got["revoked_jtis"] != 7 {
		t.Errorf("PurgeOnce() = %v, want 7 rows of each table", got)
	}
	if v := metricValue(t, m, "rempart_store_rows", "access_tokens"); v != 3 {
		t.Errorf("rempart_store_rows{access_tokens} = %v, want 3", v)
	}
	if v := metricValue(t, m, "rempart_purged_rows_total", "revoked_jtis"); v != 7 {
		t.Errorf("rempart_purged_rows_total{revoked_jtis} = %v, want 7", v)
	}

	st.setDown(true)
	if _, err := p.PurgeOnce(t.Context()); err == nil {
		t.Error("PurgeOnce() on a down store succeeded")
	}
	st.setDown(false)

	// Run purges at once and stops with its context.
	clk.set(t0.Add(time.Hour))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Run(ctx, time.Hour)
	}()
	waitFor(t, time.Second, func() bool { return metricValue(t, m, "rempart_store_rows", "access_tokens") == 0 })
	cancel()
	<-done
}
