package certs

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"testing"
)

func TestReloader(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t, "reload CA")
	certA := ca.issue(t, "cert-a", ecKey(t), x509.ExtKeyUsageServerAuth, "localhost")
	certB := ca.issue(t, "cert-b", ecKey(t), x509.ExtKeyUsageServerAuth, "localhost")
	certPath, keyPath := writeCertPair(t, dir, "server", certA)

	rl, err := NewReloader(certPath, keyPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ServerConfig(Options{Reloader: rl})
	if err != nil {
		t.Fatal(err)
	}
	s := startTLS(t, cfg, nil)
	served := func() string {
		t.Helper()
		conn, err := tls.Dial("tcp", s.Listener.Addr().String(), &tls.Config{RootCAs: ca.pool(), ServerName: "localhost"})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].Subject.CommonName
	}

	steps := []struct {
		name    string
		write   *tls.Certificate // new pair to write before Reload; nil: corrupt the cert file
		wantErr bool
		want    string
	}{
		{name: "ok/initial", want: "cert-a"},
		{name: "ok/swap", write: &certB, want: "cert-b"},
		{name: "fail/corrupt-keeps-old", wantErr: true, want: "cert-b"},
		{name: "ok/swap-back", write: &certA, want: "cert-a"},
	}
	for i, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if i > 0 {
				if st.write != nil {
					writeCertPair(t, dir, "server", *st.write)
				} else if err := os.WriteFile(certPath, []byte("garbage"), 0o644); err != nil {
					t.Fatal(err)
				}
				err := rl.Reload()
				if (err != nil) != st.wantErr {
					t.Fatalf("Reload() = %v, wantErr %v", err, st.wantErr)
				}
			}
			if got := served(); got != st.want {
				t.Errorf("served %q, want %q", got, st.want)
			}
		})
	}
}
