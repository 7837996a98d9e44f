package certs

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// startTLS serves a trivial handler with cfg and returns its address.
func startTLS(t *testing.T, cfg *tls.Config, h http.Handler) *httptest.Server {
	t.Helper()
	if h == nil {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	}
	s := httptest.NewUnstartedServer(h)
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	s.TLS = cfg
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

func TestServerConfigProtocols(t *testing.T) { // R12
	local, err := EnsureLocal(t.TempDir(), nil, testNow)
	if err != nil {
		t.Fatal(err)
	}
	localPool := x509.NewCertPool()
	localPool.AddCert(local.Leaf) // leaf as root is enough for the protocol tests
	localPool.AddCert(mustParse(t, local.Certificate[1]))

	rsaCA := newTestCA(t, "rsa test CA")
	rsaCert := rsaCA.issue(t, "localhost", rsaKey(t, 2048), x509.ExtKeyUsageServerAuth, "localhost")

	servers := []struct {
		name string
		cert tls.Certificate
		pool *x509.CertPool
	}{
		{"ecdsa", local, localPool},
		{"rsa", rsaCert, rsaCA.pool()},
	}

	tls12 := func(suites ...uint16) *tls.Config {
		return &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: suites}
	}
	tests := []struct {
		name      string
		server    string // which server certificate
		client    *tls.Config
		ok        bool
		wantVer   uint16
		wantSuite uint16
	}{
		{name: "ok/tls13", server: "ecdsa", client: &tls.Config{MinVersion: tls.VersionTLS13}, ok: true, wantVer: tls.VersionTLS13},
		{name: "ok/tls13-rsa", server: "rsa", client: &tls.Config{MinVersion: tls.VersionTLS13}, ok: true, wantVer: tls.VersionTLS13},
		{name: "ok/tls12-ecdhe-ecdsa-aes128-gcm", server: "ecdsa", client: tls12(tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256), ok: true, wantVer: tls.VersionTLS12, wantSuite: tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
		{name: "ok/tls12-ecdhe-ecdsa-aes256-gcm", server: "ecdsa", client: tls12(tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384), ok: true, wantVer: tls.VersionTLS12, wantSuite: tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384},
		{name: "ok/tls12-ecdhe-ecdsa-chacha20", server: "ecdsa", client: tls12(tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256), ok: true, wantVer: tls.VersionTLS12, wantSuite: tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256},
		{name: "ok/tls12-ecdhe-rsa-aes128-gcm", server: "rsa", client: tls12(tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), ok: true, wantVer: tls.VersionTLS12, wantSuite: tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
		{name: "ok/tls12-ecdhe-rsa-chacha20", server: "rsa", client: tls12(tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256), ok: true, wantVer: tls.VersionTLS12, wantSuite: tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256},
		{name: "fail/tls11", server: "ecdsa", client: &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}},
		{name: "fail/tls11-rsa", server: "rsa", client: &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}},
		{name: "fail/tls12-ecdhe-ecdsa-cbc", server: "ecdsa", client: tls12(tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA)},
		{name: "fail/tls12-ecdhe-ecdsa-cbc-sha256", server: "ecdsa", client: tls12(tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256)},
		{name: "fail/tls12-ecdhe-rsa-cbc", server: "rsa", client: tls12(tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA)},
		{name: "fail/tls12-rsa-kex-gcm", server: "rsa", client: tls12(tls.TLS_RSA_WITH_AES_128_GCM_SHA256)},
		{name: "fail/tls12-rsa-kex-cbc", server: "rsa", client: tls12(tls.TLS_RSA_WITH_AES_128_CBC_SHA)},
	}

	// weaken lets the "fail" clients in: it proves they really offer what
	// they claim, so that their failure against ServerConfig is meaningful.
	weaken := func(cfg *tls.Config) *tls.Config {
		w := cfg.Clone()
		w.MinVersion = tls.VersionTLS10
		w.CipherSuites = nil
		for _, s := range tls.CipherSuites() {
			w.CipherSuites = append(w.CipherSuites, s.ID)
		}
		for _, s := range tls.InsecureCipherSuites() {
			w.CipherSuites = append(w.CipherSuites, s.ID)
		}
		return w
	}

	for _, srv := range servers {
		cert := srv.cert
		cfg, err := ServerConfig(Options{Cert: &cert})
		if err != nil {
			t.Fatal(err)
		}
		strict := startTLS(t, cfg, nil)
		weak := startTLS(t, weaken(cfg), nil)
		for _, tc := range tests {
			if tc.server != srv.name {
				continue
			}
			t.Run(tc.name, func(t *testing.T) {
				dial := func(s *httptest.Server) (tls.ConnectionState, error) {
					c := tc.client.Clone()
					c.RootCAs, c.ServerName = srv.pool, "localhost"
					conn, err := tls.Dial("tcp", s.Listener.Addr().String(), c)
					if err != nil {
						return tls.ConnectionState{}, err
					}
					defer conn.Close()
					return conn.ConnectionState(), nil
				}
				cs, err := dial(strict)
				if tc.ok {
					if err != nil {
						t.Fatalf("handshake: %v, want success", err)
					}
					if cs.Version != tc.wantVer {
						t.Errorf("version = %s, want %s", tls.VersionName(cs.Version), tls.VersionName(tc.wantVer))
					}
					if tc.wantSuite != 0 && cs.CipherSuite != tc.wantSuite {
						t.Errorf("suite = %s, want %s", tls.CipherSuiteName(cs.CipherSuite), tls.CipherSuiteName(tc.wantSuite))
					}
					return
				}
				if err == nil {
					t.Fatalf("handshake succeeded with %s %s, want refusal", tls.VersionName(cs.Version), tls.CipherSuiteName(cs.CipherSuite))
				}
				if _, err := dial(weak); err != nil {
					t.Fatalf("control: weakened server refused the client too (%v): the test proves nothing", err)
				}
			})
		}
	}
}

func TestServerConfigSettings(t *testing.T) {
	local, err := EnsureLocal(t.TempDir(), nil, testNow)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ServerConfig(Options{Cert: &local})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MinVersion != tls.VersionTLS12 || cfg.MaxVersion != tls.VersionTLS13 {
		t.Errorf("versions = %x..%x, want TLS 1.2..1.3", cfg.MinVersion, cfg.MaxVersion)
	}
	for _, id := range cfg.CipherSuites {
		name := tls.CipherSuiteName(id)
		if !strings.HasPrefix(name, "TLS_ECDHE_") || !(strings.Contains(name, "_GCM_") || strings.Contains(name, "CHACHA20")) {
			t.Errorf("suite %s offered: want only ECDHE with AEAD", name)
		}
	}
	if len(cfg.CipherSuites) != 6 {
		t.Errorf("%d suites, want 6", len(cfg.CipherSuites))
	}
	if !slices.Equal(cfg.CurvePreferences, []tls.CurveID{tls.X25519MLKEM768, tls.X25519, tls.CurveP256, tls.CurveP384}) {
		t.Errorf("curves = %v", cfg.CurvePreferences)
	}
	if !slices.Equal(cfg.NextProtos, []string{"h2", "http/1.1"}) {
		t.Errorf("NextProtos = %v", cfg.NextProtos)
	}
	if cfg.ClientAuth != tls.NoClientCert {
		t.Errorf("ClientAuth = %v without a client CA, want NoClientCert", cfg.ClientAuth)
	}
}

func TestServerConfigHostname(t *testing.T) {
	dir := t.TempDir()
	local, err := EnsureLocal(dir, []string{"rempart.test"}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ServerConfig(Options{Cert: &local})
	if err != nil {
		t.Fatal(err)
	}
	s := startTLS(t, cfg, nil)
	caPEM, err := os.ReadFile(CAFile(dir))
	if err != nil {
		t.Fatal(err)
	}
	trusting := x509.NewCertPool()
	if !trusting.AppendCertsFromPEM(caPEM) {
		t.Fatal("ca.pem has no certificate")
	}
	tests := []struct {
		name       string
		serverName string
		roots      *x509.CertPool
		ok         bool
	}{
		{"ok/ip-127.0.0.1", "127.0.0.1", trusting, true},
		{"ok/localhost", "localhost", trusting, true},
		{"ok/ipv6-loopback", "::1", trusting, true},
		{"ok/requested-host", "rempart.test", trusting, true},
		{"fail/other-host", "example.com", trusting, false},
		{"fail/ca-not-trusted", "localhost", x509.NewCertPool(), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := tls.Dial("tcp", s.Listener.Addr().String(), &tls.Config{RootCAs: tc.roots, ServerName: tc.serverName})
			if (err == nil) != tc.ok {
				t.Fatalf("dial as %q: err = %v, want ok=%v", tc.serverName, err, tc.ok)
			}
			if err != nil {
				return
			}
			defer conn.Close()
			if n := len(conn.ConnectionState().PeerCertificates); n != 2 {
				t.Errorf("server sent %d certificates, want leaf + CA", n)
			}
		})
	}
}

func TestServerConfigClientCA(t *testing.T) { // A2: the listener asks, never requires
	dir := t.TempDir()
	local, err := EnsureLocal(filepath.Join(dir, "tls"), nil, testNow)
	if err != nil {
		t.Fatal(err)
	}
	clientCA := newTestCA(t, "client CA")
	otherCA := newTestCA(t, "other CA")
	caPath := clientCA.writePEM(t, dir, "clients.pem")
	cfg, err := ServerConfig(Options{Cert: &local, ClientCAFile: caPath})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ClientAuth != tls.VerifyClientCertIfGiven {
		t.Errorf("ClientAuth = %v, want VerifyClientCertIfGiven", cfg.ClientAuth)
	}
	s := startTLS(t, cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) == 0 {
			fmt.Fprint(w, "none")
			return
		}
		fmt.Fprint(w, r.TLS.PeerCertificates[0].Subject.CommonName)
	}))
	roots := x509.NewCertPool()
	roots.AddCert(mustParse(t, local.Certificate[1]))

	tests := []struct {
		name   string
		cert   *tls.Certificate // always presented, whatever CAs the server names
		maxVer uint16
		ok     bool
		want   string
	}{
		{name: "ok/client-cert", cert: ptr(clientCA.issue(t, "client-1", ecKey(t), x509.ExtKeyUsageClientAuth)), ok: true, want: "client-1"},
		{name: "ok/client-cert-tls12", cert: ptr(clientCA.issue(t, "client-2", ecKey(t), x509.ExtKeyUsageClientAuth)), maxVer: tls.VersionTLS12, ok: true, want: "client-2"},
		{name: "ok/no-client-cert", ok: true, want: "none"},
		{name: "fail/cert-from-other-ca", cert: ptr(otherCA.issue(t, "intruder", ecKey(t), x509.ExtKeyUsageClientAuth))},
		{name: "fail/server-auth-only-cert", cert: ptr(clientCA.issue(t, "wrong-usage", ecKey(t), x509.ExtKeyUsageServerAuth))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cc := &tls.Config{RootCAs: roots, MaxVersion: tc.maxVer}
			if tc.cert != nil {
				cc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return tc.cert, nil }
			}
			c := &http.Client{Transport: &http.Transport{TLSClientConfig: cc}}
			defer c.CloseIdleConnections()
			resp, err := c.Get("https://localhost:" + portOf(s))
			if !tc.ok {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("status %d, want a TLS failure", resp.StatusCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if got := string(body); got != tc.want {
				t.Errorf("peer = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestServerConfigErrors(t *testing.T) {
	dir := t.TempDir()
	local, err := EnsureLocal(filepath.Join(dir, "tls"), nil, testNow)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath := filepath.Join(dir, "tls", "server.pem"), filepath.Join(dir, "tls", "server-key.pem")
	noCert := filepath.Join(dir, "nocert.pem")
	if err := os.WriteFile(noCert, []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badCert := filepath.Join(dir, "badcert.pem")
	if err := os.WriteFile(badCert, encodeCert([]byte("garbage")), 0o644); err != nil {
		t.Fatal(err)
	}
	weakCA := newTestCA(t, "weak")
	weak := weakCA.issue(t, "localhost", rsaKey(t, 1024), x509.ExtKeyUsageServerAuth, "localhost")

	tests := []struct {
		name    string
		opts    Options
		wantErr error  // errors.Is target, or nil
		wantMsg string // substring of the message
	}{
		{name: "ok/files", opts: Options{CertFile: certPath, KeyFile: keyPath}},
		{name: "ok/cert", opts: Options{Cert: &local}},
		{name: "fail/no-source", opts: Options{}, wantErr: ErrNoCertificate},
		{name: "fail/two-sources", opts: Options{Cert: &local, CertFile: certPath, KeyFile: keyPath}, wantErr: ErrNoCertificate},
		{name: "fail/empty-reloader", opts: Options{Reloader: &Reloader{}}, wantErr: ErrNoCertificate},
		{name: "fail/empty-cert", opts: Options{Cert: &tls.Certificate{}}, wantMsg: "empty certificate"},
		{name: "fail/weak-rsa", opts: Options{Cert: &weak}, wantMsg: "1024 bits"},
		{name: "fail/cert-file-missing", opts: Options{CertFile: filepath.Join(dir, "absent.pem"), KeyFile: keyPath}, wantErr: os.ErrNotExist, wantMsg: "absent.pem"},
		{name: "fail/key-only", opts: Options{KeyFile: keyPath}, wantMsg: "server-key.pem"},
		{name: "fail/client-ca-no-cert", opts: Options{Cert: &local, ClientCAFile: noCert}, wantMsg: noCert},
		{name: "fail/client-ca-corrupt", opts: Options{Cert: &local, ClientCAFile: badCert}, wantMsg: badCert},
		{name: "fail/client-ca-missing", opts: Options{Cert: &local, ClientCAFile: filepath.Join(dir, "nope.pem")}, wantErr: os.ErrNotExist},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ServerConfig(tc.opts)
			if tc.wantErr == nil && tc.wantMsg == "" {
				if err != nil || cfg == nil {
					t.Fatalf("ServerConfig = %v, %v; want a config", cfg, err)
				}
				return
			}
			if err == nil {
				t.Fatal("ServerConfig succeeded, want an error")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("err = %q, want it to mention %q", err, tc.wantMsg)
			}
		})
	}
}

func mustParse(t *testing.T, der []byte) *x509.Certificate {
	t.Helper()
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

func portOf(s *httptest.Server) string {
	a := s.Listener.Addr().String()
	return a[strings.LastIndexByte(a, ':')+1:]
}
