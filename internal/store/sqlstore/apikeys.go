package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/rempart/rempart/internal/apikey"
	"github.com/rempart/rempart/internal/store"
)

// Store implements the API-key storage the CLI and the gateway use.
var _ apikey.Store = (*Store)(nil)

// apiKeyColumns lists the api_keys columns in the order apiKeyArgs and
// scanAPIKey use.
const apiKeyColumns = `id, name, apis, hash, created_at, revoked_at`

var errEmptyHash = errors.New("empty hash")

// CreateAPIKey inserts k; store.ErrConflict when its id or hash is taken.
// ID, Name, Hash and CreatedAt are required; names need not be unique.
func (s *Store) CreateAPIKey(ctx context.Context, k apikey.Key) error {
	args, err := apiKeyArgs(k)
	if err != nil {
		return fmt.Errorf("sqlstore: create api key: %w", err)
	}
	_, err = s.exec(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`) VALUES (?, ?, ?, ?, ?, ?)`, args...)
	if err != nil {
		return s.writeErr("create api key", err)
	}
	return nil
}

// APIKeyByHash returns the key whose hash is exactly hash, revoked or not,
// through the unique index on hash; store.ErrNotFound when none.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (apikey.Key, error) {
	if len(hash) == 0 {
		return apikey.Key{}, fmt.Errorf("sqlstore: api key by hash: %w", errEmptyHash)
	}
	row := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = ?`), hash)
	k, err := scanAPIKey(row)
	if errors.Is(err, sql.ErrNoRows) {
		return apikey.Key{}, fmt.Errorf("sqlstore: api key by hash: %w", store.ErrNotFound)
	}
	if err != nil {
		return apikey.Key{}, fmt.Errorf("sqlstore: api key by hash: %w", err)
	}
	return k, nil
}

// ListAPIKeys returns every key, revoked ones included, ordered by name
// (byte order), then created_at, then id.
func (s *Store) ListAPIKeys(ctx context.Context) ([]apikey.Key, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY name, created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list api keys: %w", err)
	}
	defer rows.Close()
	var ks []apikey.Key
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: list api keys: %w", err)
		}
		ks = append(ks, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: list api keys: %w", err)
	}
	return ks, nil
}

// RevokeAPIKey sets the revocation time of key id to at; store.ErrNotFound
// when absent. Revoking a revoked key succeeds and keeps the first time.
func (s *Store) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	atN, err := nanos(at)
	if err != nil {
		return fmt.Errorf("sqlstore: revoke api key: revoked_at: %w", err)
	}
	res, err := s.exec(ctx, `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, atN, id)
	if err != nil {
		return fmt.Errorf("sqlstore: revoke api key: %w", err)
	}
	return oneRow("revoke api key", res)
}

// apiKeyArgs validates k and returns its column values in apiKeyColumns
// order.
func apiKeyArgs(k apikey.Key) ([]any, error) {
	switch {
	case k.ID == "":
		return nil, errEmptyID
	case k.Name == "":
		return nil, errEmptyName
	case len(k.Hash) == 0:
		return nil, errEmptyHash
	case k.CreatedAt.IsZero():
		return nil, errCreatedAtMissing
	}
	if err := checkText(k.ID, k.Name); err != nil {
		return nil, err
	}
	apis, err := encodeList(k.APIs)
	if err != nil {
		return nil, err
	}
	created, err := nanos(k.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("created_at: %w", err)
	}
	revoked, err := optNanos(k.RevokedAt)
	if err != nil {
		return nil, fmt.Errorf("revoked_at: %w", err)
	}
	return []any{k.ID, k.Name, apis, k.Hash, created, revoked}, nil
}

// scanAPIKey reads one row selected with apiKeyColumns.
func scanAPIKey(r scanner) (apikey.Key, error) {
	var (
		k       apikey.Key
		apis    string
		created int64
		revoked sql.NullInt64
	)
	if err := r.Scan(&k.ID, &k.Name, &apis, &k.Hash, &created, &revoked); err != nil {
		return apikey.Key{}, err
	}
	var err error
	if k.APIs, err = decodeList(apis); err != nil {
		return apikey.Key{}, fmt.Errorf("api key %s: %w", k.ID, err)
	}
	k.CreatedAt = fromNanos(sql.NullInt64{Int64: created, Valid: true})
	k.RevokedAt = fromNanos(revoked)
	return k, nil
}
