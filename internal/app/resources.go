package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/rempart/rempart/internal/config"
	"github.com/rempart/rempart/internal/store/sqlstore"
	"github.com/rempart/rempart/internal/vault"
)

// Resources are the pieces the server and the administrative commands share:
// the store and the data key.
type Resources struct {
	Store *sqlstore.Store
	Vault *vault.Vault
}

// Close releases the store.
func (r *Resources) Close() error { return r.Store.Close() }

// OpenResources creates data_dir (0700) when needed, loads the data key
// (encryption_key, or data_dir/encryption.key generated on first use) and
// opens the store, applying migrations.
func OpenResources(ctx context.Context, cfg *config.Config, log *slog.Logger) (*Resources, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data_dir: %w", err)
	}
	v, err := openVault(cfg)
	if err != nil {
		return nil, err
	}
	driver, dsn := cfg.Store.Driver, cfg.Store.DSN
	if driver == "" || driver == "sqlite" {
		driver = "sqlite"
		if dsn == "" {
			dsn = filepath.Join(cfg.DataDir, "rempart.db")
		}
	}
	st, err := sqlstore.Open(ctx, driver, dsn, log)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return &Resources{Store: st, Vault: v}, nil
}

func openVault(cfg *config.Config) (*vault.Vault, error) {
	if cfg.EncryptionKey != "" {
		v, err := vault.FromBase64(cfg.EncryptionKey)
		if err != nil {
			return nil, fmt.Errorf("encryption_key: %w", err)
		}
		return v, nil
	}
	v, err := vault.LoadOrCreateFile(filepath.Join(cfg.DataDir, "encryption.key"))
	if err != nil {
		return nil, fmt.Errorf("encryption_key: %w", err)
	}
	return v, nil
}
