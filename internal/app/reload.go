package app

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"sync/atomic"
	"time"

	"github.com/rempart/rempart/internal/config"
)

// swapHandler serves through the handler stored last. Reload replaces the
// whole handler at once: a request runs entirely on the snapshot it started
// on, and none is dropped.
type swapHandler struct {
	h atomic.Pointer[http.Handler]
}

func newSwapHandler(h http.Handler) *swapHandler {
	s := &swapHandler{}
	s.h.Store(&h)
	return s
}

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(w, r)
}

// swap installs h and releases the previous handler's idle resources.
func (s *swapHandler) swap(h http.Handler) {
	old := s.h.Swap(&h)
	closeHandler(*old)
}

func (s *swapHandler) close() { closeHandler(*s.h.Load()) }

// closeHandler releases what a handler holds (the gateway's idle upstream
// connections); in-flight requests keep theirs.
func closeHandler(h http.Handler) {
	if c, ok := h.(interface{ Close() }); ok {
		c.Close()
	}
}

// Reload applies cfg, which must have passed Check: it builds every
// reloadable role from cfg completely, then swaps all of them at once. On any
// error nothing changes and the running snapshot keeps serving. Settings that
// cannot change while running (listeners, TLS, data_dir, store, data key,
// issuer) are refused with their key paths.
func (a *App) Reload(ctx context.Context, cfg *config.Config) error {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	old := a.cfg.Load()
	if err := fixedSettingsChanged(old, cfg); err != nil {
		a.metrics.ConfigReload("refused")
		return err
	}
	hs, err := a.buildHandlers(cfg)
	if err != nil {
		a.metrics.ConfigReload("refused")
		return err
	}
	for _, l := range a.listeners {
		if h, ok := hs[l.role]; ok {
			l.handler.swap(h)
		}
	}
	a.cfg.Store(cfg)
	a.metrics.ConfigReload("applied")
	a.log.Info("configuration reloaded")
	return nil
}

// fixedSettingsChanged reports every setting that differs between old and
// cfg but needs a restart to change.
func fixedSettingsChanged(old, cfg *config.Config) error {
	var errs []error
	same := func(path string, a, b any) {
		if !reflect.DeepEqual(a, b) {
			errs = append(errs, fmt.Errorf("%s: cannot change while running; restart to apply", path))
		}
	}
	same("data_dir", old.DataDir, cfg.DataDir)
	same("store", old.Store, cfg.Store)
	same("redis", old.Redis, cfg.Redis)
	same("encryption_key", old.EncryptionKey, cfg.EncryptionKey)
	same("audit", old.Audit, cfg.Audit)
	same("jail", old.Jail, cfg.Jail)
	same("authorization_server (present or absent)", old.AuthorizationServer == nil, cfg.AuthorizationServer == nil)
	same("gateway (present or absent)", old.Gateway == nil, cfg.Gateway == nil)
	same("admin", old.Admin, cfg.Admin)
	if old.AuthorizationServer != nil && cfg.AuthorizationServer != nil {
		o, n := old.AuthorizationServer, cfg.AuthorizationServer
		same("authorization_server listener (listen, tls, insecure_plaintext)", o.Listener, n.Listener)
		same("authorization_server.issuer", o.Issuer, n.Issuer)
		// Retired signing keys stay published for the longest token
		// lifetime, fixed when the key manager starts.
		same("authorization_server.access_token.ttl", o.AccessToken.TTL, n.AccessToken.TTL)
	}
	if old.Gateway != nil && cfg.Gateway != nil {
		o, n := old.Gateway, cfg.Gateway
		same("gateway listener (listen, tls, insecure_plaintext)", o.Listener, n.Listener)
		same("gateway.issuer", old.GatewayIssuer(), cfg.GatewayIssuer())
		ot, nt := o.Timeouts, n.Timeouts
		ot.Upstream, nt.Upstream = 0, 0 // the upstream timeout lives in the gateway snapshot
		same("gateway.timeouts (listener)", ot, nt)
		same("gateway.max_header_bytes", o.MaxHeaderBytes, n.MaxHeaderBytes)
	}
	return errors.Join(errs...)
}

// WatchConfig reloads the config file at path when its content differs
// from loaded (the FileSum of the content the running config came from;
// checked every interval) or when reload receives a value (SIGHUP), until
// ctx ends. An invalid file is reported and the running snapshot keeps
// serving.
func (a *App) WatchConfig(ctx context.Context, path string, loaded [32]byte, interval time.Duration, reload <-chan struct{}) {
	last := loaded
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		force := false
		select {
		case <-ctx.Done():
			return
		case <-reload:
			force = true
		case <-t.C:
		}
		sum, err := FileSum(path)
		if err != nil {
			a.log.Warn("config reload: cannot read the file", "path", path, "error", err)
			continue
		}
		if sum == last && !force {
			continue
		}
		last = sum
		if err := a.ReloadFile(ctx, path); err != nil {
			a.log.Error("config reload refused; the running configuration keeps serving", "path", path, "error", err)
		}
	}
}

// ReloadFile loads, checks and applies the config file at path.
func (a *App) ReloadFile(ctx context.Context, path string) error {
	cfg, err := config.Load(path)
	if err != nil {
		a.metrics.ConfigReload("refused")
		return err
	}
	if rep := cfg.Check(); !rep.OK() {
		a.metrics.ConfigReload("refused")
		return rep.Err()
	}
	return a.Reload(ctx, cfg)
}

// FileSum is the SHA-256 of the file at path: WatchConfig compares it to
// tell whether the file changed.
func FileSum(path string) ([32]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(b), nil
}
