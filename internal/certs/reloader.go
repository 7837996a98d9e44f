package certs

import (
	"crypto/tls"
	"fmt"
	"sync/atomic"
)

// Reloader serves a certificate loaded from a cert/key file pair and swaps it
// atomically on Reload, so a renewed certificate takes effect without a
// restart. Its zero value is not usable: build it with NewReloader.
type Reloader struct {
	certFile, keyFile string
	cur               atomic.Pointer[tls.Certificate]
}

// NewReloader loads certFile and keyFile once; an unreadable or mismatched
// pair is an error naming the files.
func NewReloader(certFile, keyFile string) (*Reloader, error) {
	r := &Reloader{certFile: certFile, keyFile: keyFile}
	if err := r.Reload(); err != nil {
		return nil, err
	}
	return r, nil
}

// Reload reads the files again and swaps the served certificate. On error the
// previous certificate keeps serving.
func (r *Reloader) Reload() error {
	c, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return fmt.Errorf("certs: load %s / %s: %w", r.certFile, r.keyFile, err)
	}
	if err := checkCertificate(&c); err != nil {
		return fmt.Errorf("certs: %s: %w", r.certFile, err)
	}
	r.cur.Store(&c)
	return nil
}

// GetCertificate returns the current certificate; it is meant for
// tls.Config.GetCertificate.
func (r *Reloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return r.cur.Load(), nil
}
