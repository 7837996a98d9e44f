package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Targets of the issue (item 11).
const (
	targetGatewayOverBare = 0.90 // gateway req/s ≥ 90 % of the bare proxy's
	targetTokensPerSec    = 5000 // client-credentials JWTs per second on one core
)

// report is everything a run measured; printed as a table and optionally
// written as JSON.
type report struct {
	Machine    machine    `json:"machine"`
	Settings   settings   `json:"settings"`
	ServerCPUs string     `json:"server_cpus"` // CPUs the serve child may run on
	LoadCPUs   string     `json:"load_cpus"`   // CPUs the load generator may run on
	Rounds     [][]result `json:"rounds"`
	Summary    []summary  `json:"summary"`
	// Ratios of median req/s, and the medians of the per-round ratios
	// (each round's targets ran back to back, so those pairs share the
	// same background noise).
	GatewayOverBare         float64 `json:"gateway_over_bare"`
	GatewayOverBarePerRound float64 `json:"gateway_over_bare_per_round"`
	GatewayOverDirect       float64 `json:"gateway_over_direct"`
	GatewayOverDirectPerRnd float64 `json:"gateway_over_direct_per_round"`
	// CPU-normalised ratios: server CPU per request of the other target
	// over the gateway's (= req/s ratio if each had a whole core).
	GatewayOverBareCPU    float64 `json:"gateway_over_bare_cpu_normalised"`
	GatewayOverDirectCPU  float64 `json:"gateway_over_direct_cpu_normalised"`
	GatewayOverBareCPURnd float64 `json:"gateway_over_bare_cpu_normalised_per_round"`
	// PipelineOverBarePost compares the gateway with its whole pipeline on
	// with the bare proxy, both POSTing the same JSON body.
	PipelineOverBarePost *comparison `json:"pipeline_over_bare_post,omitempty"`
	Errors               int         `json:"errors"`
}

// comparison is one target (Of) against a baseline (To).
type comparison struct {
	Of string `json:"of"`
	To string `json:"to"`
	// RPS is the ratio of median req/s; RPSPerRound the median of the
	// per-round ratios.
	RPS         float64 `json:"rps"`
	RPSPerRound float64 `json:"rps_per_round"`
	// CPU is the baseline's median server CPU per request over Of's (= the
	// req/s ratio if each had a whole core); CPUPerRound the median of the
	// per-round ratios.
	CPU         float64 `json:"cpu_normalised"`
	CPUPerRound float64 `json:"cpu_normalised_per_round"`
	// ExtraPerReq is Of's median server CPU per request minus the
	// baseline's: what Of adds to each request.
	ExtraPerReq time.Duration `json:"extra_server_cpu_per_req_ns"`
}

// compare returns of against to; either may be nil (then so is the result).
func compare(of, to *summary) *comparison {
	if of == nil || to == nil {
		return nil
	}
	var cpu []float64
	for i := range min(len(of.CostPerRound), len(to.CostPerRound)) {
		if a, b := of.CostPerRound[i], to.CostPerRound[i]; a > 0 && b > 0 {
			cpu = append(cpu, float64(b)/float64(a))
		}
	}
	return &comparison{
		Of:          of.Target,
		To:          to.Target,
		RPS:         ratio(of.RPS, to.RPS),
		RPSPerRound: perRoundRatio(of.PerRound, to.PerRound),
		CPU:         ratio(of.PerCore, to.PerCore),
		CPUPerRound: median(cpu),
		ExtraPerReq: of.ServerPerReq - to.ServerPerReq,
	}
}

// summary is one target's medians over the rounds.
type summary struct {
	Target    string        `json:"target"`
	RPS       float64       `json:"rps"`
	P50       time.Duration `json:"p50_ns"`
	P99       time.Duration `json:"p99_ns"`
	ServerCPU float64       `json:"server_cpu"`
	LoadCPU   float64       `json:"load_cpu"`
	// ServerPerReq is the median server CPU time per request, and
	// PerCore the req/s one fully used server core would give at that cost.
	ServerPerReq time.Duration `json:"server_cpu_per_req_ns"`
	PerCore      float64       `json:"rps_per_server_core"`
	PerRound     []float64     `json:"rps_per_round"`
	// CostPerRound is the server CPU time per request of each round.
	CostPerRound []time.Duration `json:"server_cpu_per_req_per_round_ns"`
	Errors       int             `json:"errors"`
}

func (r *report) summarise() {
	byName := map[string]*summary{}
	var p50s, p99s = map[string][]time.Duration{}, map[string][]time.Duration{}
	var scpu, lcpu = map[string][]float64{}, map[string][]float64{}
	var order []string
	r.Errors = 0
	for _, round := range r.Rounds {
		for _, res := range round {
			s := byName[res.Target]
			if s == nil {
				s = &summary{Target: res.Target}
				byName[res.Target] = s
				order = append(order, res.Target)
			}
			s.PerRound = append(s.PerRound, res.RPS)
			s.CostPerRound = append(s.CostPerRound, res.ServerPerReq)
			s.Errors += res.Errors
			r.Errors += res.Errors
			p50s[res.Target] = append(p50s[res.Target], res.P50)
			p99s[res.Target] = append(p99s[res.Target], res.P99)
			scpu[res.Target] = append(scpu[res.Target], res.ServerCPU)
			lcpu[res.Target] = append(lcpu[res.Target], res.LoadCPU)
		}
	}
	r.Summary = nil
	for _, name := range order {
		s := byName[name]
		s.RPS = median(s.PerRound)
		s.P50 = medianDuration(p50s[name])
		s.P99 = medianDuration(p99s[name])
		s.ServerCPU = median(scpu[name])
		s.LoadCPU = median(lcpu[name])
		s.ServerPerReq = medianDuration(s.CostPerRound)
		if s.ServerPerReq > 0 {
			s.PerCore = float64(time.Second) / float64(s.ServerPerReq)
		}
		r.Summary = append(r.Summary, *s)
	}
	if c := compare(byName[nameGateway], byName[nameBare]); c != nil {
		r.GatewayOverBare, r.GatewayOverBarePerRound = c.RPS, c.RPSPerRound
		r.GatewayOverBareCPU, r.GatewayOverBareCPURnd = c.CPU, c.CPUPerRound
	}
	if c := compare(byName[nameGateway], byName[nameDirect]); c != nil {
		r.GatewayOverDirect, r.GatewayOverDirectPerRnd, r.GatewayOverDirectCPU = c.RPS, c.RPSPerRound, c.CPU
	}
	r.PipelineOverBarePost = compare(byName[namePipeline], byName[nameBarePost])
}

// perRoundRatio is the median over rounds of a[i]/b[i].
func perRoundRatio(a, b []float64) float64 {
	var rs []float64
	for i := range min(len(a), len(b)) {
		rs = append(rs, ratio(a[i], b[i]))
	}
	return median(rs)
}

func (r *report) find(name string) *summary {
	for i := range r.Summary {
		if r.Summary[i].Target == name {
			return &r.Summary[i]
		}
	}
	return nil
}

func printReport(w io.Writer, r *report) {
	s := r.Settings
	fmt.Fprintf(w, "\nmachine: %s\n", r.Machine)
	if s.Pin {
		fmt.Fprintf(w, "pinned:  servers cpu %s (GOMAXPROCS=%d), load generator cpu %s (GOMAXPROCS=%d)\n",
			r.ServerCPUs, s.ServerProcs, r.LoadCPUs, s.LoadProcs)
	} else {
		fmt.Fprintf(w, "NOT PINNED: servers GOMAXPROCS=%d, load generator GOMAXPROCS=%d, sharing all CPUs\n", s.ServerProcs, s.LoadProcs)
	}
	fmt.Fprintf(w, "load:    HTTP/1.1 keep-alive, %d connections (token endpoint: %d), %d interleaved rounds of %v (+%v warm-up) per target\n",
		s.Conns, s.TokenConns, s.Rounds, s.Duration, s.Warmup)
	if slices.Contains(s.Targets, namePipeline) {
		fmt.Fprintf(w, "pipeline: POST %s %s; OpenAPI request validation, CEL policy, rate limit, response_validation %s\n",
			pipelinePath, pipelineBody, s.RespValidation)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%-16s %13s %9s %9s %8s %8s %10s %11s   %s\n", "target", fmt.Sprintf("req/s (med %d)", s.Rounds), "p50", "p99",
		"srv cpu", "load cpu", "srv µs/req", "req/s/core", "req/s per round")
	for _, x := range r.Summary {
		rounds := make([]string, len(x.PerRound))
		for i, v := range x.PerRound {
			rounds[i] = thousands(v)
		}
		fmt.Fprintf(w, "%-16s %13s %9v %9v %8.2f %8.2f %10.1f %11s   %s%s\n", x.Target, thousands(x.RPS), roundDur(x.P50), roundDur(x.P99),
			x.ServerCPU, x.LoadCPU, float64(x.ServerPerReq)/float64(time.Microsecond), thousands(x.PerCore), strings.Join(rounds, " "), errCount(x.Errors))
	}
	fmt.Fprintln(w, "(srv cpu, load cpu: CPUs used during the window; srv µs/req: server CPU time per request; req/s/core: 1 s / srv µs/req)")
	fmt.Fprintln(w)
	gw := r.find(nameGateway)
	if gw != nil && r.find(nameBare) != nil {
		fmt.Fprintf(w, "ratio gateway/bare-proxy: %.3f  (median of per-round ratios %.3f; target ≥ %.2f)  %s\n",
			r.GatewayOverBare, r.GatewayOverBarePerRound, targetGatewayOverBare, verdictRatio(r.GatewayOverBare))
		fmt.Fprintf(w, "  CPU-normalised:         %.3f  (bare-proxy's server CPU per request / gateway's; median of per-round ratios %.3f)  %s\n",
			r.GatewayOverBareCPU, r.GatewayOverBareCPURnd, verdictRatio(r.GatewayOverBareCPU))
	}
	if gw != nil && r.find(nameDirect) != nil {
		fmt.Fprintf(w, "ratio gateway/direct:     %.3f  (median of per-round ratios %.3f; CPU-normalised %.3f)\n",
			r.GatewayOverDirect, r.GatewayOverDirectPerRnd, r.GatewayOverDirectCPU)
	}
	if c := r.PipelineOverBarePost; c != nil {
		fmt.Fprintf(w, "ratio gateway-pipeline / bare-proxy-post: %.3f  (median of per-round ratios %.3f)\n", c.RPS, c.RPSPerRound)
		fmt.Fprintf(w, "  CPU-normalised:         %.3f  (median of per-round ratios %.3f); the pipeline adds %.1f µs of server CPU per request\n",
			c.CPU, c.CPUPerRound, float64(c.ExtraPerReq)/float64(time.Microsecond))
	}
	if t := r.find(nameToken); t != nil {
		core := "1 core"
		if !s.Pin || s.ServerProcs != 1 {
			core = fmt.Sprintf("GOMAXPROCS=%d, unpinned", s.ServerProcs)
		}
		fmt.Fprintf(w, "token endpoint (%s): %s tokens/s  p50 %v  p99 %v  (target ≥ %s)  %s\n",
			core, thousands(t.RPS), roundDur(t.P50), roundDur(t.P99), thousands(targetTokensPerSec), verdictTokens(t.RPS))
		fmt.Fprintf(w, "  CPU-normalised:         %s tokens/s per fully used core (%.1f µs of server CPU per token)  %s\n",
			thousands(t.PerCore), float64(t.ServerPerReq)/float64(time.Microsecond), verdictTokens(t.PerCore))
	}
	for _, x := range r.Summary {
		if x.ServerCPU < 0.8*float64(s.ServerProcs) && x.LoadCPU < 0.8*float64(s.LoadProcs) {
			fmt.Fprintf(w, "note: %s: neither side had its CPUs to itself (server %.2f, load %.2f CPU): other processes compete; trust the CPU-normalised figures more than req/s\n",
				x.Target, x.ServerCPU, x.LoadCPU)
		}
	}
	for _, x := range r.Summary {
		if x.LoadCPU >= 0.9*float64(s.LoadProcs) && x.ServerCPU < 0.9*float64(s.ServerProcs) {
			fmt.Fprintf(w, "note: %s: the load generator was busier (%.2f CPU) than the servers (%.2f CPU): it may be the bottleneck\n",
				x.Target, x.LoadCPU, x.ServerCPU)
		}
	}
	if r.Errors > 0 {
		fmt.Fprintf(w, "\n!!! %d REQUESTS FAILED: THESE FIGURES ARE NOT VALID !!!\n", r.Errors)
	}
}

func verdictRatio(got float64) string {
	if got >= targetGatewayOverBare {
		return "MET"
	}
	return fmt.Sprintf("MISSED by %.1f points (the gateway needs +%.1f %% req/s)",
		100*(targetGatewayOverBare-got), 100*(targetGatewayOverBare/got-1))
}

func verdictTokens(got float64) string {
	if got >= targetTokensPerSec {
		return "MET"
	}
	return fmt.Sprintf("MISSED by %.1f %% (needs +%.1f %%)", 100*(1-got/targetTokensPerSec), 100*(targetTokensPerSec/got-1))
}

func errCount(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("   !! %d ERRORS", n)
}

// roundDur rounds d for display (three significant figures or so).
func roundDur(d time.Duration) time.Duration {
	switch {
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}

// thousands formats x rounded to an integer with comma separators.
func thousands(x float64) string {
	s := strconv.FormatInt(int64(x+0.5), 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func writeJSON(path string, r *report) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
