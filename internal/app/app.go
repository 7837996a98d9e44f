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
	"sync/atomic"
	"time"

	"github.com/rempart/rempart/internal/admin"
	"github.com/rempart/rempart/internal/authserver"
	"github.com/rempart/rempart/internal/config"
	"github.com/rempart/rempart/internal/hygiene"
	"github.com/rempart/rempart/internal/jail"
	"github.com/rempart/rempart/internal/keys"
	"github.com/rempart/rempart/internal/metrics"
	"github.com/rempart/rempart/internal/ratelimit"
	"github.com/rempart/rempart/internal/users"
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
	cfg     atomic.Pointer[config.Config] // the snapshot serving now; swapped by Reload
	log     *slog.Logger
	res     *Resources
	keys    *keys.Manager
	metrics *metrics.Metrics
	limiter *ratelimit.Local // rate-limit buckets of every role; outlive reloads
	jail    *jail.Jail       // failures and bans of every role; outlive reloads (R3)

	users    *users.Directory           // the built-in user directory
	denyList *authserver.DenyList       // revoked jtis, polled from the store (D1)
	opaque   *authserver.OpaqueVerifier // opaque access tokens (A3)

	listeners []*listener

	reloadMu sync.Mutex // serialises Reload

	mu      sync.Mutex // guards the fields below
	started bool
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

type listener struct {
	role    string
	addr    string // configured listen address
	https   bool
	handler *swapHandler // the role's handler, replaced whole by Reload
	srv     *http.Server
	ln      net.Listener // set by Start
}

// New builds every configured role from cfg, which must have passed
// Validate. It opens the store and the data key and loads (or creates) the
// signing key; nothing listens until Start.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger) (*App, error) {
	res, err := OpenResources(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	a := &App{log: log, res: res, metrics: metrics.New()}
	a.cfg.Store(cfg)
	if err := a.build(ctx, cfg); err != nil {
		res.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) build(ctx context.Context, cfg *config.Config) error {
	km, err := keys.NewManager(ctx, keys.Deps{
		Store:       a.res.Store,
		Vault:       a.res.Vault,
		Now:         time.Now,
		Log:         a.log,
		MaxTokenTTL: MaxTokenTTL(cfg),
	})
	if err != nil {
		return fmt.Errorf("signing keys: %w", err)
	}
	a.keys = km
	a.buildShared(cfg)
	if err := a.buildTokenState(ctx, cfg); err != nil {
		return err
	}

	hs, err := a.buildHandlers(cfg)
	if err != nil {
		return err
	}
	if as := cfg.AuthorizationServer; as != nil {
		if err := a.addListener(cfg, RoleAuthorizationServer, as.Listener, hs[RoleAuthorizationServer]); err != nil {
			return err
		}
	}
	if gw := cfg.Gateway; gw != nil {
		if err := a.addListener(cfg, RoleGateway, gw.Listener, hs[RoleGateway]); err != nil {
			return err
		}
	}
	if ad := cfg.Admin; ad != nil {
		h := admin.New(admin.Deps{
			Checks: []admin.Check{
				{Name: "store", Fn: a.res.Store.Ping},
				{Name: "keys", Fn: func(context.Context) error { return a.keys.Ready() }},
				{Name: "revocations", Fn: func(context.Context) error { return a.denyList.Ready() }},
			},
			Metrics: a.metrics,
			Log:     a.log,
		})
		if err := a.addListener(cfg, RoleAdmin, ad.Listener, h); err != nil {
			return err
		}
	}
	return nil
}

// buildHandlers builds the handlers of the reloadable roles (authorization
// server and gateway) from one config snapshot.
func (a *App) buildHandlers(cfg *config.Config) (map[string]http.Handler, error) {
	hs := map[string]http.Handler{}
	if cfg.AuthorizationServer != nil {
		h, err := a.buildAuthServer(cfg)
		if err != nil {
			return nil, fmt.Errorf("authorization_server: %w", err)
		}
		hs[RoleAuthorizationServer] = a.limitTokenEndpoint(cfg, h)
	}
	if cfg.Gateway != nil {
		h, err := a.buildGateway(cfg)
		if err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
		hs[RoleGateway] = h
	}
	return hs, nil
}

func (a *App) addListener(cfg *config.Config, role string, l config.Listener, h http.Handler) error {
	var tlsConf *tls.Config
	if !l.InsecurePlaintext {
		var err error
		if tlsConf, err = a.tlsConfig(cfg, l); err != nil {
			return fmt.Errorf("%s.tls: %w", role, err)
		}
	}
	https := tlsConf != nil
	sw := newSwapHandler(h)
	srv := web.NewServer(web.Observe(role, a.log, a.metrics, https, sw), tlsConf, a.log.With("role", role))
	if role == RoleGateway {
		configureGatewayServer(srv, cfg.Gateway)
	}
	a.listeners = append(a.listeners, &listener{
		role: role, addr: l.Listen, https: https, handler: sw, srv: srv,
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
		if l.role == RoleGateway && !l.https {
			// Behind a TLS-terminating load balancer two HTTP parsers meet:
			// refuse every ambiguous framing before Go's parser sees it
			// (request smuggling; issue 4 item 8). On a TLS listener Go's
			// parser is the only one facing the client.
			ln = hygiene.NewListener(ln)
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
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.denyList.Run(ctx, authserver.DefaultDenyListPoll)
	}()
	if a.cfg.Load().AuthorizationServer != nil {
		// T3: expired and revoked grants are purged continuously.
		p := authserver.NewPurger(a.res.Store, a.metrics, time.Now, a.log)
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			p.Run(ctx, authserver.DefaultPurgeEvery)
		}()
	}
	return nil
}

// Config returns the configuration snapshot serving now.
func (a *App) Config() *config.Config { return a.cfg.Load() }

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
	for _, l := range a.listeners {
		l.handler.close()
	}
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
