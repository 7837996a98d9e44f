package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// File names EnsureLocal uses inside its directory.
const (
	caCertName     = "ca.pem"
	caKeyName      = "ca-key.pem"
	serverCertName = "server.pem"
	serverKeyName  = "server-key.pem"
)

const (
	caYears        = 10
	serverValidity = 397 * 24 * time.Hour // CA/Browser Forum maximum
	renewBefore    = 30 * 24 * time.Hour  // reissue when less is left
	backdate       = time.Hour            // tolerate clock skew between hosts
)

// ErrCorrupt marks a certificate or key file that exists but cannot be used;
// the error names the file.
var ErrCorrupt = errors.New("certs: unusable file")

// CAFile returns the path of the local CA certificate in dir, the file a
// client passes to curl --cacert.
func CAFile(dir string) string { return filepath.Join(dir, caCertName) }

// EnsureLocal returns a server certificate for hosts signed by a local
// development CA kept in dir, creating what is missing: ca.pem/ca-key.pem
// (ECDSA P-256, 10 years) and server.pem/server-key.pem (ECDSA P-256, at most
// 397 days). The server certificate always covers localhost, 127.0.0.1 and
// ::1; hosts may be names, IP addresses or host:port pairs (unspecified
// addresses and empty hosts are skipped). Existing files are reused while
// valid at now for every host and more than 30 days from expiry; otherwise
// the server certificate is reissued and the CA kept. The result carries the
// chain leaf, CA.
func EnsureLocal(dir string, hosts []string, now time.Time) (tls.Certificate, error) {
	want, err := normalizeHosts(hosts)
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := ensureDir(dir); err != nil {
		return tls.Certificate{}, err
	}
	ca, caKey, err := ensureCA(dir, now)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, key, err := loadServer(dir, ca, want, now)
	if err != nil {
		return tls.Certificate{}, err
	}
	if leaf == nil {
		if leaf, key, err = issueServer(dir, ca, caKey, want, now); err != nil {
			return tls.Certificate{}, err
		}
	}
	return tls.Certificate{
		Certificate: [][]byte{leaf.Raw, ca.Raw},
		PrivateKey:  key,
		Leaf:        leaf,
	}, nil
}

// ensureDir creates dir 0700, tightening an existing one that is wider.
func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("certs: create %s: %w", dir, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("certs: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("certs: chmod %s: %w", dir, err)
		}
	}
	return nil
}

// ensureCA loads the CA, or creates it when ca.pem is absent or no longer
// valid. A key without its certificate is the trace of an interrupted first
// run and is replaced; a certificate without its key is an error.
func ensureCA(dir string, now time.Time) (*x509.Certificate, crypto.Signer, error) {
	certPath, keyPath := filepath.Join(dir, caCertName), filepath.Join(dir, caKeyName)
	certOK, err := exists(certPath)
	if err != nil {
		return nil, nil, fmt.Errorf("certs: %w", err)
	}
	if !certOK {
		return newCA(dir, now)
	}
	certs, err := readCertFile(certPath)
	if err != nil {
		return nil, nil, fmt.Errorf("certs: read CA: %w", err)
	}
	key, err := readKeyFile(keyPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("%w: %s exists but its key %s is missing", ErrCorrupt, certPath, keyPath)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("certs: read CA key: %w", err)
	}
	ca := certs[0]
	if !ca.IsCA || ca.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, nil, fmt.Errorf("%w: %s is not a CA certificate", ErrCorrupt, certPath)
	}
	if !keyMatches(ca, key) {
		return nil, nil, fmt.Errorf("%w: %s does not match %s", ErrCorrupt, keyPath, certPath)
	}
	if now.Before(ca.NotBefore) || now.Add(renewBefore).After(ca.NotAfter) {
		return newCA(dir, now)
	}
	return ca, key, nil
}

// newCA creates and writes a fresh CA, key first so that a crash never leaves
// a certificate without its key.
func newCA(dir string, now time.Time) (*x509.Certificate, crypto.Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("certs: generate CA key: %w", err)
	}
	suffix := make([]byte, 3)
	if _, err := rand.Read(suffix); err != nil {
		return nil, nil, fmt.Errorf("certs: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "Rempart Local CA " + hex.EncodeToString(suffix), Organization: []string{"Rempart"}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.AddDate(caYears, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, fmt.Errorf("certs: create CA: %w", err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("certs: parse CA: %w", err)
	}
	if err := writePair(dir, caCertName, caKeyName, der, key); err != nil {
		return nil, nil, err
	}
	return ca, key, nil
}

// loadServer returns the existing server certificate when it can be reused
// for want at now, (nil, nil, nil) when it must be reissued (absent, half
// written, from another CA, expiring, missing a host), and an error when a
// file exists but cannot be parsed.
func loadServer(dir string, ca *x509.Certificate, want hostSet, now time.Time) (*x509.Certificate, crypto.Signer, error) {
	certPath, keyPath := filepath.Join(dir, serverCertName), filepath.Join(dir, serverKeyName)
	certs, err := readCertFile(certPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("certs: read server certificate: %w", err)
	}
	key, err := readKeyFile(keyPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("certs: read server key: %w", err)
	}
	leaf := certs[0]
	if !keyMatches(leaf, key) || now.Add(renewBefore).After(leaf.NotAfter) {
		return nil, nil, nil
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	opts := x509.VerifyOptions{Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	for _, h := range want.all() {
		opts.DNSName = h
		if _, err := leaf.Verify(opts); err != nil {
			return nil, nil, nil
		}
	}
	return leaf, key, nil
}

// issueServer signs and writes a new server certificate for want.
func issueServer(dir string, ca *x509.Certificate, caKey crypto.Signer, want hostSet, now time.Time) (*x509.Certificate, crypto.Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("certs: generate server key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, nil, err
	}
	notBefore := now.Add(-backdate)
	notAfter := notBefore.Add(serverValidity)
	if notAfter.After(ca.NotAfter) {
		notAfter = ca.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: want.names[0], Organization: []string{"Rempart local development"}},
		DNSNames:              want.names,
		IPAddresses:           want.ips,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		return nil, nil, fmt.Errorf("certs: create server certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("certs: parse server certificate: %w", err)
	}
	if err := writePair(dir, serverCertName, serverKeyName, der, key); err != nil {
		return nil, nil, err
	}
	return leaf, key, nil
}

// writePair writes the key (0600) and then the certificate (0644).
func writePair(dir, certName, keyName string, der []byte, key crypto.Signer) error {
	kp, err := encodeKey(key)
	if err != nil {
		return fmt.Errorf("certs: encode %s: %w", keyName, err)
	}
	if err := writeFileAtomic(filepath.Join(dir, keyName), kp, 0o600); err != nil {
		return fmt.Errorf("certs: write %s: %w", keyName, err)
	}
	if err := writeFileAtomic(filepath.Join(dir, certName), encodeCert(der), 0o644); err != nil {
		return fmt.Errorf("certs: write %s: %w", certName, err)
	}
	return nil
}

// randomSerial returns a random positive 128-bit serial number (RFC 5280 §4.1.2.2).
func randomSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("certs: serial: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}
