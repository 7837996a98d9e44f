package users

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"github.com/rempart/rempart/internal/store"
)

// TOTP settings (RFC 6238): what every authenticator app accepts.
const (
	TOTPIssuer     = "Rempart"
	TOTPPeriod     = 30 // seconds per step (RFC 6238 §5.2)
	totpDigits     = otp.DigitsSix
	totpSecretSize = 20 // bytes: 160 bits (RFC 4226 §4 R6)
	totpSkew       = 1  // steps accepted either side of the current one (RFC 6238 §5.2)
)

// EnrollTOTP gives user id a new TOTP secret, seals it (R4), turns MFA on
// and returns the otpauth:// URI for an authenticator app. The URI holds the
// secret: show it once, never log it. Enrolling again replaces the secret.
// An unknown id is an error wrapping store.ErrNotFound.
func (d *Directory) EnrollTOTP(ctx context.Context, id string) (string, error) {
	u, err := d.st.GetUser(ctx, id)
	if err != nil {
		return "", fmt.Errorf("users: enroll totp: %w", err)
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      TOTPIssuer,
		AccountName: u.Username,
		Period:      TOTPPeriod,
		SecretSize:  totpSecretSize,
		Digits:      totpDigits,
		Algorithm:   otp.AlgorithmSHA1,
		Rand:        d.rand,
	})
	if err != nil {
		return "", fmt.Errorf("users: enroll totp: generate: %w", err)
	}
	sealed, err := d.sealer.Seal([]byte(key.Secret()), totpAAD(u.ID))
	if err != nil {
		return "", fmt.Errorf("users: enroll totp: seal: %w", err)
	}
	if err := d.st.SetUserTOTP(ctx, u.ID, sealed, d.now()); err != nil {
		return "", fmt.Errorf("users: enroll totp: %w", err)
	}
	return key.URL(), nil
}

// VerifyTOTP checks a TOTP code of user u (typically the user Authenticate
// returned). The user's current record is read again, so a user disabled
// (ErrInvalidCredentials) or re-enrolled since is handled. code must be
// exactly 6 ASCII digits and match the current step or one either side; a
// step at or before the last one used is refused, and the step is recorded
// atomically, so each code is accepted once, cluster-wide (RFC 6238 §5.2).
// A refusal wraps ErrInvalidCode (and store.ErrAlreadyUsed for a replay);
// a user without TOTP gets ErrMFANotEnrolled.
func (d *Directory) VerifyTOTP(ctx context.Context, u User, code string) error {
	if !sixDigits(code) {
		return ErrInvalidCode
	}
	cur, err := d.st.GetUser(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("users: verify totp: %w", err)
	}
	if cur.Disabled {
		return ErrInvalidCredentials
	}
	if !cur.MFAEnabled || len(cur.TOTPSealed) == 0 {
		return ErrMFANotEnrolled
	}
	secret, err := d.sealer.Open(cur.TOTPSealed, totpAAD(cur.ID))
	if err != nil {
		return fmt.Errorf("users: verify totp: open secret of %s: %w", cur.ID, err)
	}
	now := d.now().Unix()
	if now < 0 {
		return ErrInvalidCode
	}
	step, err := matchStep(string(secret), code, now/TOTPPeriod)
	if err != nil {
		return fmt.Errorf("users: verify totp: secret of %s: %w", cur.ID, err)
	}
	if step < 0 {
		return ErrInvalidCode
	}
	if step <= cur.TOTPLastStep {
		return fmt.Errorf("%w: %w", ErrInvalidCode, store.ErrAlreadyUsed)
	}
	err = d.st.UseTOTPStep(ctx, cur.ID, step)
	switch {
	case errors.Is(err, store.ErrAlreadyUsed):
		return fmt.Errorf("%w: %w", ErrInvalidCode, store.ErrAlreadyUsed)
	case err != nil:
		return fmt.Errorf("users: verify totp: %w", err)
	}
	return nil
}

// matchStep returns the highest step in [step-totpSkew, step+totpSkew]
// whose code is code, -1 when none. Every candidate is computed and
// compared in constant time.
func matchStep(secret, code string, step int64) (int64, error) {
	matched := int64(-1)
	for s := step - totpSkew; s <= step+totpSkew; s++ {
		if s < 0 {
			continue
		}
		want, err := hotp.GenerateCodeCustom(secret, uint64(s), hotp.ValidateOpts{Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return -1, errors.New("unusable TOTP secret") // the library's error could quote it
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			matched = s
		}
	}
	return matched, nil
}

// sixDigits reports whether code is exactly six ASCII digits.
func sixDigits(code string) bool {
	if len(code) != totpDigits.Length() {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}
