package metrics

import "github.com/prometheus/client_golang/prometheus"

// storeMetrics are the store's size and purge rate (T3).
type storeMetrics struct {
	rows   *prometheus.GaugeVec
	purged *prometheus.CounterVec
}

// registerStore creates and registers the store collectors.
func (m *Metrics) registerStore() {
	m.store = storeMetrics{
		rows: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rempart_store_rows",
			Help: "Rows of the store's purged tables, by table, as of the last purge run (T3).",
		}, []string{"table"}),
		purged: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rempart_purged_rows_total",
			Help: "Expired or revoked rows deleted by the purge job, by table (T3).",
		}, []string{"table"}),
	}
	m.Registry.MustRegister(m.store.rows, m.store.purged)
}

// StoreRows records that table holds n rows.
func (m *Metrics) StoreRows(table string, n int64) {
	if m == nil {
		return
	}
	m.store.rows.WithLabelValues(table).Set(float64(n))
}

// RowsPurged counts n rows of table deleted by the purge job.
func (m *Metrics) RowsPurged(table string, n int64) {
	if m == nil || n <= 0 {
		return
	}
	m.store.purged.WithLabelValues(table).Add(float64(n))
}
