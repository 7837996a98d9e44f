// Package admin serves the admin listener (loopback by default): the liveness
// probe GET /healthz, the readiness probe GET /readyz, and the Prometheus
// exposition GET /metrics. The admin JSON API (clients, routes, keys, audit
// query) will join these routes here.
//
// Invariants:
//   - /healthz checks nothing but the process: a live process answers 200.
//   - /readyz runs every dependency check concurrently, each under its own
//     timeout, and never waits longer than that timeout for a check. Its body
//     names each check and a fixed status word ("ok", "degraded",
//     "unavailable"), never the check's error, which may carry a DSN or host
//     name (R19); the error goes to the log with the check name.
//   - Every response says Cache-Control: no-store. Unknown paths get an RFC
//     9457 problem+json 404, known paths with another method a problem+json
//     405 with Allow.
//   - The handler works alone and inside web.Observe (which adds request ids,
//     security headers, the access log and request metrics).
package admin
