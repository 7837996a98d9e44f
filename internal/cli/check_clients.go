package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/rempart/rempart/internal/authserver"
	"github.com/rempart/rempart/internal/config"
	"github.com/rempart/rempart/internal/store/sqlstore"
)

// maxJWKSFile bounds how much of a --jwks-file is read.
const maxJWKSFile = 64 << 10

// warnPasswordGrant is the client warning of T4.
const warnPasswordGrant = "password grant allowed (T4): for migrations only; move this client to the authorization code flow"

// clientCheckTimeout bounds opening the store and listing the clients
// during `config check`.
const clientCheckTimeout = 5 * time.Second

// readJWKSFile reads the JWK set file of a private_key_jwt client; its
// content is checked by authserver.RegisterClient.
func readJWKSFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--jwks-file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("--jwks-file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("--jwks-file: %s is not a regular file", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxJWKSFile+1))
	if err != nil {
		return nil, fmt.Errorf("--jwks-file: %w", err)
	}
	if len(b) > maxJWKSFile {
		return nil, fmt.Errorf("--jwks-file: %s is larger than %d bytes", path, maxJWKSFile)
	}
	return b, nil
}

// clientWarnings lists what `client show` and `config check` report about
// a client: the password grant (T4).
func clientWarnings(c authserver.Client) []string {
	var w []string
	if slices.Contains(c.GrantTypes, authserver.GrantPassword) {
		w = append(w, warnPasswordGrant)
	}
	return w
}

// storedClientWarnings returns, for a configuration without errors, a
// warning for every registered client that allows the password grant
// (T4), at key path "clients.<id>". It looks only when the store exists
// already (an SQLite file that is not there is not created) and can be
// opened within clientCheckTimeout; otherwise it says it could not look.
func storedClientWarnings(cfg *config.Config, rep config.Report) []config.Problem {
	if cfg == nil || !rep.OK() {
		return nil
	}
	driver, dsn := cfg.Store.Driver, cfg.Store.DSN
	if driver == "" || driver == config.DriverSQLite {
		driver = sqlstore.DriverSQLite
		if dsn == "" {
			dsn = filepath.Join(cfg.DataDir, "rempart.db")
		}
		if _, err := os.Stat(dsn); errors.Is(err, fs.ErrNotExist) {
			return nil // no store yet: no client to report
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), clientCheckTimeout)
	defer cancel()
	st, err := sqlstore.Open(ctx, driver, dsn, nil)
	if err != nil {
		return []config.Problem{{Path: "store", Message: "could not open the store to check the registered clients"}}
	}
	defer st.Close()
	cs, err := st.ListClients(ctx)
	if err != nil {
		return []config.Problem{{Path: "store", Message: "could not list the registered clients"}}
	}
	var out []config.Problem
	for _, c := range cs {
		for _, w := range clientWarnings(c) {
			out = append(out, config.Problem{Path: "clients." + c.ID + " (" + c.Name + ")", Message: w})
		}
	}
	return out
}
