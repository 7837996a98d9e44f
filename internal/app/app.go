package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/rempart/rempart/internal/admin"
	"github.com/rempart/rempart/internal/config"
	"github.com/rempart/rempart/internal/keys"
	"github.com/rempart/rempart/internal/metrics"
	"github.com/rempart/rempart/internal/web"
)

// Role names, used as listener names, log attributes and metric labels.
const (
	RoleAuthorizationServer = "authorization_server"
	RoleGateway             = "gateway"
	RoleAdmin               = "admin"
)

// keyRefreshInterval is how often signing keys are re-read from the store,
// so that a rotation by another process (`rempart keys rotate`, another
// node) is published and used without a restart.
const keyRefreshInterval = 10 * time.Second

// App is a running (or ready to run) set of roles built from one config.
type App struct {
	cfg     *config.Config
	log     *slog.Logger
	res     *Resources
	keys    *keys.Manager
	metrics *metrics.Metrics

	listeners []*listener

	mu      sync.Mutex // guards the fields below
	started bool
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

type listener struct {
	role  string
	addr  string // configured listen address
	https bool
	srv   *http.Server
	ln    net.Listener // set by Start
}

// New builds every configured role from cfg, which must have passed
// Validate. It opens the store and the data key and loads (or creates) the
// signing key; nothing listens until Start.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger) (*App, error) {
	res, err := OpenResources(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, log: log, res: res, metrics: metrics.New()}
	if err := a.build(ctx); err != nil {
		res.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) build(ctx context.Context) error {
	km, err := keys.NewManager(ctx, keys.Deps{
		Store:       a.res.Store,
		Vault:       a.res.Vault,
		Now:         time.Now,
		Log:         a.log,
		MaxTokenTTL: MaxTokenTTL(a.cfg),
	})
	if err != nil {
		return fmt.Errorf("signing keys: %w", err)
	}
	a.keys = km

	if as := a.cfg.AuthorizationServer; as != nil {
		h, err := a.buildAuthServer()
		if err != nil {
			return fmt.Errorf("authorization_server: %w", err)
		}
		if err := a.addListener(RoleAuthorizationServer, as.Listener, h); err != nil {
			return err
		}
	}
	if gw := a.cfg.Gateway; gw != nil {
		h, err := a.buildGateway()
		if err != nil {
			return fmt.Errorf("gateway: %w", err)
		}
		if err := a.addListener(RoleGateway, gw.Listener, h); err != nil {
			return err
		}
	}
	if ad := a.cfg.Admin; ad != nil {
		h := admin.New(admin.Deps{
			Checks: []admin.Check{
				{Name: "store", Fn: a.res.Store.Ping},
				{Name: "keys", Fn: func(context.Context) error { return a.keys.Ready() }},
			},
			Metrics: a.metrics,
			Log:     a.log,
		})
		if err := a.addListener(RoleAdmin, ad.Listener, h); err != nil {
			return err
		}
	}
	return nil
}

func (a *App) addListener(role string, l config.Listener, h http.Handler) error {
	var tlsConf *tls.Config
	if !l.InsecurePlaintext {
		var err error
		if tlsConf, err = a.tlsConfig(l); err != nil {
			return fmt.Errorf("%s.tls: %w", role, err)
		}
	}
	https := tlsConf != nil
	h = web.Observe(role, a.log, a.metrics, https, h)
	a.listeners = append(a.listeners, &listener{
		role: role, addr: l.Listen, https: https,
		srv: web.NewServer(h, tlsConf, a.log.With("role", role)),
	})
	return nil
}

// Resources returns the store and data key the app runs on.
func (a *App) Resources() *Resources { return a.res }

// Keys returns the signing-key manager.
func (a *App) Keys() *keys.Manager { return a.keys }

// Start binds every listener and starts serving, plus the background jobs
// (key refresh). It returns once all listeners are bound, or the first bind
// error after closing the ones already bound.
func (a *App) Start(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.started {
		return errors.New("app: already started")
	}
	for _, l := range a.listeners {
		ln, err := net.Listen("tcp", l.addr)
		if err != nil {
			for _, o := range a.listeners {
				if o.ln != nil {
					o.ln.Close()
				}
			}
			return fmt.Errorf("%s: listen %s: %w", l.role, l.addr, err)
		}
		l.ln = ln
	}
	ctx, a.cancel = context.WithCancel(ctx)
	a.started = true
	for _, l := range a.listeners {
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			var err error
			if l.srv.TLSConfig != nil {
				err = l.srv.ServeTLS(l.ln, "", "")
			} else {
				err = l.srv.Serve(l.ln)
			}
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				a.log.Error("listener stopped", "role", l.role, "error", err)
			}
		}()
		scheme := "https"
		if !l.https {
			scheme = "http"
		}
		a.log.Info("listening", "role", l.role, "url", scheme+"://"+l.ln.Addr().String())
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.keys.Run(ctx, keyRefreshInterval)
	}()
	return nil
}

// Addr returns the bound address of role's listener ("" when absent or not
// started): useful when the config asked for port 0.
func (a *App) Addr(role string) string {
	for _, l := range a.listeners {
		if l.role == role && l.ln != nil {
			return l.ln.Addr().String()
		}
	}
	return ""
}

// Shutdown stops accepting connections, lets in-flight requests finish until
// ctx ends, stops background jobs and closes the store.
func (a *App) Shutdown(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var errs []error
	for _, l := range a.listeners {
		if l.ln == nil {
			continue
		}
		if err := l.srv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", l.role, err))
		}
	}
	if a.cancel != nil {
		a.cancel()
	}
	a.wg.Wait()
	if err := a.res.Close(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Run starts the app and serves until ctx is done, then shuts down with a
// grace period for in-flight requests.
func (a *App) Run(ctx context.Context) error {
	if err := a.Start(ctx); err != nil {
		a.res.Close()
		return err
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return a.Shutdown(sctx)
}
