package cli

import (
	"context"
	"encoding/json"
	"time"

	"github.com/rempart/rempart/internal/app"
	"github.com/rempart/rempart/internal/keys"
)

func runKeys(e *env, args []string) error {
	if len(args) == 0 || args[0] != "rotate" {
		return usagef("usage: rempart keys rotate [--config FILE]")
	}
	fs, cfgFlag := newFlagSet("keys rotate", e.stderr)
	if pos, err := parseInterspersed(fs, args[1:]); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	cfg, err := loadConfig(e, *cfgFlag)
	if err != nil {
		return err
	}
	ctx := context.Background()
	res, err := app.OpenResources(ctx, cfg, newLogger(e.stderr, 8))
	if err != nil {
		return err
	}
	defer res.Close()
	m, err := keys.NewManager(ctx, keys.Deps{
		Store: res.Store, Vault: res.Vault, Now: time.Now,
		Log: newLogger(e.stderr, 8), MaxTokenTTL: app.MaxTokenTTL(cfg),
	})
	if err != nil {
		return err
	}
	k, err := m.Rotate(ctx)
	if err != nil {
		return err
	}
	return json.NewEncoder(e.stdout).Encode(map[string]string{"kid": k.ID})
}
