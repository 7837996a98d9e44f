package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/http/pprof"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/rempart/rempart/internal/app"
	"github.com/rempart/rempart/internal/authserver"
	"github.com/rempart/rempart/internal/certs"
	"github.com/rempart/rempart/internal/config"
	"github.com/rempart/rempart/internal/web"
)

// The gateway's two APIs, by name: a token's aud names the APIs it is for.
const (
	benchAPI    = "bench"
	pipelineAPI = "pipeline"
)

// benchScope is the scope the gateway's API requires and the client gets.
const benchScope = "bench:read"

// benchPath is the path every HTTP target is asked for: under the gateway
// API's prefix, and the same path on the upstream (no prefix stripping).
const benchPath = "/bench/hello"

// upstreamBody is the trivial upstream's answer.
const upstreamBody = `{"message":"hello","ok":true}`

// serveInfo is the one JSON line the serve child prints once every server
// listens. It carries the benchmark client's secret, so it goes only
// through the pipe to the parent, never to a log or the terminal.
type serveInfo struct {
	Direct       string `json:"direct"`  // upstream base URL (plain HTTP)
	Bare         string `json:"bare"`    // bare ReverseProxy base URL (HTTPS)
	Gateway      string `json:"gateway"` // Rempart gateway base URL (HTTPS)
	Token        string `json:"token"`   // Rempart token endpoint URL (HTTPS)
	Pprof        string `json:"pprof,omitempty"`
	CAFile       string `json:"ca_file"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	PID          int    `json:"pid"`
}

// pipelineScope is the scope the pipeline API requires; the benchmark
// client may hold it too, and a token asked for with it names the pipeline
// API alone in its aud.
const pipelineScope = "pipeline:write"

// pipelinePath is where the pipeline targets POST pipelineBody: under the
// pipeline API's prefix, declared in pipelineOpenAPI.
const pipelinePath = "/pipeline/orders"

// pipelineBody is the small JSON order every pipeline request sends; it is
// valid against pipelineOpenAPI and allowed by pipelinePolicy.
const pipelineBody = `{"item":"book","quantity":3}`

// pipelinePolicy is the pipeline API's CEL policy (it reads the token and
// the parsed body, so both are built for every request). Its bound on
// quantity is tighter than the schema's, so that a request the schema
// accepts and the policy refuses (pipelineDenied) shows the policy runs.
const pipelinePolicy = `token.client_id != "" && (request.method != "POST" || body.quantity <= 50)`

// pipelineUndeclared fails OpenAPI validation only (an undeclared member:
// mass assignment); pipelineDenied passes it and fails pipelinePolicy only.
const (
	pipelineUndeclared = `{"item":"book","quantity":3,"role":"admin"}`
	pipelineDenied     = `{"item":"book","quantity":60}`
)

// pipelineOpenAPI is the pipeline API's OpenAPI document, written into the
// serve child's temp dir. Its 200 response describes upstreamBody, so
// response validation (-response-validation) accepts the upstream's answer.
const pipelineOpenAPI = `openapi: 3.0.3
info:
  title: Rempart bench pipeline
  version: "1.0"
paths:
  /pipeline/orders:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              required: [item, quantity]
              properties:
                item: { type: string, minLength: 1, maxLength: 64 }
                quantity: { type: integer, minimum: 1, maximum: 100 }
      responses:
        "200":
          description: the upstream's hello
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Hello" }
  /pipeline/orders/{id}:
    get:
      parameters:
        - name: id
          in: path
          required: true
          schema: { type: string, format: uuid }
      responses:
        "200":
          description: the upstream's hello
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Hello" }
components:
  schemas:
    Hello:
      type: object
      additionalProperties: false
      required: [message, ok]
      properties:
        message: { type: string, maxLength: 64 }
        ok: { type: boolean }
`

// benchConfig is Rempart's configuration. The bench API is JWT and scope
// only; the pipeline API adds OpenAPI validation, a CEL policy and a rate
// limit, i.e. every step of the request pipeline.
const benchConfig = `data_dir: %q
authorization_server:
  listen: 127.0.0.1:%d
  issuer: https://127.0.0.1:%d
  # The limiter stays in the path (its cost is measured) but never refuses.
  rate_limit: { requests: 1000000000, per: 1s, by: client }
gateway:
  listen: 127.0.0.1:%d
  apis:
    - name: %s
      path_prefix: /bench
      upstream: %s
      auth: oauth2
      scopes: [%s]
    - name: %s
      path_prefix: /pipeline
      upstream: %s
      auth: oauth2
      scopes: [%s]
      openapi: pipeline.openapi.yaml
      response_validation: %s
      # Counted on every request, never refused.
      rate_limit: { requests: 1000000000, per: 1s, by: client }
      policy: %q
`

// runServe is the child process: it starts the trivial upstream, the bare
// reverse proxy and Rempart (authorization server + gateway, TLS from the
// local CA), registers a client_credentials client, prints serveInfo and
// serves until stdin closes.
func runServe(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	withPprof := fs.Bool("pprof", false, "serve net/http/pprof on a loopback port")
	accessLog := fs.Bool("access-log", false, "write Rempart's access log (JSON, info level) to a file in the temp dir")
	barePool := fs.Bool("bare-buffer-pool", true, "give the bare proxy a pool of body-copy buffers, as the gateway has")
	respValidation := fs.String("response-validation", "off", "the pipeline API's response_validation: off, block or strip")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "rempart-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	log, closeLog, err := serveLogger(dir, *accessLog)
	if err != nil {
		return err
	}
	defer closeLog()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	up, upURL, err := startUpstream()
	if err != nil {
		return err
	}
	defer up.Close()

	a, info, err := startRempart(ctx, dir, upURL, *respValidation, log)
	if err != nil {
		return err
	}
	defer func() {
		sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		_ = a.Shutdown(sctx)
	}()

	bare, bareURL, err := startBareProxy(filepath.Join(dir, "data", "tls"), upURL, *barePool)
	if err != nil {
		return err
	}
	defer bare.Close()

	info.Direct, info.Bare, info.PID = upURL, bareURL, os.Getpid()
	if *withPprof {
		ps, u, err := startPprof()
		if err != nil {
			return err
		}
		defer ps.Close()
		info.Pprof = u
	}
	if err := json.NewEncoder(os.Stdout).Encode(info); err != nil {
		return err
	}
	// Serve until the parent closes our stdin (or dies).
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

// serveLogger returns Rempart's logger: warnings to stderr, or with
// accessLog every request as JSON into a file (as a production node would).
func serveLogger(dir string, accessLog bool) (*slog.Logger, func(), error) {
	if !accessLog {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), func() {}, nil
	}
	f, err := os.Create(filepath.Join(dir, "access.log"))
	if err != nil {
		return nil, nil, err
	}
	return slog.New(slog.NewJSONHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo})), func() { f.Close() }, nil
}

// startUpstream serves the trivial upstream in plaintext on loopback: every
// method, every path, the same JSON answer.
func startUpstream() (*http.Server, string, error) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read any request body (the pipeline targets POST one), so that
		// the connection stays reusable whatever its size.
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, upstreamBody)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", fmt.Errorf("upstream: %w", err)
	}
	srv := web.NewServer(h, nil, nil)
	go func() { _ = srv.Serve(ln) }()
	return srv, "http://" + ln.Addr().String(), nil
}

// startRempart writes the config, builds and starts the app and registers
// the benchmark client.
func startRempart(ctx context.Context, dir, upURL, respValidation string, log *slog.Logger) (*app.App, *serveInfo, error) {
	asPort, err := freePort()
	if err != nil {
		return nil, nil, err
	}
	gwPort, err := freePort()
	if err != nil {
		return nil, nil, err
	}
	cfgFile := filepath.Join(dir, "rempart.yaml")
	yml := fmt.Sprintf(benchConfig, filepath.Join(dir, "data"), asPort, asPort, gwPort,
		benchAPI, upURL, benchScope,
		pipelineAPI, upURL, pipelineScope, respValidation, pipelinePolicy)
	if err := os.WriteFile(cfgFile, []byte(yml), 0o600); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "pipeline.openapi.yaml"), []byte(pipelineOpenAPI), 0o600); err != nil {
		return nil, nil, err
	}
	cfg, err := config.Load(cfgFile)
	if err != nil {
		return nil, nil, err
	}
	if rep := cfg.Check(); !rep.OK() {
		return nil, nil, fmt.Errorf("config check: %w", rep.Err())
	}
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return nil, nil, fmt.Errorf("app: %w", err)
	}
	if err := a.Start(ctx); err != nil {
		return nil, nil, fmt.Errorf("app start: %w", err)
	}
	res := a.Resources()
	c, secret, err := authserver.RegisterClient(ctx, res.Store, res.Vault, authserver.ClientSpec{
		Name:       "bench",
		GrantTypes: []string{"client_credentials"},
		Scopes:     []string{benchScope, pipelineScope},
	}, time.Now())
	if err != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return nil, nil, errors.Join(fmt.Errorf("register client: %w", err), a.Shutdown(sctx))
	}
	as := "https://" + a.Addr(app.RoleAuthorizationServer)
	return a, &serveInfo{
		Gateway:      "https://" + a.Addr(app.RoleGateway),
		Token:        as + "/token",
		CAFile:       certs.CAFile(filepath.Join(dir, "data", "tls")),
		ClientID:     c.ID,
		ClientSecret: secret,
	}, nil
}

// startBareProxy serves a plain httputil.ReverseProxy to upURL over TLS,
// with the same TLS settings (certs.ServerConfig), certificate (the local
// CA's, in tlsDir), server limits (web.NewServer) and upstream transport
// settings as Rempart's gateway. With pool it also recycles its body-copy
// buffers as the gateway does; without, ReverseProxy allocates 32 KiB per
// request (the stdlib default), which makes the baseline slower.
func startBareProxy(tlsDir, upURL string, pool bool) (*http.Server, string, error) {
	up, err := url.Parse(upURL)
	if err != nil {
		return nil, "", err
	}
	cert, err := certs.EnsureLocal(tlsDir, []string{"127.0.0.1"}, time.Now())
	if err != nil {
		return nil, "", fmt.Errorf("bare proxy certificate: %w", err)
	}
	tlsConf, err := certs.ServerConfig(certs.Options{Cert: &cert})
	if err != nil {
		return nil, "", fmt.Errorf("bare proxy TLS: %w", err)
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(up)
			pr.SetXForwarded()
		},
		Transport: upstreamTransport(),
	}
	if pool {
		rp.BufferPool = &bufferPool{p: sync.Pool{New: func() any { b := make([]byte, copyBufferSize); return &b }}}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", fmt.Errorf("bare proxy: %w", err)
	}
	srv := web.NewServer(rp, tlsConf, nil)
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	return srv, "https://" + ln.Addr().String(), nil
}

// upstreamTransport mirrors the gateway's default upstream transport
// (internal/gateway newTransport) for a plain-HTTP upstream: a large idle
// pool, so the bare proxy is not penalised by connection churn.
func upstreamTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     false,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// copyBufferSize is ReverseProxy's default body-copy buffer size.
const copyBufferSize = 32 << 10

// bufferPool is an httputil.BufferPool over sync.Pool.
type bufferPool struct{ p sync.Pool }

func (bp *bufferPool) Get() []byte { return *bp.p.Get().(*[]byte) }

func (bp *bufferPool) Put(b []byte) {
	if cap(b) != copyBufferSize {
		return
	}
	b = b[:copyBufferSize]
	bp.p.Put(&b)
}

// startPprof serves the CPU profile endpoint on loopback (plain HTTP).
func startPprof() (*http.Server, string, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", fmt.Errorf("pprof: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv, "http://" + ln.Addr().String(), nil
}

// freePort returns a loopback port that was free a moment ago (Rempart's
// issuer must name its port before the listener exists).
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
