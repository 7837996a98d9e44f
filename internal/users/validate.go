package users

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// Input limits.
const (
	MaxUsernameLen    = 64   // characters (ASCII)
	MinPasswordLen    = 8    // Unicode code points (NIST SP 800-63B §3.1.1.2)
	MaxPasswordLen    = 1024 // bytes: bounds the hashing work asked of the server
	maxEmailLen       = 254  // bytes (RFC 5321 §4.5.3.1.3 path limit less the brackets)
	usernameAlphabet  = "A-Z a-z 0-9 . _ @ -"
	usernameRuleForOp = "1 to 64 characters among " + usernameAlphabet
)

// NormalizeUsername returns name lower-cased, or an error wrapping
// ErrInvalidUsername when it is not 1 to 64 characters among
// [A-Za-z0-9._@-]. Two names that differ only in case are the same user.
// The error never quotes name.
func NormalizeUsername(name string) (string, error) {
	if name == "" || len(name) > MaxUsernameLen {
		return "", fmt.Errorf("%w: a username is %s", ErrInvalidUsername, usernameRuleForOp)
	}
	for i := 0; i < len(name); i++ {
		if !usernameByte(name[i]) {
			return "", fmt.Errorf("%w: a username is %s", ErrInvalidUsername, usernameRuleForOp)
		}
	}
	return strings.ToLower(name), nil
}

func usernameByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c == '.' || c == '_' || c == '@' || c == '-'
}

// checkPassword applies the password policy (NIST SP 800-63B §3.1.1.2): 8
// code points to 1024 bytes, anything else allowed, but not the username.
// username is already normalised. Errors never quote the password.
func checkPassword(username, password string) error {
	switch {
	case len(password) > MaxPasswordLen:
		return fmt.Errorf("%w: a password is at most %d bytes", ErrInvalidPassword, MaxPasswordLen)
	case utf8.RuneCountInString(password) < MinPasswordLen:
		return fmt.Errorf("%w: a password is at least %d characters", ErrInvalidPassword, MinPasswordLen)
	case strings.EqualFold(password, username):
		return fmt.Errorf("%w: the password must not be the username", ErrInvalidPassword)
	}
	return nil
}

// NormalizeEmail returns addr trimmed, with its domain lower-cased, or an
// error wrapping ErrInvalidEmail when it is not exactly one plain address
// (RFC 5322 addr-spec, no display name, no comment) of at most 254 bytes.
// The error never quotes addr (personal data).
func NormalizeEmail(addr string) (string, error) {
	s := strings.TrimSpace(addr)
	if s == "" || len(s) > maxEmailLen {
		return "", fmt.Errorf("%w: want one address of at most %d bytes", ErrInvalidEmail, maxEmailLen)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", fmt.Errorf("%w: want one plain address, local-part@domain", ErrInvalidEmail)
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", fmt.Errorf("%w: want one plain address, local-part@domain", ErrInvalidEmail)
	}
	return s[:at] + "@" + strings.ToLower(s[at+1:]), nil
}
