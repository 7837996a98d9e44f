package certs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestEnsureLocalCreates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	c, err := EnsureLocal(dir, []string{"rempart.test", "10.0.0.7:8443"}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Certificate) != 2 || c.Leaf == nil {
		t.Fatalf("chain of %d certificates, leaf %v; want leaf + CA", len(c.Certificate), c.Leaf)
	}
	ca := mustParse(t, c.Certificate[1])
	leaf := c.Leaf

	t.Run("ca", func(t *testing.T) {
		if !ca.IsCA || !ca.BasicConstraintsValid || ca.MaxPathLen != 0 || !ca.MaxPathLenZero {
			t.Errorf("CA constraints: IsCA=%v MaxPathLen=%d zero=%v", ca.IsCA, ca.MaxPathLen, ca.MaxPathLenZero)
		}
		if ca.KeyUsage&x509.KeyUsageCertSign == 0 {
			t.Error("CA lacks KeyUsageCertSign")
		}
		if !strings.HasPrefix(ca.Subject.CommonName, "Rempart Local CA ") || len(ca.Subject.CommonName) <= len("Rempart Local CA ") {
			t.Errorf("CA name = %q", ca.Subject.CommonName)
		}
		if k, ok := ca.PublicKey.(*ecdsa.PublicKey); !ok || k.Curve != elliptic.P256() {
			t.Errorf("CA key %T, want ECDSA P-256", ca.PublicKey)
		}
		if got := ca.NotAfter.Sub(testNow); got < 9*365*24*time.Hour || got > 11*365*24*time.Hour {
			t.Errorf("CA lifetime %v, want about 10 years", got)
		}
		onDisk, err := readCertFile(CAFile(dir))
		if err != nil || !bytes.Equal(onDisk[0].Raw, ca.Raw) {
			t.Errorf("CAFile(%s) does not hold the returned CA (err %v)", dir, err)
		}
	})
	t.Run("server", func(t *testing.T) {
		if k, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok || k.Curve != elliptic.P256() {
			t.Errorf("server key %T, want ECDSA P-256", leaf.PublicKey)
		}
		if life := leaf.NotAfter.Sub(leaf.NotBefore); life > 397*24*time.Hour {
			t.Errorf("server lifetime %v > 397 days", life)
		}
		if leaf.IsCA || !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageServerAuth) {
			t.Errorf("server cert IsCA=%v EKU=%v", leaf.IsCA, leaf.ExtKeyUsage)
		}
		if err := leaf.CheckSignatureFrom(ca); err != nil {
			t.Errorf("server cert not signed by the CA: %v", err)
		}
		if !slices.Equal(leaf.DNSNames, []string{"localhost", "rempart.test"}) {
			t.Errorf("DNS SANs = %v", leaf.DNSNames)
		}
		var ips []string
		for _, ip := range leaf.IPAddresses {
			ips = append(ips, ip.String())
		}
		if !slices.Equal(ips, []string{"127.0.0.1", "::1", "10.0.0.7"}) {
			t.Errorf("IP SANs = %v", ips)
		}
		if !keyMatches(leaf, c.PrivateKey.(*ecdsa.PrivateKey)) {
			t.Error("returned private key does not match the leaf")
		}
	})
	t.Run("permissions", func(t *testing.T) {
		for name, want := range map[string]os.FileMode{
			".": 0o700, caKeyName: 0o600, serverKeyName: 0o600, caCertName: 0o644, serverCertName: 0o644,
		} {
			fi, err := os.Stat(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != want {
				t.Errorf("%s mode %o, want %o", name, got, want)
			}
		}
	})
	t.Run("no-temp-files", func(t *testing.T) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 4 {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Errorf("dir holds %v, want exactly the four PEM files", names)
		}
	})
}

func TestEnsureLocalReuse(t *testing.T) {
	year := 365 * 24 * time.Hour
	tests := []struct {
		name        string
		firstHosts  []string
		secondHosts []string
		secondAt    time.Time
		sameLeaf    bool
		sameCA      bool
	}{
		{name: "ok/idempotent", secondAt: testNow, sameLeaf: true, sameCA: true},
		{name: "ok/idempotent-with-hosts", firstHosts: []string{"a.test", "10.0.0.1"}, secondHosts: []string{"10.0.0.1", "A.test."}, secondAt: testNow, sameLeaf: true, sameCA: true},
		{name: "ok/subset-of-hosts", firstHosts: []string{"a.test", "b.test"}, secondHosts: []string{"b.test"}, secondAt: testNow, sameLeaf: true, sameCA: true},
		{name: "ok/later-but-not-expiring", secondAt: testNow.Add(300 * 24 * time.Hour), sameLeaf: true, sameCA: true},
		{name: "reissue/new-host", secondHosts: []string{"new.test"}, secondAt: testNow, sameCA: true},
		{name: "reissue/new-ip", firstHosts: []string{"a.test"}, secondHosts: []string{"a.test", "192.0.2.10"}, secondAt: testNow, sameCA: true},
		{name: "reissue/expiring-within-30-days", secondAt: testNow.Add(370 * 24 * time.Hour), sameCA: true},
		{name: "reissue/ca-expired", secondAt: testNow.Add(10*year + 30*24*time.Hour)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			first, err := EnsureLocal(dir, tc.firstHosts, testNow)
			if err != nil {
				t.Fatal(err)
			}
			second, err := EnsureLocal(dir, tc.secondHosts, tc.secondAt)
			if err != nil {
				t.Fatal(err)
			}
			if got := bytes.Equal(first.Certificate[0], second.Certificate[0]); got != tc.sameLeaf {
				t.Errorf("same server certificate = %v, want %v", got, tc.sameLeaf)
			}
			if got := bytes.Equal(first.Certificate[1], second.Certificate[1]); got != tc.sameCA {
				t.Errorf("same CA = %v, want %v", got, tc.sameCA)
			}
			// Whatever happened, the result is valid for the requested hosts at
			// that time, chains to the CA on disk, and is what the disk holds.
			roots := x509.NewCertPool()
			ca, err := readCertFile(CAFile(dir))
			if err != nil {
				t.Fatal(err)
			}
			roots.AddCert(ca[0])
			for _, h := range append([]string{"localhost", "127.0.0.1", "::1"}, tc.secondHosts...) {
				h = strings.TrimSuffix(h, ".")
				if _, err := second.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: h, CurrentTime: tc.secondAt}); err != nil {
					t.Errorf("verify for %q: %v", h, err)
				}
			}
			third, err := EnsureLocal(dir, tc.secondHosts, tc.secondAt)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(third.Certificate[0], second.Certificate[0]) {
				t.Error("third call changed the certificate again")
			}
		})
	}
}

func TestEnsureLocalFiles(t *testing.T) {
	otherKey, err := encodeKey(ecKey(t))
	if err != nil {
		t.Fatal(err)
	}
	garbage := []byte("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n")
	tests := []struct {
		name      string
		file      string
		content   []byte // nil: delete the file
		wantErr   bool
		wantInMsg string
		sameLeaf  bool
		sameCA    bool
	}{
		{name: "fail/ca-corrupt", file: caCertName, content: garbage, wantErr: true, wantInMsg: caCertName},
		{name: "fail/ca-not-pem", file: caCertName, content: []byte("hello"), wantErr: true, wantInMsg: caCertName},
		{name: "fail/ca-key-corrupt", file: caKeyName, content: []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), wantErr: true, wantInMsg: caKeyName},
		{name: "fail/ca-key-missing", file: caKeyName, wantErr: true, wantInMsg: caKeyName},
		{name: "fail/ca-key-mismatch", file: caKeyName, content: otherKey, wantErr: true, wantInMsg: caKeyName},
		{name: "fail/server-corrupt", file: serverCertName, content: garbage, wantErr: true, wantInMsg: serverCertName},
		{name: "fail/server-key-corrupt", file: serverKeyName, content: []byte("junk"), wantErr: true, wantInMsg: serverKeyName},
		{name: "reissue/server-key-mismatch", file: serverKeyName, content: otherKey, sameCA: true},
		{name: "reissue/server-missing", file: serverCertName, sameCA: true},
		{name: "reissue/server-key-missing", file: serverKeyName, sameCA: true},
		{name: "recreate/ca-missing", file: caCertName},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			first, err := EnsureLocal(dir, nil, testNow)
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, tc.file)
			if tc.content == nil {
				err = os.Remove(p)
			} else {
				err = os.WriteFile(p, tc.content, 0o600)
			}
			if err != nil {
				t.Fatal(err)
			}
			second, err := EnsureLocal(dir, nil, testNow)
			if tc.wantErr {
				if err == nil {
					t.Fatal("EnsureLocal succeeded, want an error")
				}
				if !errors.Is(err, ErrCorrupt) {
					t.Errorf("err = %v, want ErrCorrupt", err)
				}
				if !strings.Contains(err.Error(), tc.wantInMsg) {
					t.Errorf("err = %q, want it to name %s", err, tc.wantInMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := bytes.Equal(first.Certificate[0], second.Certificate[0]); got != tc.sameLeaf {
				t.Errorf("same server certificate = %v, want %v", got, tc.sameLeaf)
			}
			if got := bytes.Equal(first.Certificate[1], second.Certificate[1]); got != tc.sameCA {
				t.Errorf("same CA = %v, want %v", got, tc.sameCA)
			}
			if _, err := tls.LoadX509KeyPair(filepath.Join(dir, serverCertName), filepath.Join(dir, serverKeyName)); err != nil {
				t.Errorf("server pair on disk unusable after repair: %v", err)
			}
		})
	}
}

func TestEnsureLocalTightensDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := EnsureLocal(dir, nil, testNow); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o700 {
		t.Errorf("dir mode %o, want 700", got)
	}
}

func TestNormalizeHosts(t *testing.T) {
	tests := []struct {
		name    string
		in      []string
		names   []string
		ips     []string
		wantErr bool
	}{
		{name: "ok/defaults", names: []string{"localhost"}, ips: []string{"127.0.0.1", "::1"}},
		{name: "ok/host-port", in: []string{"api.test:443", "[2001:db8::1]:8443", "192.0.2.1:9443"}, names: []string{"localhost", "api.test"}, ips: []string{"127.0.0.1", "::1", "2001:db8::1", "192.0.2.1"}},
		{name: "ok/case-dot-dupes", in: []string{"API.Test.", "api.test", "LOCALHOST", "::ffff:127.0.0.1"}, names: []string{"localhost", "api.test"}, ips: []string{"127.0.0.1", "::1"}},
		{name: "ok/skip-unspecified-empty", in: []string{"", "0.0.0.0", "::", ":8443", "[::]:1"}, names: []string{"localhost"}, ips: []string{"127.0.0.1", "::1"}},
		{name: "ok/wildcard", in: []string{"*.apps.test"}, names: []string{"localhost", "*.apps.test"}, ips: []string{"127.0.0.1", "::1"}},
		{name: "ok/zone-stripped", in: []string{"fe80::1%eth0"}, names: []string{"localhost"}, ips: []string{"127.0.0.1", "::1", "fe80::1"}},
		{name: "fail/space", in: []string{"bad host"}, wantErr: true},
		{name: "fail/scheme", in: []string{"https://api.test"}, wantErr: true},
		{name: "fail/inner-wildcard", in: []string{"a.*.test"}, wantErr: true},
		{name: "fail/bare-wildcard", in: []string{"*"}, wantErr: true},
		{name: "fail/leading-hyphen", in: []string{"-a.test"}, wantErr: true},
		{name: "ok/unspecified-with-dot", in: []string{"0.0.0.0."}, names: []string{"localhost"}, ips: []string{"127.0.0.1", "::1"}},
		{name: "fail/numeric-tld", in: []string{"1.2.3"}, wantErr: true},
		{name: "fail/long-label", in: []string{strings.Repeat("a", 64) + ".test"}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := normalizeHosts(tc.in)
			if tc.wantErr {
				if !errors.Is(err, ErrInvalidHost) {
					t.Fatalf("err = %v, want ErrInvalidHost", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ips []string
			for _, ip := range got.ips {
				ips = append(ips, ip.String())
			}
			if !slices.Equal(got.names, tc.names) || !slices.Equal(ips, tc.ips) {
				t.Errorf("normalizeHosts(%q) = %v %v, want %v %v", tc.in, got.names, ips, tc.names, tc.ips)
			}
		})
	}
}

func FuzzNormalizeHosts(f *testing.F) {
	for _, s := range []string{"", "localhost", "api.test:443", "[::1]:8443", "0.0.0.0", "*.a.test", "fe80::1%eth0", "bad host", "A.B.", "::ffff:10.0.0.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		got, err := normalizeHosts([]string{h})
		if err != nil {
			if !errors.Is(err, ErrInvalidHost) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if len(got.names) == 0 || got.names[0] != "localhost" {
			t.Fatalf("names %v lost localhost", got.names)
		}
		for _, n := range got.names {
			if !validDNSName(n) {
				t.Fatalf("invalid name %q accepted", n)
			}
		}
		for _, ip := range got.ips {
			if ip.IsUnspecified() || (len(ip) != net.IPv4len && len(ip) != net.IPv6len) {
				t.Fatalf("bad IP SAN %v", ip)
			}
		}
		again, err := normalizeHosts(got.all())
		if err != nil || !slices.Equal(again.all(), got.all()) {
			t.Fatalf("not idempotent: %v -> %v (%v)", got.all(), again.all(), err)
		}
	})
}
