package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/rempart/rempart/internal/store"
	"github.com/rempart/rempart/internal/users"
)

// Store implements the user directory's storage.
var _ users.Store = (*Store)(nil)

// userColumns lists the users columns in the order userArgs and scanUser
// use.
const userColumns = `id, username, password_hash, email_sealed, totp_sealed, totp_last_step,
	mfa_enabled, disabled, created_at, updated_at`

var (
	errEmptyUsername     = errors.New("empty username")
	errEmptyPasswordHash = errors.New("empty password hash")
	errNegativeStep      = errors.New("negative TOTP step")
)

// CreateUser inserts u; store.ErrConflict when its id or username is taken
// (usernames compare byte for byte: the users package lower-cases them).
// ID, Username, PasswordHash and CreatedAt are required.
func (s *Store) CreateUser(ctx context.Context, u users.User) error {
	args, err := userArgs(u)
	if err != nil {
		return fmt.Errorf("sqlstore: create user: %w", err)
	}
	_, err = s.exec(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	if err != nil {
		return s.writeErr("create user", err)
	}
	return nil
}

// GetUser returns the user with id; store.ErrNotFound when absent.
func (s *Store) GetUser(ctx context.Context, id string) (users.User, error) {
	return s.getUser(ctx, "get user", `id = ?`, id)
}

// GetUserByUsername returns the user whose username is exactly username;
// store.ErrNotFound when none.
func (s *Store) GetUserByUsername(ctx context.Context, username string) (users.User, error) {
	return s.getUser(ctx, "get user by username", `username = ?`, username)
}

func (s *Store) getUser(ctx context.Context, op, where string, arg string) (users.User, error) {
	row := s.db.QueryRowContext(ctx, s.d.rebind(`SELECT `+userColumns+` FROM users WHERE `+where), arg)
	u, err := scanUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return users.User{}, fmt.Errorf("sqlstore: %s: %w", op, store.ErrNotFound)
	}
	if err != nil {
		return users.User{}, fmt.Errorf("sqlstore: %s: %w", op, err)
	}
	return u, nil
}

// ListUsers returns every user, disabled ones included, ordered by username
// (byte order).
func (s *Store) ListUsers(ctx context.Context) ([]users.User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list users: %w", err)
	}
	defer rows.Close()
	var us []users.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: list users: %w", err)
		}
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: list users: %w", err)
	}
	return us, nil
}

// SetUserDisabled sets the disabled flag and updated_at of user id;
// store.ErrNotFound when absent.
func (s *Store) SetUserDisabled(ctx context.Context, id string, disabled bool, at time.Time) error {
	atN, err := nanos(at)
	if err != nil {
		return fmt.Errorf("sqlstore: set user disabled: updated_at: %w", err)
	}
	res, err := s.exec(ctx, `UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?`, disabled, atN, id)
	if err != nil {
		return fmt.Errorf("sqlstore: set user disabled: %w", err)
	}
	return oneRow("set user disabled", res)
}

// SetUserTOTP replaces the sealed TOTP secret of user id, sets mfa_enabled
// to whether sealed is non-empty, and updated_at; totp_last_step is kept.
// store.ErrNotFound when absent.
func (s *Store) SetUserTOTP(ctx context.Context, id string, sealed []byte, at time.Time) error {
	atN, err := nanos(at)
	if err != nil {
		return fmt.Errorf("sqlstore: set user totp: updated_at: %w", err)
	}
	res, err := s.exec(ctx, `UPDATE users SET totp_sealed = ?, mfa_enabled = ?, updated_at = ? WHERE id = ?`,
		optBytes(sealed), len(sealed) > 0, atN, id)
	if err != nil {
		return fmt.Errorf("sqlstore: set user totp: %w", err)
	}
	return oneRow("set user totp", res)
}

// UseTOTPStep records step as user id's last TOTP step with one conditional
// UPDATE, which only a step greater than the recorded one passes: of
// concurrent uses of a step, on one node or many, exactly one succeeds and
// the others get store.ErrAlreadyUsed (RFC 6238 §5.2). store.ErrNotFound
// when the user is absent.
func (s *Store) UseTOTPStep(ctx context.Context, id string, step int64) error {
	if step < 0 {
		return fmt.Errorf("sqlstore: use totp step: %w", errNegativeStep)
	}
	res, err := s.exec(ctx, `UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, id, step)
	if err != nil {
		return fmt.Errorf("sqlstore: use totp step: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlstore: use totp step: %w", err)
	}
	if n == 1 {
		return nil
	}
	var one int
	err = s.db.QueryRowContext(ctx, s.d.rebind(`SELECT 1 FROM users WHERE id = ?`), id).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlstore: use totp step: %w", store.ErrNotFound)
	case err != nil:
		return fmt.Errorf("sqlstore: use totp step: %w", err)
	}
	return fmt.Errorf("sqlstore: use totp step: %w", store.ErrAlreadyUsed)
}

// userArgs validates u and returns its column values in userColumns order.
func userArgs(u users.User) ([]any, error) {
	switch {
	case u.ID == "":
		return nil, errEmptyID
	case u.Username == "":
		return nil, errEmptyUsername
	case u.PasswordHash == "":
		return nil, errEmptyPasswordHash
	case u.TOTPLastStep < 0:
		return nil, errNegativeStep
	case u.CreatedAt.IsZero():
		return nil, errCreatedAtMissing
	}
	if err := checkText(u.ID, u.Username, u.PasswordHash); err != nil {
		return nil, err
	}
	created, err := nanos(u.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("created_at: %w", err)
	}
	updated, err := optNanos(u.UpdatedAt)
	if err != nil {
		return nil, fmt.Errorf("updated_at: %w", err)
	}
	return []any{u.ID, u.Username, u.PasswordHash, optBytes(u.EmailSealed), optBytes(u.TOTPSealed),
		u.TOTPLastStep, u.MFAEnabled, u.Disabled, created, updated}, nil
}

// scanUser reads one row selected with userColumns.
func scanUser(r scanner) (users.User, error) {
	var (
		u       users.User
		created int64
		updated sql.NullInt64
	)
	err := r.Scan(&u.ID, &u.Username, &u.PasswordHash, &u.EmailSealed, &u.TOTPSealed, &u.TOTPLastStep,
		&u.MFAEnabled, &u.Disabled, &created, &updated)
	if err != nil {
		return users.User{}, err
	}
	u.EmailSealed = readBytes(u.EmailSealed)
	u.TOTPSealed = readBytes(u.TOTPSealed)
	u.CreatedAt = fromNanos(sql.NullInt64{Int64: created, Valid: true})
	u.UpdatedAt = fromNanos(updated)
	return u, nil
}
