package web

import (
	"crypto/tls"
	"log/slog"
	"net/http"
	"time"
)

// Server limits applied to every listener (slow-loris and oversized headers).
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 30 * time.Second
	WriteTimeout      = 60 * time.Second
	IdleTimeout       = 120 * time.Second
	MaxHeaderBytes    = 32 << 10
)

// NewServer returns an http.Server for h with Rempart's timeouts and header
// limit. tlsConf nil means plaintext (only by explicit operator choice).
func NewServer(h http.Handler, tlsConf *tls.Config, log *slog.Logger) *http.Server {
	s := &http.Server{
		Handler:           h,
		TLSConfig:         tlsConf,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
	if log != nil {
		s.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelDebug)
	}
	return s
}
