// Command bench measures Rempart's gateway and token endpoint on loopback.
//
// Run it from the repository root with
//
//	go run ./bench
//
// It re-executes itself as a "serve" child that runs, on one CPU: a trivial
// upstream (plain HTTP), a bare httputil.ReverseProxy to it (TLS, same
// settings as Rempart) and Rempart (authorization server + gateway, TLS)
// with two APIs: one protected by JWT and scope only, and one with the
// whole pipeline on (OpenAPI validation, a CEL policy, a rate limit). The
// parent, pinned to another CPU, drives direct, bare-proxy and gateway
// (GET), bare-proxy-post and gateway-pipeline (POST of a small JSON body)
// and token-endpoint in interleaved rounds with HTTP/1.1 keep-alive
// connections, then prints the medians (req/s, p50, p99), the ratios
// gateway/bare-proxy, gateway/direct and gateway-pipeline/bare-proxy-post,
// and the token endpoint's tokens/s, beside a description of the machine.
// See docs/performance.md for the method and the recorded results.
//
// Nothing here runs under go test except the statistics helpers' tests.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		if err := runServe(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "bench serve:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// settings are the command-line flags of a run.
type settings struct {
	Duration    time.Duration `json:"duration_ns"`
	Warmup      time.Duration `json:"warmup_ns"`
	Rounds      int           `json:"rounds"`
	Conns       int           `json:"conns"`
	TokenConns  int           `json:"token_conns"`
	Pin         bool          `json:"pinned"`
	ServerCPU   int           `json:"server_cpu"`
	LoadCPU     int           `json:"load_cpu"`
	ServerProcs int           `json:"server_gomaxprocs"`
	LoadProcs   int           `json:"load_gomaxprocs"`
	AccessLog   bool          `json:"access_log"`
	BarePool    bool          `json:"bare_buffer_pool"`
	// RespValidation is the pipeline API's response_validation.
	RespValidation string   `json:"pipeline_response_validation"`
	Targets        []string `json:"targets"`
	out            string
	profileDir     string
}

func parseFlags(args []string, stderr io.Writer) (*settings, error) {
	_, err := exec.LookPath("taskset")
	canPin := err == nil && runtime.NumCPU() >= 2
	s := &settings{}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&s.Duration, "duration", 3*time.Second, "measured window per target per round")
	fs.DurationVar(&s.Warmup, "warmup", 500*time.Millisecond, "unmeasured load before each window")
	fs.IntVar(&s.Rounds, "rounds", 5, "interleaved rounds (each drives every target once)")
	fs.IntVar(&s.Conns, "conns", 32, "concurrent keep-alive connections for every target but the token endpoint")
	fs.IntVar(&s.TokenConns, "token-conns", 16, "concurrent keep-alive connections for the token endpoint")
	fs.BoolVar(&s.Pin, "pin", canPin, "pin servers and load generator to separate CPUs with taskset")
	fs.IntVar(&s.ServerCPU, "server-cpu", 0, "CPU the servers are pinned to")
	fs.IntVar(&s.LoadCPU, "load-cpu", 1, "CPU the load generator is pinned to")
	fs.IntVar(&s.ServerProcs, "server-procs", 1, "GOMAXPROCS of the server process")
	fs.IntVar(&s.LoadProcs, "load-procs", 1, "GOMAXPROCS of the load generator")
	fs.BoolVar(&s.AccessLog, "access-log", false, "let Rempart write its access log (JSON) to a file, as in production")
	fs.BoolVar(&s.BarePool, "bare-buffer-pool", true, "give the bare proxy a pool of body-copy buffers as the gateway has (false: stdlib default, 32 KiB allocated per request)")
	fs.StringVar(&s.RespValidation, "response-validation", "off", "response_validation of the gateway-pipeline API: off, block or strip")
	targets := fs.String("targets", strings.Join(allTargets, ","), "targets to drive, in this order within each round")
	fs.StringVar(&s.out, "out", "", "also write the results as JSON to this file")
	fs.StringVar(&s.profileDir, "profile", "", "save a server CPU profile of every measured window into this directory (perturbs the figures)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if !slices.Contains([]string{"off", "block", "strip"}, s.RespValidation) {
		return nil, fmt.Errorf("-response-validation: %q is not off, block or strip", s.RespValidation)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if s.Duration <= 0 || s.Warmup < 0 || s.Rounds < 1 || s.Conns < 1 || s.TokenConns < 1 || s.ServerProcs < 1 || s.LoadProcs < 1 {
		return nil, errors.New("-duration, -rounds, -conns, -token-conns and -*-procs must be positive")
	}
	for _, t := range strings.Split(*targets, ",") {
		if t = strings.TrimSpace(t); t == "" {
			continue
		}
		if !slices.Contains(allTargets, t) || slices.Contains(s.Targets, t) {
			return nil, fmt.Errorf("-targets: unknown or repeated target %q (known: %s)", t, strings.Join(allTargets, ", "))
		}
		s.Targets = append(s.Targets, t)
	}
	if len(s.Targets) == 0 {
		return nil, errors.New("-targets: none given")
	}
	if s.Pin && !canPin {
		return nil, errors.New("-pin needs taskset and at least 2 CPUs")
	}
	return s, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	s, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	rep, err := measure(ctx, s, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	printReport(stdout, rep)
	if s.out != "" {
		if err := writeJSON(s.out, rep); err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 1
		}
	}
	if rep.Errors > 0 {
		fmt.Fprintf(stderr, "bench: %d failed requests: the figures above are NOT valid\n", rep.Errors)
		return 1
	}
	return 0
}

// measure starts the serve child, runs the interleaved rounds and
// summarises them.
func measure(ctx context.Context, s *settings, stderr io.Writer) (*report, error) {
	m := describeMachine(time.Now())
	runtime.GOMAXPROCS(s.LoadProcs)
	if s.Pin {
		if err := pinSelf(s.LoadCPU); err != nil {
			return nil, err
		}
	} else {
		fmt.Fprintln(stderr, "bench: WARNING: not pinned (no taskset or fewer than 2 CPUs, or -pin=false): servers and load generator share the CPUs, figures are noisier")
	}

	child, info, err := startChild(ctx, s)
	if err != nil {
		return nil, err
	}
	defer child.stop(stderr)

	roots, err := loadRoots(info.CAFile)
	if err != nil {
		return nil, err
	}
	tok := tokenTarget(info, newClient(roots, s.TokenConns), benchScope)
	bearer, err := fetchToken(ctx, tok, benchScope, benchAPI)
	if err != nil {
		return nil, err
	}
	// The pipeline API needs a token whose aud names it: asked for with its
	// scope, once, on a client of its own.
	pipeBearer, err := fetchToken(ctx, tokenTarget(info, newClient(roots, 1), pipelineScope), pipelineScope, pipelineAPI)
	if err != nil {
		return nil, err
	}
	byName := map[string]*target{nameToken: tok}
	all := append(httpTargets(info, bearer, newClient(roots, s.Conns), newClient(roots, s.Conns), newClient(roots, s.Conns)),
		pipelineTargets(info, pipeBearer, newClient(roots, s.Conns), newClient(roots, s.Conns))...)
	for _, t := range all {
		if err := checkTarget(ctx, t, upstreamBody); err != nil {
			return nil, err
		}
		byName[t.Name] = t
	}
	if err := checkPipeline(ctx, byName[namePipeline]); err != nil {
		return nil, err
	}
	var targets []*target
	for _, n := range s.Targets {
		targets = append(targets, byName[n])
	}

	rep := &report{Machine: m, Settings: *s, LoadCPUs: allowedCPUs(), ServerCPUs: child.cpus}
	cpu := func() (time.Duration, time.Duration) {
		srv, _ := processCPU(info.PID)
		return srv, selfCPU()
	}
	fmt.Fprintf(stderr, "bench: %s\n", m)
	for r := 1; r <= s.Rounds; r++ {
		var round []result
		for _, t := range targets {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			spec := loadSpec{Conns: s.Conns, Warmup: s.Warmup, Duration: s.Duration, CPU: cpu}
			if t.Name == nameToken {
				spec.Conns = s.TokenConns
			}
			if s.profileDir != "" {
				spec.OnWindow = profiler(ctx, info.Pprof, s.Duration, filepath.Join(s.profileDir, fmt.Sprintf("%s-r%d.pprof", t.Name, r)), stderr)
			}
			res := runLoad(ctx, t, spec)
			fmt.Fprintf(stderr, "round %d/%d  %-16s %9.0f req/s  p50 %-9v p99 %-9v server cpu %.2f  load cpu %.2f%s\n",
				r, s.Rounds, t.Name, res.RPS, roundDur(res.P50), roundDur(res.P99), res.ServerCPU, res.LoadCPU, errNote(res))
			round = append(round, res)
		}
		rep.Rounds = append(rep.Rounds, round)
	}
	rep.summarise()
	return rep, nil
}

func errNote(r result) string {
	if r.Errors == 0 {
		return ""
	}
	return fmt.Sprintf("  !! %d ERRORS (first: %s)", r.Errors, r.FirstErr)
}

// child is the running serve process.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	cpus  string
}

// startChild re-executes this binary as "serve", pinned to the server CPU,
// and reads its serveInfo line.
func startChild(ctx context.Context, s *settings) (*child, *serveInfo, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	argv := []string{exe, "serve"}
	if s.profileDir != "" {
		if err := os.MkdirAll(s.profileDir, 0o755); err != nil {
			return nil, nil, err
		}
		argv = append(argv, "-pprof")
	}
	if s.AccessLog {
		argv = append(argv, "-access-log")
	}
	if !s.BarePool {
		argv = append(argv, "-bare-buffer-pool=false")
	}
	argv = append(argv, "-response-validation="+s.RespValidation)
	cpus := "any"
	if s.Pin {
		argv = append([]string{"taskset", "-c", strconv.Itoa(s.ServerCPU)}, argv...)
		cpus = strconv.Itoa(s.ServerCPU)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(s.ServerProcs))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start serve child: %w", err)
	}
	c := &child{cmd: cmd, stdin: stdin, cpus: cpus}
	type line struct {
		info *serveInfo
		err  error
	}
	got := make(chan line, 1)
	go func() {
		var info serveInfo
		b, err := bufio.NewReader(stdout).ReadBytes('\n')
		if err == nil {
			err = json.Unmarshal(b, &info)
		}
		got <- line{&info, err}
	}()
	select {
	case l := <-got:
		if l.err != nil {
			c.stop(io.Discard)
			return nil, nil, fmt.Errorf("serve child did not start (see its messages above): %w", l.err)
		}
		return c, l.info, nil
	case <-time.After(2 * time.Minute):
		c.stop(io.Discard)
		return nil, nil, errors.New("serve child: no answer after 2 minutes")
	case <-ctx.Done():
		c.stop(io.Discard)
		return nil, nil, ctx.Err()
	}
}

// stop closes the child's stdin, which makes it shut down, and waits for
// it (killing it after 15 s).
func (c *child) stop(stderr io.Writer) {
	c.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			fmt.Fprintln(stderr, "bench: serve child:", err)
		}
	case <-time.After(15 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
		fmt.Fprintln(stderr, "bench: serve child killed after 15 s")
	}
}

// profiler returns an OnWindow hook that saves the server's CPU profile for
// d into file.
func profiler(ctx context.Context, base string, d time.Duration, file string, stderr io.Writer) func() {
	return func() {
		secs := max(1, int(d.Seconds()))
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/debug/pprof/profile?seconds="+strconv.Itoa(secs), nil)
		if err != nil {
			fmt.Fprintln(stderr, "bench: profile:", err)
			return
		}
		resp, err := (&http.Client{}).Do(req)
		if err != nil {
			fmt.Fprintln(stderr, "bench: profile:", err)
			return
		}
		defer resp.Body.Close()
		f, err := os.Create(file)
		if err != nil {
			fmt.Fprintln(stderr, "bench: profile:", err)
			return
		}
		defer f.Close()
		if _, err := io.Copy(f, resp.Body); err != nil {
			fmt.Fprintln(stderr, "bench: profile:", err)
		}
	}
}
