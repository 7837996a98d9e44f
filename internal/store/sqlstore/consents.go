package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/rempart/rempart/internal/authserver"
	"github.com/rempart/rempart/internal/store"
)

// Store implements the authorization server's consent storage.
var _ authserver.ConsentStore = (*Store)(nil)

// consentColumns lists the consents columns in the order scanConsent uses.
const consentColumns = `user_id, client_id, scopes, created_at, updated_at`

// GetConsent returns the consent of userID for clientID;
// store.ErrNotFound when none.
func (s *Store) GetConsent(ctx context.Context, userID, clientID string) (authserver.Consent, error) {
	row := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT `+consentColumns+` FROM consents
		WHERE user_id = ? AND client_id = ?`), userID, clientID)
	c, err := scanConsent(row)
	if errors.Is(err, sql.ErrNoRows) {
		return authserver.Consent{}, fmt.Errorf("sqlstore: get consent: %w", store.ErrNotFound)
	}
	if err != nil {
		return authserver.Consent{}, fmt.Errorf("sqlstore: get consent: %w", err)
	}
	return c, nil
}

// PutConsent creates or replaces the consent of c.UserID for c.ClientID;
// an existing row keeps its created_at. UserID, ClientID, CreatedAt and
// UpdatedAt are required.
func (s *Store) PutConsent(ctx context.Context, c authserver.Consent) error {
	if c.UserID == "" || c.ClientID == "" {
		return fmt.Errorf("sqlstore: put consent: %w", errEmptyField)
	}
	if err := checkText(c.UserID, c.ClientID); err != nil {
		return fmt.Errorf("sqlstore: put consent: %w", err)
	}
	scopes, err := encodeList(c.Scopes)
	if err != nil {
		return fmt.Errorf("sqlstore: put consent: scopes: %w", err)
	}
	created, err := nanos(c.CreatedAt)
	if err != nil {
		return fmt.Errorf("sqlstore: put consent: created_at: %w", err)
	}
	updated, err := nanos(c.UpdatedAt)
	if err != nil {
		return fmt.Errorf("sqlstore: put consent: updated_at: %w", err)
	}
	_, err = s.exec(ctx, `INSERT INTO consents (`+consentColumns+`) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = excluded.scopes, updated_at = excluded.updated_at`,
		c.UserID, c.ClientID, scopes, created, updated)
	if err != nil {
		return fmt.Errorf("sqlstore: put consent: %w", err)
	}
	return nil
}

// ListConsents returns the consents of userID ordered by client id.
func (s *Store) ListConsents(ctx context.Context, userID string) ([]authserver.Consent, error) {
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT `+consentColumns+` FROM consents
		WHERE user_id = ? ORDER BY client_id`), userID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list consents: %w", err)
	}
	defer rows.Close()
	var out []authserver.Consent
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: list consents: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: list consents: %w", err)
	}
	return out, nil
}

// DeleteConsent removes the consent; store.ErrNotFound when none.
func (s *Store) DeleteConsent(ctx context.Context, userID, clientID string) error {
	res, err := s.exec(ctx, `DELETE FROM consents WHERE user_id = ? AND client_id = ?`, userID, clientID)
	if err != nil {
		return fmt.Errorf("sqlstore: delete consent: %w", err)
	}
	return oneRow("delete consent", res)
}

// scanConsent reads one row selected with consentColumns.
func scanConsent(r scanner) (authserver.Consent, error) {
	var (
		c                authserver.Consent
		scopes           string
		created, updated int64
	)
	if err := r.Scan(&c.UserID, &c.ClientID, &scopes, &created, &updated); err != nil {
		return authserver.Consent{}, err
	}
	var err error
	if c.Scopes, err = decodeList(scopes); err != nil {
		return authserver.Consent{}, err
	}
	c.CreatedAt = fromNanos(sql.NullInt64{Int64: created, Valid: true})
	c.UpdatedAt = fromNanos(sql.NullInt64{Int64: updated, Valid: true})
	return c, nil
}
