// Command webapp is the sample web application of Rempart's login
// walk-through (docs/login-walkthrough.md): it logs a user in through
// Rempart with OpenID Connect and shows the verified claims. The logic is
// in package rp; this file reads flags and serves it.
//
//	REMPART_DEMO_CLIENT_SECRET=… go run ./examples/webapp \
//	    --issuer https://127.0.0.1:9443 --client-id ID \
//	    --ca-file rempart-data/tls/ca.pem
//
// The client secret is read from --client-secret-file or the environment
// variable REMPART_DEMO_CLIENT_SECRET, never from a flag value, which ps and
// the shell history would show (R5).
//
// The app serves plain HTTP and only on a loopback address: traffic to
// 127.0.0.1 never leaves the machine (RFC 8252 §7.3). A real deployment
// serves the app over https.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/rempart/rempart/examples/webapp/rp"
)

// secretEnv is the environment variable read when --client-secret-file is
// not given.
const secretEnv = "REMPART_DEMO_CLIENT_SECRET"

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(os.Args[1:], os.Getenv, log); err != nil {
		fmt.Fprintln(os.Stderr, "webapp:", err)
		os.Exit(1)
	}
}

func run(args []string, getenv func(string) string, log *slog.Logger) error {
	fs := flag.NewFlagSet("webapp", flag.ContinueOnError)
	issuer := fs.String("issuer", "https://127.0.0.1:9443", "Rempart's issuer URL")
	clientID := fs.String("client-id", "", "the client id `rempart client create` printed")
	secretFile := fs.String("client-secret-file", "", "file holding the client secret (default: $"+secretEnv+")")
	caFile := fs.String("ca-file", "", "PEM file of the CA that signed Rempart's certificate, e.g. rempart-data/tls/ca.pem (default: system roots)")
	listen := fs.String("listen", "127.0.0.1:9100", "loopback address to serve on")
	redirect := fs.String("redirect-url", "http://127.0.0.1:9100"+rp.CallbackPath, "this app's callback, exactly as registered with --redirect-uri")
	scope := fs.String("scope", strings.Join(rp.DefaultScopes, " "), "space-separated scopes to request")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := checkLoopback(*listen); err != nil {
		return err
	}
	secret, err := readSecret(*secretFile, getenv)
	if err != nil {
		return err
	}
	hc, err := providerClient(*caFile)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app, err := rp.New(ctx, rp.Config{
		Issuer: *issuer, ClientID: *clientID, ClientSecret: secret, RedirectURL: *redirect,
		Scopes: strings.Fields(*scope), HTTPClient: hc, Log: log,
	})
	if err != nil {
		return err
	}
	srv := &http.Server{
		Addr: *listen, Handler: app,
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 32 << 10,
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	log.Info("sample app ready", "url", "http://"+ln.Addr().String()+"/", "issuer", *issuer)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// readSecret returns the client secret from file (first line, surrounding
// white space removed) or, without a file, from $REMPART_DEMO_CLIENT_SECRET.
func readSecret(file string, getenv func(string) string) (string, error) {
	s := getenv(secretEnv)
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("client secret: %w", err)
		}
		s, _, _ = strings.Cut(string(b), "\n")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("no client secret: give --client-secret-file or set " + secretEnv)
	}
	return s, nil
}

// providerClient returns the HTTP client for every call to Rempart, TLS 1.2
// at least: it trusts only caFile when given, else the system roots.
func providerClient(caFile string) (*http.Client, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("--ca-file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca-file %s: no PEM certificate", caFile)
		}
		tc.RootCAs = pool
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	return &http.Client{
		Timeout:   10 * time.Second,
		Transport: tr,
		// The provider's endpoints answer directly; a redirect would be a
		// misconfiguration, and following it could send the secret elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, nil
}

// checkLoopback refuses a listen address that is not a loopback IP: this
// demo serves plain HTTP.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--listen %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("--listen %q: this demo serves plain HTTP, so only on a loopback address (127.0.0.1 or ::1)", addr)
	}
	return nil
}
