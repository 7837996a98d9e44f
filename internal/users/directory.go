package users

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/store"
)

// Sealer encrypts personal data at rest with an authenticated cipher under
// a key that is not in the database (R4); *vault.Vault is one.
type Sealer interface {
	Seal(plaintext, additionalData []byte) ([]byte, error)
	Open(sealed, additionalData []byte) ([]byte, error)
}

// Deps are what a Directory needs.
type Deps struct {
	Store  Store
	Sealer Sealer
	// Params are the argon2id parameters for new hashes; the zero value
	// means DefaultParams. Tests lower them.
	Params Params
	Now    func() time.Time // nil: time.Now
	Rand   io.Reader        // nil: crypto/rand (ids, salts, TOTP secrets)
	Log    *slog.Logger     // nil: discard
}

// Directory is the built-in user directory. It is safe for concurrent use.
type Directory struct {
	st     Store
	sealer Sealer
	params Params
	now    func() time.Time
	rand   io.Reader
	log    *slog.Logger
	hash   hashFunc // argon2id; tests count calls
}

// NewUser is what Create needs.
type NewUser struct {
	Username string // normalised with NormalizeUsername
	Password string // checked against the password policy, then hashed
	Email    string // optional; normalised with NormalizeEmail, then sealed
}

// New returns a Directory; it fails when Store or Sealer is missing or
// Params are out of bounds.
func New(d Deps) (*Directory, error) {
	if d.Store == nil || d.Sealer == nil {
		return nil, errors.New("users: Store and Sealer are required")
	}
	if d.Params == (Params{}) {
		d.Params = DefaultParams()
	}
	if err := d.Params.validate(); err != nil {
		return nil, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Rand == nil {
		d.Rand = rand.Reader
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Directory{st: d.Store, sealer: d.Sealer, params: d.Params, now: d.Now, rand: d.Rand, log: d.Log, hash: argon2id}, nil
}

// Create adds a user with a random UUID v4 id (R16): the username is
// normalised, the password checked and hashed with argon2id, the e-mail (if
// any) normalised and sealed (R4). An invalid value is an error wrapping
// ErrInvalidUsername, ErrInvalidPassword or ErrInvalidEmail; a username
// already taken wraps store.ErrConflict.
func (d *Directory) Create(ctx context.Context, nu NewUser) (User, error) {
	name, err := NormalizeUsername(nu.Username)
	if err != nil {
		return User{}, err
	}
	if err := checkPassword(name, nu.Password); err != nil {
		return User{}, err
	}
	var email string
	if nu.Email != "" {
		if email, err = NormalizeEmail(nu.Email); err != nil {
			return User{}, err
		}
	}
	id, err := uuid.NewRandomFromReader(d.rand)
	if err != nil {
		return User{}, fmt.Errorf("users: id: %w", err)
	}
	u := User{ID: id.String(), Username: name, CreatedAt: d.now()}
	if u.PasswordHash, err = hashPassword(d.hash, d.rand, nu.Password, d.params); err != nil {
		return User{}, err
	}
	if email != "" {
		if u.EmailSealed, err = d.sealer.Seal([]byte(email), emailAAD(u.ID)); err != nil {
			return User{}, fmt.Errorf("users: seal e-mail: %w", err)
		}
	}
	if err := d.st.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return User{}, fmt.Errorf("users: the username is already taken: %w", err)
		}
		return User{}, fmt.Errorf("users: create: %w", err)
	}
	return u, nil
}

// Authenticate checks username and password and returns the user. Unknown
// username, wrong password and disabled user all return
// ErrInvalidCredentials after the same argon2id work (an unknown username
// is checked against a dummy hash), so neither the answer nor its timing
// tells whether a username exists. A store failure is returned as such
// (the caller fails closed, D2). When the returned user has MFAEnabled, the
// caller must also obtain a valid VerifyTOTP before the login is complete
// (A8).
func (d *Directory) Authenticate(ctx context.Context, username, password string) (User, error) {
	if len(password) > MaxPasswordLen {
		// Refused for every user alike: no lookup, no hashing of a huge input.
		return User{}, ErrInvalidCredentials
	}
	name, err := NormalizeUsername(username)
	if err != nil {
		d.dummyVerify(password)
		return User{}, ErrInvalidCredentials
	}
	u, err := d.st.GetUserByUsername(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		d.dummyVerify(password)
		return User{}, ErrInvalidCredentials
	}
	if err != nil {
		return User{}, fmt.Errorf("users: authenticate: %w", err)
	}
	ok, err := verifyPassword(d.hash, u.PasswordHash, password)
	if err != nil {
		d.log.ErrorContext(ctx, "users: stored password hash is unusable", "user_id", u.ID, "error", err)
		return User{}, ErrInvalidCredentials
	}
	if !ok || u.Disabled {
		return User{}, ErrInvalidCredentials
	}
	return u, nil
}

// dummyVerify spends the time of a password check against a user that does
// not exist: one argon2id computation with the current parameters (any
// fixed salt does).
func (d *Directory) dummyVerify(password string) {
	salt := make([]byte, d.params.SaltLen)
	_ = d.hash([]byte(password), salt, d.params)
}

// Get returns the user with id; an error wrapping store.ErrNotFound when
// absent.
func (d *Directory) Get(ctx context.Context, id string) (User, error) {
	u, err := d.st.GetUser(ctx, id)
	if err != nil {
		return User{}, fmt.Errorf("users: get: %w", err)
	}
	return u, nil
}

// List returns every user, disabled ones included, ordered by username.
func (d *Directory) List(ctx context.Context) ([]User, error) {
	us, err := d.st.ListUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("users: list: %w", err)
	}
	return us, nil
}

// Disable stops user id from logging in (idempotent); an error wrapping
// store.ErrNotFound when absent. Sessions and tokens already issued are the
// authorization server's to end.
func (d *Directory) Disable(ctx context.Context, id string) error {
	if err := d.st.SetUserDisabled(ctx, id, true, d.now()); err != nil {
		return fmt.Errorf("users: disable: %w", err)
	}
	return nil
}

// Email returns u's e-mail address in clear, "" when it has none. It fails
// when the sealed value does not open under the data key and u's id.
func (d *Directory) Email(u User) (string, error) {
	if len(u.EmailSealed) == 0 {
		return "", nil
	}
	b, err := d.sealer.Open(u.EmailSealed, emailAAD(u.ID))
	if err != nil {
		return "", fmt.Errorf("users: open e-mail of %s: %w", u.ID, err)
	}
	return string(b), nil
}

// emailAAD and totpAAD bind a sealed value to its user and purpose.
func emailAAD(id string) []byte { return []byte("user-email:" + id) }
func totpAAD(id string) []byte  { return []byte("user-totp:" + id) }
