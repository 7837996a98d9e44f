package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/rempart/rempart/internal/apikey"
	"github.com/rempart/rempart/internal/app"
	"github.com/rempart/rempart/internal/config"
	"github.com/rempart/rempart/internal/store"
)

// apiKeyView is what list prints: never the key or its hash.
type apiKeyView struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	APIs      []string   `json:"apis"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

func apiKeyViewOf(k apikey.Key) apiKeyView {
	v := apiKeyView{ID: k.ID, Name: k.Name, APIs: k.APIs, CreatedAt: k.CreatedAt.UTC()}
	if v.APIs == nil {
		v.APIs = []string{}
	}
	if !k.Active() {
		r := k.RevokedAt.UTC()
		v.RevokedAt = &r
	}
	return v
}

func runAPIKey(e *env, args []string) error {
	const usage = "usage: rempart apikey create --name N --api API [--api API2] | list | revoke ID"
	if len(args) == 0 {
		return usagef(usage)
	}
	switch args[0] {
	case "create":
		return apiKeyCreate(e, args[1:])
	case "list":
		return apiKeyList(e, args[1:])
	case "revoke":
		return apiKeyRevoke(e, args[1:])
	}
	return usagef(usage)
}

// apiKeyCreate issues a key for APIs of the config that accept API keys and
// prints {"id", "key"}: the key is shown this once (R5).
func apiKeyCreate(e *env, args []string) error {
	fs, cfgFlag := newFlagSet("apikey create", e.stderr)
	var apis listFlag
	name := fs.String("name", "", "key name (a label; several keys may share one)")
	fs.Var(&apis, "api", "gateway API the key is valid for (repeatable; the API needs auth: api_key)")
	if pos, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *name == "" || len(apis) == 0 {
		return usagef("--name and at least one --api are required")
	}
	cfg, err := loadConfig(e, *cfgFlag)
	if err != nil {
		return err
	}
	if err := checkKeyAPIs(cfg, apis); err != nil {
		return err
	}
	ctx := context.Background()
	res, err := app.OpenResources(ctx, cfg, newLogger(e.stderr, slog.LevelWarn))
	if err != nil {
		return err
	}
	defer res.Close()
	k, raw, err := apikey.Issue(ctx, res.Store, res.Vault, *name, apis, time.Now())
	if err != nil {
		return err
	}
	return json.NewEncoder(e.stdout).Encode(map[string]string{"id": k.ID, "key": raw})
}

// checkKeyAPIs refuses an API that is not in gateway.apis, or on which no
// route accepts API keys (the key would be refused on every request).
func checkKeyAPIs(cfg *config.Config, apis []string) error {
	if cfg.Gateway == nil {
		return errors.New("no gateway in the configuration: API keys are checked by gateway APIs with auth: api_key")
	}
	for _, name := range apis {
		i := -1
		for j := range cfg.Gateway.APIs {
			if cfg.Gateway.APIs[j].Name == name {
				i = j
				break
			}
		}
		if i < 0 {
			return fmt.Errorf("--api %q: no such API in gateway.apis", truncateArg(name))
		}
		if api := &cfg.Gateway.APIs[i]; !acceptsAPIKeys(api) {
			return fmt.Errorf("--api %q: the API has auth: %s and no route with auth: api_key, so it would refuse every API key (A1)",
				name, api.Auth)
		}
	}
	return nil
}

// acceptsAPIKeys reports whether the API, or one of its routes, authenticates
// callers by API key. An API without routes serves every path with its own
// auth.
func acceptsAPIKeys(api *config.API) bool {
	if api.Auth == config.AuthAPIKey && len(api.Routes) == 0 {
		return true
	}
	for _, r := range api.Routes {
		auth := r.Auth
		if auth == "" {
			auth = api.Auth
		}
		if auth == config.AuthAPIKey {
			return true
		}
	}
	return false
}

// truncateArg shortens an operator's argument for an error message.
func truncateArg(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

func apiKeyList(e *env, args []string) error {
	fs, cfgFlag := newFlagSet("apikey list", e.stderr)
	if pos, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("usage: rempart apikey list")
	}
	return withResources(e, *cfgFlag, func(ctx context.Context, res *app.Resources) error {
		ks, err := res.Store.ListAPIKeys(ctx)
		if err != nil {
			return err
		}
		views := make([]apiKeyView, 0, len(ks))
		for _, k := range ks {
			views = append(views, apiKeyViewOf(k))
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(views)
	})
}

// apiKeyRevoke revokes a key by id; every gateway refuses it within 1 s
// (D1). Revoking a revoked key succeeds. The argument is never echoed: an
// operator may paste the key itself by mistake.
func apiKeyRevoke(e *env, args []string) error {
	fs, cfgFlag := newFlagSet("apikey revoke", e.stderr)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: rempart apikey revoke ID")
	}
	id := pos[0]
	if strings.HasPrefix(id, apikey.Prefix) {
		return errors.New("that is an API key, not its id: revoke takes the id printed by 'apikey create' and 'apikey list'")
	}
	return withResources(e, *cfgFlag, func(ctx context.Context, res *app.Resources) error {
		err := res.Store.RevokeAPIKey(ctx, id, time.Now())
		if errors.Is(err, store.ErrNotFound) {
			return errors.New("no API key with this id (see 'rempart apikey list')")
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "api key %s revoked; gateways refuse it within 1 s\n", id)
		return nil
	})
}
