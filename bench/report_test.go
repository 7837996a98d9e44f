package main

import (
	"testing"
	"time"
)

func TestMerge(t *testing.T) {
	ms := time.Millisecond
	ws := []worker{
		{lat: []time.Duration{3 * ms, 1 * ms}, errors: 1, statuses: map[int]int{401: 1}, firstErr: "HTTP 401"},
		{lat: []time.Duration{2 * ms, 4 * ms}, errors: 2, statuses: map[int]int{401: 1, 502: 1}, firstErr: "HTTP 502"},
		{},
	}
	r := merge("gateway", ws)
	if r.OK != 4 || r.Errors != 3 {
		t.Errorf("OK, Errors = %d, %d, want 4, 3", r.OK, r.Errors)
	}
	if r.Statuses[401] != 2 || r.Statuses[502] != 1 {
		t.Errorf("Statuses = %v, want 401:2 502:1", r.Statuses)
	}
	if r.FirstErr != "HTTP 401" {
		t.Errorf("FirstErr = %q, want the first worker's", r.FirstErr)
	}
	if r.P50 != 2*ms || r.P99 != 4*ms {
		t.Errorf("P50, P99 = %v, %v, want 2ms, 4ms", r.P50, r.P99)
	}
}

func TestSummarise(t *testing.T) {
	round := func(direct, bare, gw float64) []result {
		return []result{
			{Target: nameDirect, RPS: direct, P50: time.Millisecond, ServerPerReq: 25 * time.Microsecond},
			{Target: nameBare, RPS: bare, P50: 2 * time.Millisecond, ServerPerReq: 100 * time.Microsecond},
			{Target: nameGateway, RPS: gw, P50: 3 * time.Millisecond, ServerPerReq: 125 * time.Microsecond, Errors: 1},
		}
	}
	r := &report{Rounds: [][]result{round(1000, 500, 450), round(2000, 400, 400), round(3000, 600, 300)}}
	r.summarise()
	if len(r.Summary) != 3 || r.Summary[0].Target != nameDirect || r.Summary[2].Target != nameGateway {
		t.Fatalf("Summary order = %+v, want direct, bare-proxy, gateway", r.Summary)
	}
	gw := r.find(nameGateway)
	if gw.RPS != 400 || gw.P50 != 3*time.Millisecond || gw.Errors != 3 {
		t.Errorf("gateway summary = %+v, want median 400 req/s, p50 3ms, 3 errors", gw)
	}
	if r.Errors != 3 {
		t.Errorf("Errors = %d, want 3", r.Errors)
	}
	if got, want := r.GatewayOverBare, 400.0/500; got != want {
		t.Errorf("GatewayOverBare = %v, want %v (ratio of medians)", got, want)
	}
	if got, want := r.GatewayOverBarePerRound, 0.9; got != want { // ratios 0.9, 1.0, 0.5
		t.Errorf("GatewayOverBarePerRound = %v, want %v", got, want)
	}
	if got, want := r.GatewayOverDirect, 400.0/2000; got != want {
		t.Errorf("GatewayOverDirect = %v, want %v", got, want)
	}
	if gw.PerCore != 8000 {
		t.Errorf("gateway PerCore = %v, want 8000 (1 s / 125 µs)", gw.PerCore)
	}
	if got, want := r.GatewayOverBareCPU, 0.8; got != want { // 100 µs / 125 µs
		t.Errorf("GatewayOverBareCPU = %v, want %v", got, want)
	}
	if got, want := r.GatewayOverBareCPURnd, 0.8; got != want {
		t.Errorf("GatewayOverBareCPURnd = %v, want %v", got, want)
	}
}

func TestSummarisePipeline(t *testing.T) {
	us := time.Microsecond
	round := func(bare, pipe float64, bareCost, pipeCost time.Duration) []result {
		return []result{
			{Target: nameBarePost, RPS: bare, ServerPerReq: bareCost},
			{Target: namePipeline, RPS: pipe, ServerPerReq: pipeCost},
		}
	}
	r := &report{Rounds: [][]result{
		round(1000, 800, 100*us, 125*us), // per-round ratios 0.8, CPU 0.8
		round(2000, 1000, 80*us, 160*us), // 0.5, CPU 0.5
		round(1500, 1350, 90*us, 100*us), // 0.9, CPU 0.9
	}}
	r.summarise()
	c := r.PipelineOverBarePost
	if c == nil {
		t.Fatal("PipelineOverBarePost = nil, want a comparison")
	}
	if c.Of != namePipeline || c.To != nameBarePost {
		t.Errorf("comparison of %q to %q, want %q to %q", c.Of, c.To, namePipeline, nameBarePost)
	}
	if got, want := c.RPS, 1000.0/1500; got != want {
		t.Errorf("RPS = %v, want %v (ratio of medians)", got, want)
	}
	if got, want := c.RPSPerRound, 0.8; got != want {
		t.Errorf("RPSPerRound = %v, want %v", got, want)
	}
	// Medians: bare 90 µs, pipeline 125 µs.
	if got, want := c.CPU, 90.0/125; got != want {
		t.Errorf("CPU = %v, want %v", got, want)
	}
	if got, want := c.CPUPerRound, 0.8; got != want {
		t.Errorf("CPUPerRound = %v, want %v", got, want)
	}
	if got, want := c.ExtraPerReq, 35*us; got != want {
		t.Errorf("ExtraPerReq = %v, want %v", got, want)
	}
	if r.GatewayOverBare != 0 || r.GatewayOverDirect != 0 {
		t.Errorf("gateway ratios = %v, %v without gateway targets, want 0", r.GatewayOverBare, r.GatewayOverDirect)
	}
}

func TestCompare(t *testing.T) {
	us := time.Microsecond
	base := &summary{Target: nameBarePost, RPS: 1000, PerCore: 10000, ServerPerReq: 100 * us,
		PerRound: []float64{1000, 1000}, CostPerRound: []time.Duration{100 * us, 100 * us}}
	for _, tc := range []struct {
		name    string
		of, to  *summary
		wantNil bool
		want    comparison
	}{
		{name: "ok/nil-of", of: nil, to: base, wantNil: true},
		{name: "ok/nil-to", of: base, to: nil, wantNil: true},
		{
			name: "ok/zero-cost-round-skipped",
			of: &summary{Target: namePipeline, RPS: 500, PerCore: 5000, ServerPerReq: 200 * us,
				PerRound: []float64{500, 250}, CostPerRound: []time.Duration{200 * us, 0}},
			to: base,
			want: comparison{Of: namePipeline, To: nameBarePost, RPS: 0.5, RPSPerRound: 0.375,
				CPU: 0.5, CPUPerRound: 0.5, ExtraPerReq: 100 * us},
		},
		{
			name: "ok/baseline-without-throughput",
			of:   base,
			to:   &summary{Target: nameBarePost},
			want: comparison{Of: nameBarePost, To: nameBarePost, ExtraPerReq: 100 * us},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := compare(tc.of, tc.to)
			if tc.wantNil {
				if got != nil {
					t.Fatalf("compare = %+v, want nil", got)
				}
				return
			}
			if got == nil || *got != tc.want {
				t.Errorf("compare = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestThousands(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0, "0"}, {999.4, "999"}, {999.5, "1,000"}, {12345, "12,345"}, {1234567, "1,234,567"},
	} {
		if got := thousands(tc.in); got != tc.want {
			t.Errorf("thousands(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseStatCPU(t *testing.T) {
	for _, tc := range []struct {
		name    string
		stat    string
		want    time.Duration
		wantErr bool
	}{
		{"ok/basic", "42 (bench) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 100", 3 * time.Second, false},
		{"ok/name-with-paren-and-spaces", "42 (a) b (c)) R 1 42 42 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 1", 100 * time.Millisecond, false},
		{"fail/no-name", "42 bench S", 0, true},
		{"fail/short", "42 (bench) S 1 2", 0, true},
		{"fail/not-a-number", "42 (bench) S 1 42 42 0 -1 0 0 0 0 0 x 3 0", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStatCPU(tc.stat)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("parseStatCPU = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestVerdicts(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  string
		want string
	}{
		{"ok/ratio-met", verdictRatio(0.9), "MET"},
		{"ok/ratio-missed", verdictRatio(0.75), "MISSED by 15.0 points (the gateway needs +20.0 % req/s)"},
		{"ok/tokens-met", verdictTokens(5000), "MET"},
		{"ok/tokens-missed", verdictTokens(4000), "MISSED by 20.0 % (needs +25.0 %)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}
