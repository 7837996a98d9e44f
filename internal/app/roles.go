package app

import (
	"crypto/tls"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rempart/rempart/internal/apikey"
	"github.com/rempart/rempart/internal/authserver"
	"github.com/rempart/rempart/internal/certs"
	"github.com/rempart/rempart/internal/config"
	"github.com/rempart/rempart/internal/gateway"
	"github.com/rempart/rempart/internal/ratelimit"
	"github.com/rempart/rempart/internal/token"
)

// verifyLeeway is the clock skew tolerated between nodes when checking
// exp, nbf and iat (R6).
const verifyLeeway = 10 * time.Second

// identityTTL bounds the Rempart-Identity assertion.
const identityTTL = 60 * time.Second

// MaxTokenTTL is the longest lifetime of anything Rempart signs: a retired
// signing key stays published at least that long.
func MaxTokenTTL(cfg *config.Config) time.Duration {
	ttl := identityTTL
	if as := cfg.AuthorizationServer; as != nil && as.AccessToken.TTL.Std() > ttl {
		ttl = as.AccessToken.TTL.Std()
	}
	return ttl
}

func (a *App) buildAuthServer(cfg *config.Config) (http.Handler, error) {
	as := cfg.AuthorizationServer
	var apis []authserver.API
	if gw := cfg.Gateway; gw != nil {
		for i := range gw.APIs {
			api := &gw.APIs[i]
			apis = append(apis, authserver.API{
				Name:     api.Name,
				Resource: strings.TrimSuffix(gw.PublicURL, "/") + api.PathPrefix,
				Scopes:   api.AllScopes(),
			})
		}
	}
	srv, err := authserver.New(authserver.Config{
		Issuer:            as.Issuer,
		AccessTokenTTL:    as.AccessToken.TTL.Std(),
		AccessTokenFormat: as.AccessToken.Format,
		RefreshTokenTTL:   as.RefreshToken.TTL.Std(),
		RequireMFA:        as.RequireMFA,
		LoginRateLimit:    ratelimit.Limit{Requests: as.LoginRateLimit.Requests, Per: as.LoginRateLimit.Per.Std()},
		APIs:              apis,
	}, authserver.Deps{
		Clients:  a.res.Store,
		Keys:     a.keys,
		Hasher:   a.res.Vault,
		Metrics:  a.metrics,
		Log:      a.log.With("role", RoleAuthorizationServer),
		Now:      time.Now,
		Tokens:   a.res.Store,
		Users:    a.users,
		Jail:     a.jail,
		Accounts: a.users,
		Codes:    a.res.Store,
		Sessions: a.res.Store,
		Consents: a.res.Store,
		Limiter:  a.limiter,
	})
	if err != nil {
		return nil, err
	}
	return srv.Handler(), nil
}

func (a *App) buildGateway(cfg *config.Config) (http.Handler, error) {
	gc, err := gatewayConfig(cfg)
	if err != nil {
		return nil, err
	}
	g, err := gateway.New(gc, gateway.Deps{
		Verifier: accessVerifier{
			jwt:    &token.Verifier{Issuer: gc.Issuer, Keys: a.keys, Leeway: verifyLeeway, Now: time.Now},
			opaque: a.opaque,
		},
		Revoked:       a.denyList.Revoked,       // D1: checked on every request, cached or not
		ClientRevoked: a.denyList.ClientRevoked, // D1: tokens of deleted clients
		Keys:          a.keys,
		APIKeys:       apikey.NewAuthenticator(a.res.Store, a.res.Vault, apikey.MaxCacheTTL, time.Now, 0),
		Jail:          a.jail,
		Limiter:       a.limiter, // shared: buckets outlive reloads (R11)
		Metrics:       a.metrics,
		Log:           a.log.With("role", RoleGateway),
		Now:           time.Now,
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// tlsConfig returns the listener's TLS settings (R12): the configured files,
// or a certificate from the local CA in data_dir/tls for the listen host.
func (a *App) tlsConfig(cfg *config.Config, l config.Listener) (*tls.Config, error) {
	if l.TLS != nil && l.TLS.CertFile != "" {
		return certs.ServerConfig(certs.Options{
			CertFile: l.TLS.CertFile, KeyFile: l.TLS.KeyFile, ClientCAFile: l.TLS.ClientCAFile,
		})
	}
	cert, err := certs.EnsureLocal(filepath.Join(cfg.DataDir, "tls"), certHosts(l.Listen), time.Now())
	if err != nil {
		return nil, err
	}
	o := certs.Options{Cert: &cert}
	if l.TLS != nil {
		o.ClientCAFile = l.TLS.ClientCAFile
	}
	return certs.ServerConfig(o)
}

// certHosts lists the names a local certificate must cover for listen.
func certHosts(listen string) []string {
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	host, _, err := net.SplitHostPort(listen)
	if err != nil || host == "" {
		return hosts
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		if name, err := os.Hostname(); err == nil {
			hosts = append(hosts, name)
		}
		return hosts
	}
	return append(hosts, host)
}
