package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/rempart/rempart/internal/app"
	"github.com/rempart/rempart/internal/authserver"
)

// clientView is what list and show print: never a secret or its hash.
type clientView struct {
	ClientID     string    `json:"client_id"`
	Name         string    `json:"name"`
	AuthMethod   string    `json:"token_endpoint_auth_method"`
	GrantTypes   []string  `json:"grant_types"`
	Scope        string    `json:"scope"`
	RedirectURIs []string  `json:"redirect_uris,omitempty"`
	APIs         []string  `json:"apis,omitempty"`
	TokenFormat  string    `json:"token_format,omitempty"`
	SecretGrace  string    `json:"previous_secret_valid_until,omitempty"`
	RequireMFA   bool      `json:"require_mfa,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	Warnings     []string  `json:"warnings,omitempty"`
}

func viewOf(c authserver.Client, now time.Time) clientView {
	v := clientView{
		ClientID: c.ID, Name: c.Name, AuthMethod: c.AuthMethod, GrantTypes: c.GrantTypes,
		Scope: strings.Join(c.Scopes, " "), RedirectURIs: c.RedirectURIs, APIs: c.APIs,
		TokenFormat: c.TokenFormat, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(),
	}
	if c.PrevSecretHash != nil && now.Before(c.PrevSecretExpires) {
		v.SecretGrace = c.PrevSecretExpires.UTC().Format(time.RFC3339)
	}
	v.Warnings = clientWarnings(c)
	v.RequireMFA = c.RequireMFA
	return v
}

func runClient(e *env, args []string) error {
	const usage = "usage: rempart client create|list|show ID|delete ID|rotate-secret ID [flags]"
	if len(args) == 0 {
		return usagef(usage)
	}
	switch args[0] {
	case "create":
		return clientCreate(e, args[1:])
	case "list", "show", "delete", "rotate-secret":
		return clientOther(e, args[0], args[1:])
	}
	return usagef(usage)
}

// withResources loads the config, opens the store and data key, and runs f.
func withResources(e *env, cfgFlag string, f func(ctx context.Context, res *app.Resources) error) error {
	cfg, err := loadConfig(e, cfgFlag)
	if err != nil {
		return err
	}
	ctx := context.Background()
	res, err := app.OpenResources(ctx, cfg, newLogger(e.stderr, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer res.Close()
	return f(ctx, res)
}

func clientCreate(e *env, args []string) error {
	fs, cfgFlag := newFlagSet("client create", e.stderr)
	var grants, redirects, apis, exchange listFlag
	name := fs.String("name", "", "client name (unique)")
	scope := fs.String("scope", "", "space-separated scopes the client may hold")
	method := fs.String("auth-method", authserver.AuthSecretBasic, "client_secret_basic | client_secret_post | private_key_jwt")
	format := fs.String("token-format", "", "jwt | opaque (default from config)")
	jwks := fs.String("jwks-file", "", "JWK Set file for private_key_jwt")
	tlsSubject := fs.String("tls-subject", "", "subject DN for tls_client_auth")
	certBound := fs.Bool("cert-bound", false, "tokens bound to the client certificate (RFC 8705)")
	dpopBound := fs.Bool("dpop-bound", false, "every token must be DPoP-bound")
	allowPassword := fs.Bool("allow-password-grant", false, "allow the resource-owner password grant (T4)")
	requireMFA := fs.Bool("require-mfa", false, "logins for this client need a second factor (A8)")
	fs.Var(&grants, "grant", "grant type (repeatable)")
	fs.Var(&redirects, "redirect-uri", "redirect URI (repeatable)")
	fs.Var(&apis, "api", "API whose scopes the client may hold (repeatable; default all)")
	fs.Var(&exchange, "exchange-audience", "audience obtainable by token exchange (repeatable)")
	if pos, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *name == "" || len(grants) == 0 {
		return usagef("--name and at least one --grant are required")
	}
	switch {
	case *tlsSubject != "", *certBound, *dpopBound, len(exchange) > 0:
		return fmt.Errorf("--tls-subject, --cert-bound, --dpop-bound and --exchange-audience are not supported by this version of rempart yet")
	}
	spec := authserver.ClientSpec{
		Name: *name, GrantTypes: grants, Scopes: strings.Fields(*scope), RedirectURIs: redirects,
		APIs: apis, AuthMethod: *method, TokenFormat: *format, AllowPasswordGrant: *allowPassword,
	}
	spec.RequireMFA = *requireMFA
	if *jwks != "" {
		// The JWK set of a private_key_jwt client (RFC 7523): public keys
		// only, checked by RegisterClient; never fetched from a URL (D7).
		b, err := readJWKSFile(*jwks)
		if err != nil {
			return err
		}
		spec.JWKS = b
	}
	return withResources(e, *cfgFlag, func(ctx context.Context, res *app.Resources) error {
		c, secret, err := authserver.RegisterClient(ctx, res.Store, res.Vault, spec, time.Now())
		if err != nil {
			return err
		}
		out := map[string]string{"client_id": c.ID}
		if secret != "" {
			out["client_secret"] = secret
		}
		return json.NewEncoder(e.stdout).Encode(out)
	})
}

func clientOther(e *env, sub string, args []string) error {
	fs, cfgFlag := newFlagSet("client "+sub, e.stderr)
	var grace time.Duration
	if sub == "rotate-secret" {
		fs.DurationVar(&grace, "grace", 0, "keep the old secret valid this long (max 168h)")
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	want := 1
	if sub == "list" {
		want = 0
	}
	if len(pos) != want {
		if want == 0 {
			return usagef("usage: rempart client list")
		}
		return usagef("usage: rempart client %s ID", sub)
	}
	return withResources(e, *cfgFlag, func(ctx context.Context, res *app.Resources) error {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		now := time.Now()
		switch sub {
		case "list":
			cs, err := res.Store.ListClients(ctx)
			if err != nil {
				return err
			}
			views := make([]clientView, 0, len(cs))
			for _, c := range cs {
				views = append(views, viewOf(c, now))
			}
			return enc.Encode(views)
		case "show":
			c, err := res.Store.GetClient(ctx, pos[0])
			if err != nil {
				return err
			}
			return enc.Encode(viewOf(c, now))
		case "delete":
			if err := res.Store.DeleteClient(ctx, pos[0]); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "client %s deleted\n", pos[0])
			return nil
		default: // rotate-secret
			secret, err := authserver.RotateClientSecret(ctx, res.Store, res.Vault, pos[0], grace, now)
			if err != nil {
				return err
			}
			return json.NewEncoder(e.stdout).Encode(map[string]string{"client_id": pos[0], "client_secret": secret})
		}
	})
}
