package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// target is one endpoint under load. Header is shared by every request and
// never written after construction.
type target struct {
	Name   string
	Method string
	URL    string
	Header http.Header
	Body   string // sent with every request when not empty
	client *http.Client
}

// loadSpec is how one target is driven in one round.
type loadSpec struct {
	Conns    int           // concurrent workers, one keep-alive connection each
	Warmup   time.Duration // requests started before this are not counted
	Duration time.Duration // the measured window
	// CPU, when set, returns the cumulative CPU time of the server process
	// and of this process; it is read at both ends of the window.
	CPU func() (server, load time.Duration)
	// OnWindow, when set, is called (in its own goroutine) as the window
	// opens, e.g. to take a server-side CPU profile of Duration; runLoad
	// returns only once it has returned.
	OnWindow func()
}

// result is one target's measurement in one round.
type result struct {
	Target    string        `json:"target"`
	OK        int           `json:"ok"`                 // 2xx responses to requests started in the window
	Errors    int           `json:"errors"`             // non-2xx responses and transport errors
	Statuses  map[int]int   `json:"statuses,omitempty"` // non-2xx status → count
	FirstErr  string        `json:"first_error,omitempty"`
	Window    time.Duration `json:"window_ns"`
	RPS       float64       `json:"rps"` // 2xx per second of window
	P50       time.Duration `json:"p50_ns"`
	P99       time.Duration `json:"p99_ns"`
	ServerCPU float64       `json:"server_cpu"` // CPUs used by the server process during the window
	LoadCPU   float64       `json:"load_cpu"`   // CPUs used by the load generator during the window
	// ServerPerReq is the server process's CPU time per 2xx response: what
	// a request costs, whatever share of the CPU the noisy machine gave us.
	ServerPerReq time.Duration `json:"server_cpu_per_req_ns"`
	latencies    []time.Duration
}

// worker is one goroutine's tally; merged into result at the end.
type worker struct {
	lat      []time.Duration
	errors   int
	statuses map[int]int
	firstErr string
}

// runLoad drives t with spec.Conns workers, each issuing requests back to
// back on its keep-alive connection until the window closes, and returns
// the measurement. Only requests started inside the window count; their
// latency is from just before sending to the end of the response body.
func runLoad(ctx context.Context, t *target, spec loadSpec) result {
	start := time.Now()
	winStart := start.Add(spec.Warmup)
	winEnd := winStart.Add(spec.Duration)

	ws := make([]worker, spec.Conns)
	var wg sync.WaitGroup
	for i := range ws {
		w := &ws[i]
		w.lat = make([]time.Duration, 0, 8192)
		wg.Go(func() { w.loop(ctx, t, winStart, winEnd) })
	}

	var srv0, load0, srv1, load1 time.Duration
	time.Sleep(time.Until(winStart))
	if spec.CPU != nil {
		srv0, load0 = spec.CPU()
	}
	var hook sync.WaitGroup
	if spec.OnWindow != nil {
		hook.Go(spec.OnWindow)
	}
	time.Sleep(time.Until(winEnd))
	if spec.CPU != nil {
		srv1, load1 = spec.CPU()
	}
	wg.Wait()
	hook.Wait() // a profile must not overlap the next target's window

	r := merge(t.Name, ws)
	r.Window = spec.Duration
	r.RPS = float64(r.OK) / spec.Duration.Seconds()
	sec := spec.Duration.Seconds()
	r.ServerCPU = (srv1 - srv0).Seconds() / sec
	r.LoadCPU = (load1 - load0).Seconds() / sec
	if r.OK > 0 {
		r.ServerPerReq = (srv1 - srv0) / time.Duration(r.OK)
	}
	return r
}

func (w *worker) loop(ctx context.Context, t *target, winStart, winEnd time.Time) {
	for ctx.Err() == nil {
		t0 := time.Now()
		if !t0.Before(winEnd) {
			return
		}
		status, err := t.do(ctx)
		d := time.Since(t0)
		if t0.Before(winStart) {
			continue
		}
		switch {
		case err != nil:
			w.fail(0, err.Error())
		case status < 200 || status > 299:
			w.fail(status, fmt.Sprintf("HTTP %d", status))
		default:
			w.lat = append(w.lat, d)
		}
	}
}

func (w *worker) fail(status int, msg string) {
	w.errors++
	if status != 0 {
		if w.statuses == nil {
			w.statuses = map[int]int{}
		}
		w.statuses[status]++
	}
	if w.firstErr == "" {
		w.firstErr = msg
	}
}

// merge sums the workers' tallies and computes the latency percentiles.
func merge(name string, ws []worker) result {
	r := result{Target: name}
	n := 0
	for i := range ws {
		n += len(ws[i].lat)
	}
	lat := make([]time.Duration, 0, n)
	for i := range ws {
		w := &ws[i]
		lat = append(lat, w.lat...)
		r.Errors += w.errors
		for s, c := range w.statuses {
			if r.Statuses == nil {
				r.Statuses = map[int]int{}
			}
			r.Statuses[s] += c
		}
		if r.FirstErr == "" {
			r.FirstErr = w.firstErr
		}
	}
	slices.Sort(lat)
	r.OK = len(lat)
	r.P50 = percentile(lat, 50)
	r.P99 = percentile(lat, 99)
	r.latencies = lat
	return r
}

// do sends one request and reads the whole response body, so that the
// connection goes back to the pool.
func (t *target) do(ctx context.Context) (int, error) {
	var body io.Reader
	if t.Body != "" {
		body = strings.NewReader(t.Body)
	}
	req, err := http.NewRequestWithContext(ctx, t.Method, t.URL, body)
	if err != nil {
		return 0, err
	}
	req.Header = t.Header
	resp, err := t.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

// newClient returns a keep-alive HTTP/1.1 client for conns concurrent
// requests to one host, trusting roots for https. HTTP/2 is switched off
// (no h2 in ALPN, empty TLSNextProto) so every target speaks the same
// protocol; compression is off so bodies are compared as sent.
func newClient(roots *x509.CertPool, conns int) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     &tls.Config{RootCAs: roots, NextProtos: []string{"http/1.1"}, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: 10 * time.Second,
		ForceAttemptHTTP2:   false,
		TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{},
		DisableCompression:  true,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     10 * time.Minute,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
