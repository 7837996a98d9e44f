package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/template"
	"time"

	"github.com/rempart/rempart/internal/apikey"
	"github.com/rempart/rempart/internal/app"
	"github.com/rempart/rempart/internal/authserver"
	"github.com/rempart/rempart/internal/certs"
	"github.com/rempart/rempart/internal/config"
	"github.com/rempart/rempart/internal/demo"
	"github.com/rempart/rempart/internal/store"
	"github.com/rempart/rempart/internal/token"
	"github.com/rempart/rempart/internal/users"
	"github.com/rempart/rempart/internal/vault"
	"github.com/rempart/rempart/internal/web"
)

const demoClientName = "quickstart-demo"

// quickstartPorts are the contract's loopback ports, in --port-base order:
// gateway, authorization server, admin, demo upstream.
type quickstartPorts struct{ Gateway, AS, Admin, Upstream int }

func portsFrom(base int) quickstartPorts {
	if base == 0 {
		return quickstartPorts{8443, 9443, 9444, 9000}
	}
	return quickstartPorts{base, base + 1, base + 2, base + 3}
}

var quickstartConfig = template.Must(template.New("cfg").Parse(`# Written by 'rempart quickstart': every role on loopback, for a demo.
# Other commands can use it: rempart client list --config {{.ConfigFile}}
data_dir: {{.DataDir}}
authorization_server:
  listen: 127.0.0.1:{{.P.AS}}
  issuer: https://127.0.0.1:{{.P.AS}}
gateway:
  listen: 127.0.0.1:{{.P.Gateway}}
  apis:
    - name: hello
      path_prefix: /hello
      upstream: http://127.0.0.1:{{.P.Upstream}}
      auth: api_key
    - name: orders
      path_prefix: /orders
      upstream: http://127.0.0.1:{{.P.Upstream}}
      auth: oauth2
      scopes: [orders:read]
      routes:
        - { methods: [GET], path: /orders }
        - { methods: [GET], path: "/orders/{id}" }
        - { methods: [POST], path: /orders, scopes: [orders:write] }
admin:
  listen: 127.0.0.1:{{.P.Admin}}
`))

var quickstartHelp = template.Must(template.New("help").Parse(`
Rempart is running. Ctrl-C stops every role.

  gateway               https://127.0.0.1:{{.P.Gateway}}
  authorization server  https://127.0.0.1:{{.P.AS}}  (discovery: /.well-known/openid-configuration)
  admin                 https://127.0.0.1:{{.P.Admin}}  (/healthz /readyz /metrics)
  demo upstream         http://127.0.0.1:{{.P.Upstream}}  (the API behind the gateway)

Demo credentials; each secret is shown once (a rerun mints new ones, except the user's password):
  OAuth client   client_id {{.ClientID}}
                 client_secret {{.Secret}}
  API key        {{.APIKey}}
  user           {{.Username}}  password {{.Password}}

Paste these in another terminal:

# 1. A public API (auth: api_key): the key identifies the calling application.
curl --cacert {{.CA}} -H "X-API-Key: {{.APIKey}}" https://127.0.0.1:{{.P.Gateway}}/hello

# 2. A private route without a token: refused with 401 and a problem+json body.
curl -i --cacert {{.CA}} https://127.0.0.1:{{.P.Gateway}}/orders/42

# 3. Get an access token (OAuth 2 client credentials, scope orders:read).
TOKEN=$(curl -s --cacert {{.CA}} -u '{{.ClientID}}:{{.Secret}}' -d grant_type=client_credentials -d scope=orders:read https://127.0.0.1:{{.P.AS}}/token | sed -E 's/.*"access_token":"([^"]+)".*/\1/')

# 4. Call the private route with it: the upstream sees a verified identity, not your token.
curl --cacert {{.CA}} -H "Authorization: Bearer $TOKEN" https://127.0.0.1:{{.P.Gateway}}/orders/42

# 5. POST /orders needs orders:write, which this token lacks: 403 insufficient_scope.
curl -i --cacert {{.CA}} -H "Authorization: Bearer $TOKEN" -X POST https://127.0.0.1:{{.P.Gateway}}/orders

# 6. Revoke the token (RFC 7009); the gateway refuses it within a second.
curl -s --cacert {{.CA}} -u '{{.ClientID}}:{{.Secret}}' -d token=$TOKEN https://127.0.0.1:{{.P.AS}}/revoke

To log the demo user into a web app with OpenID Connect, see docs/login-walkthrough.md.
Config used: {{.ConfigFile}} (e.g. rempart client list --config {{.ConfigFile}})
`))

func runQuickstart(e *env, args []string) error {
	fs := newPlainFlagSet("quickstart", e.stderr)
	dataDir := fs.String("data-dir", "rempart-data", "where the store, keys, certificates and config go")
	cfgOut := fs.String("config", "", "where to write the configuration the quickstart runs (default DATA_DIR/quickstart.yaml)")
	portBase := fs.Int("port-base", 0, "use ports N..N+3 (gateway, authorization server, admin, upstream)")
	if pos, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *portBase < 0 || *portBase > 65532 {
		return usagef("--port-base must be between 1 and 65532")
	}
	dir, err := filepath.Abs(*dataDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	p := portsFrom(*portBase)
	cfgFile := filepath.Join(dir, "quickstart.yaml")
	if *cfgOut != "" {
		if cfgFile, err = filepath.Abs(*cfgOut); err != nil {
			return err
		}
	}
	dirYAML, _ := json.Marshal(dir)
	var buf strings.Builder
	if err := quickstartConfig.Execute(&buf, map[string]any{"DataDir": string(dirYAML), "P": p, "ConfigFile": cfgFile}); err != nil {
		return err
	}
	if err := os.WriteFile(cfgFile, []byte(buf.String()), 0o600); err != nil {
		return err
	}
	cfg, err := loadConfig(e, cfgFile)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(e.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	upstream, err := startDemoUpstream(p.Upstream, cfg, a)
	if err != nil {
		a.Resources().Close()
		return err
	}
	if err := a.Start(ctx); err != nil {
		upstream.Close()
		return err
	}
	demo, err := demoCredentials(ctx, a.Resources())
	if err != nil {
		upstream.Close()
		_ = a.Shutdown(context.Background())
		return err
	}
	err = quickstartHelp.Execute(e.stdout, map[string]any{
		"P": p, "ClientID": demo.clientID, "Secret": demo.secret, "APIKey": demo.apiKey,
		"Username": demoUsername, "Password": demo.password, "ConfigFile": cfgFile,
		"CA": certs.CAFile(filepath.Join(dir, "tls")),
	})
	if err != nil {
		return err
	}
	if f, ok := e.stdout.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}
	<-ctx.Done()
	fmt.Fprintln(e.stderr, "stopping…")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(upstream.Shutdown(sctx), a.Shutdown(sctx))
}

// newPlainFlagSet is a flag set without the shared --config flag: the
// quickstart's --config names the file it writes, not one it reads.
func newPlainFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// startDemoUpstream serves the demo API on loopback, in plaintext: it is
// reached only by the gateway on the same machine.
func startDemoUpstream(port int, cfg *config.Config, a *app.App) (*http.Server, error) {
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return nil, fmt.Errorf("demo upstream: %w", err)
	}
	v := &token.Verifier{Issuer: cfg.AuthorizationServer.Issuer, Keys: a.Keys(), Leeway: 10 * time.Second}
	apiOf := func(path string) string {
		for _, api := range cfg.Gateway.APIs {
			if path == api.PathPrefix || strings.HasPrefix(path, api.PathPrefix+"/") {
				return api.Name
			}
		}
		return ""
	}
	srv := web.NewServer(demo.Handler(v, apiOf), nil, nil)
	go func() { _ = srv.Serve(ln) }()
	return srv, nil
}

// demoUsername is the quickstart's demo user.
const demoUsername = "demo"

// demoCreds holds the quickstart's credentials, shown once.
type demoCreds struct {
	clientID, secret, apiKey, password string
}

// demoCredentials creates (or renews) the demo client, API key and user.
// A secret is never shown twice: a rerun rotates the client secret and
// issues a new API key (revoking the previous demo keys); the user's
// password is shown only when the user is created.
func demoCredentials(ctx context.Context, res *app.Resources) (demoCreds, error) {
	var d demoCreds
	var err error
	if d.clientID, d.secret, err = demoClient(ctx, res); err != nil {
		return d, err
	}
	if d.apiKey, err = demoAPIKey(ctx, res); err != nil {
		return d, err
	}
	if d.password, err = demoUser(ctx, res); err != nil {
		return d, err
	}
	return d, nil
}

func demoAPIKey(ctx context.Context, res *app.Resources) (string, error) {
	now := time.Now()
	keys, err := res.Store.ListAPIKeys(ctx)
	if err != nil {
		return "", err
	}
	for _, k := range keys {
		if k.Name == demoClientName && k.RevokedAt.IsZero() {
			if err := res.Store.RevokeAPIKey(ctx, k.ID, now); err != nil {
				return "", err
			}
		}
	}
	_, raw, err := apikey.Issue(ctx, res.Store, res.Vault, demoClientName, []string{"hello"}, now)
	return raw, err
}

func demoUser(ctx context.Context, res *app.Resources) (string, error) {
	dir, err := users.New(users.Deps{Store: res.Store, Sealer: res.Vault})
	if err != nil {
		return "", err
	}
	if _, err := res.Store.GetUserByUsername(ctx, demoUsername); err == nil {
		return "(shown when the user was created)", nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	password, err := vault.NewSecret()
	if err != nil {
		return "", err
	}
	password = password[:20] // 120 bits, easy to paste
	if _, err := dir.Create(ctx, users.NewUser{Username: demoUsername, Password: password, Email: "demo@example.com"}); err != nil {
		return "", err
	}
	return password, nil
}

// demoClient registers the demo client, or gives the existing one a new
// secret (a secret is never shown twice, so a rerun mints a new one).
func demoClient(ctx context.Context, res *app.Resources) (id, secret string, err error) {
	cs, err := res.Store.ListClients(ctx)
	if err != nil {
		return "", "", err
	}
	now := time.Now()
	for _, c := range cs {
		if c.Name == demoClientName {
			secret, err := authserver.RotateClientSecret(ctx, res.Store, res.Vault, c.ID, 0, now)
			return c.ID, secret, err
		}
	}
	c, secret, err := authserver.RegisterClient(ctx, res.Store, res.Vault, authserver.ClientSpec{
		Name:       demoClientName,
		GrantTypes: []string{authserver.GrantClientCredentials},
		Scopes:     []string{"orders:read", "orders:write"},
	}, now)
	return c.ID, secret, err
}
