package certs

import (
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
)

// ErrNoCertificate is returned by ServerConfig when Options names no
// certificate source, or more than one.
var ErrNoCertificate = errors.New("certs: exactly one certificate source is needed (cert_file+key_file, a certificate, or a reloader)")

// Options selects a listener's certificate and optional client CA. Exactly
// one certificate source is set: CertFile with KeyFile, Cert, or Reloader.
type Options struct {
	CertFile     string           // PEM certificate chain, leaf first
	KeyFile      string           // PEM private key for CertFile
	ClientCAFile string           // PEM CA certificates that sign client certificates (A2); "" = none asked
	Cert         *tls.Certificate // alternative to files, e.g. from EnsureLocal
	Reloader     *Reloader        // alternative to files: a certificate swapped by (*Reloader).Reload
}

// cipherSuites are the TLS 1.2 suites offered: ECDHE key exchange with an
// AEAD cipher only (RFC 9325 §4.2). TLS 1.3 suites are fixed by Go and all AEAD.
var cipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// curves are the key exchanges offered: the hybrid post-quantum X25519MLKEM768
// (TLS 1.3 only), then X25519, P-256 and P-384. Go applies its own preference
// order among them.
var curves = []tls.CurveID{tls.X25519MLKEM768, tls.X25519, tls.CurveP256, tls.CurveP384}

// minRSABits is the smallest RSA key accepted for a server certificate.
const minRSABits = 2048

// ServerConfig returns the TLS configuration of a listener (R12): TLS 1.2–1.3,
// ECDHE+AEAD suites for TLS 1.2, modern curves, ALPN h2 and http/1.1. With
// ClientCAFile the listener asks for (but does not require) a client
// certificate and verifies it against those CAs.
func ServerConfig(o Options) (*tls.Config, error) {
	cfg := &tls.Config{
		MinVersion:       tls.VersionTLS12,
		MaxVersion:       tls.VersionTLS13,
		CipherSuites:     append([]uint16(nil), cipherSuites...),
		CurvePreferences: append([]tls.CurveID(nil), curves...),
		NextProtos:       []string{"h2", "http/1.1"},
	}
	files := o.CertFile != "" || o.KeyFile != ""
	n := 0
	for _, set := range []bool{files, o.Cert != nil, o.Reloader != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, ErrNoCertificate
	}
	switch {
	case files:
		rl, err := NewReloader(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, err
		}
		cfg.GetCertificate = rl.GetCertificate
	case o.Reloader != nil:
		if o.Reloader.cur.Load() == nil {
			return nil, ErrNoCertificate
		}
		cfg.GetCertificate = o.Reloader.GetCertificate
	default:
		if err := checkCertificate(o.Cert); err != nil {
			return nil, fmt.Errorf("certs: server certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{*o.Cert}
	}
	if o.ClientCAFile != "" {
		pool, err := loadCAPool(o.ClientCAFile)
		if err != nil {
			return nil, err
		}
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
		cfg.ClientCAs = pool
	}
	return cfg, nil
}

// checkCertificate rejects an empty certificate or one whose key is too weak,
// and fills in Leaf.
func checkCertificate(c *tls.Certificate) error {
	if len(c.Certificate) == 0 || c.PrivateKey == nil {
		return errors.New("empty certificate or missing private key")
	}
	if c.Leaf == nil {
		leaf, err := x509.ParseCertificate(c.Certificate[0])
		if err != nil {
			return fmt.Errorf("parse leaf: %w", err)
		}
		c.Leaf = leaf
	}
	if k, ok := c.Leaf.PublicKey.(*rsa.PublicKey); ok && k.N.BitLen() < minRSABits {
		return fmt.Errorf("RSA key of %d bits, want at least %d", k.N.BitLen(), minRSABits)
	}
	return nil
}

// loadCAPool reads every CERTIFICATE block of a PEM file; a file without one
// is an error naming it.
func loadCAPool(path string) (*x509.CertPool, error) {
	cs, err := readCertFile(path)
	if err != nil {
		return nil, fmt.Errorf("certs: client CA file: %w", err)
	}
	pool := x509.NewCertPool()
	for _, c := range cs {
		pool.AddCert(c)
	}
	return pool, nil
}
