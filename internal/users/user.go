package users

import (
	"context"
	"errors"
	"time"
)

// User is a user of the built-in directory as stored: the password only as
// an argon2id PHC hash, the e-mail and the TOTP secret only sealed (R4).
type User struct {
	ID           string // random UUID v4 (R16); the `sub` of the user's tokens
	Username     string // lower-cased, see NormalizeUsername
	PasswordHash string // argon2id PHC string
	EmailSealed  []byte // vault-sealed e-mail, additional data "user-email:"+ID; nil when none
	TOTPSealed   []byte // vault-sealed base32 TOTP secret, additional data "user-totp:"+ID; nil when not enrolled
	// TOTPLastStep is the last 30-second TOTP step accepted (Unix time / 30),
	// 0 when none; a code of this step or an earlier one is refused.
	TOTPLastStep int64
	MFAEnabled   bool // a TOTP code is required after the password (A8)
	Disabled     bool // the user cannot log in
	CreatedAt    time.Time
	UpdatedAt    time.Time // zero until the first change
}

// Store is the user storage the directory needs. Every method wraps
// store.ErrNotFound when the user does not exist.
type Store interface {
	// CreateUser inserts u; store.ErrConflict when its id or username is
	// taken. The username is stored as given (already lower-cased).
	CreateUser(ctx context.Context, u User) error
	// GetUser returns the user with id.
	GetUser(ctx context.Context, id string) (User, error)
	// GetUserByUsername returns the user whose Username is exactly username.
	GetUserByUsername(ctx context.Context, username string) (User, error)
	// ListUsers returns every user, disabled ones included, ordered by
	// username.
	ListUsers(ctx context.Context) ([]User, error)
	// SetUserDisabled sets Disabled and UpdatedAt = at.
	SetUserDisabled(ctx context.Context, id string, disabled bool, at time.Time) error
	// SetUserTOTP replaces TOTPSealed with sealed, sets MFAEnabled to
	// whether sealed is non-empty and UpdatedAt = at. TOTPLastStep is kept.
	SetUserTOTP(ctx context.Context, id string, sealed []byte, at time.Time) error
	// UseTOTPStep records step as the last TOTP step used, atomically and
	// only if it is greater than the recorded one; store.ErrAlreadyUsed
	// otherwise (replay, RFC 6238 §5.2).
	UseTOTPStep(ctx context.Context, id string, step int64) error
}

var (
	// ErrInvalidCredentials is Authenticate's only refusal: unknown
	// username, wrong password or disabled user (which one is logged by
	// no one and told to no one).
	ErrInvalidCredentials = errors.New("users: invalid username or password")
	// ErrInvalidCode reports a TOTP code that is malformed, wrong, or
	// already used (the latter also wraps store.ErrAlreadyUsed).
	ErrInvalidCode = errors.New("users: invalid one-time code")
	// ErrMFANotEnrolled reports a TOTP check for a user without a TOTP
	// secret.
	ErrMFANotEnrolled = errors.New("users: no second factor enrolled")
	// ErrInvalidUsername, ErrInvalidPassword and ErrInvalidEmail report a
	// value refused by Create; the wrapping error says why, for the
	// operator, and never quotes a password.
	ErrInvalidUsername = errors.New("users: invalid username")
	ErrInvalidPassword = errors.New("users: invalid password")
	ErrInvalidEmail    = errors.New("users: invalid e-mail address")
)
