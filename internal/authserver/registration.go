package authserver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/names"
	"github.com/rempart/rempart/internal/oauth"
	"github.com/rempart/rempart/internal/store"
	"github.com/rempart/rempart/internal/vault"
)

// Registration limits.
const (
	maxClientNameLen  = 100                // runes
	maxRedirectURILen = 2000               // bytes
	MaxSecretGrace    = 7 * 24 * time.Hour // longest rotate-secret --grace
)

// ClientSpec is what an operator asks for when registering a client
// (`rempart client create`).
type ClientSpec struct {
	Name               string
	GrantTypes         []string // RFC grant_type values (Grant* constants)
	Scopes             []string // each element may hold several space-separated scopes
	RedirectURIs       []string
	APIs               []string // API names; empty = every API
	AuthMethod         string   // "" means client_secret_basic
	TokenFormat        string   // "", "jwt" or "opaque"
	AllowPasswordGrant bool     // the password grant is refused without it (T4)
	// JWKS is the client's JWK set, required with private_key_jwt and
	// refused otherwise (see ParseClientJWKS).
	JWKS []byte
	// RequireMFA makes logins for this client need a second factor (A8).
	RequireMFA bool
}

// SpecError reports an invalid ClientSpec field or rotation parameter. Its
// message is meant for the operator (the CLI prints it and exits 1).
type SpecError struct {
	Field   string
	Message string
	Err     error // optional cause (e.g. store.ErrConflict)
}

func (e *SpecError) Error() string { return e.Field + ": " + e.Message }

// Unwrap returns the cause, if any.
func (e *SpecError) Unwrap() error { return e.Err }

// knownGrants are the grant types a client may be registered for. The
// implicit grant is absent: it puts tokens in URLs (T4, R15).
var knownGrants = []string{
	GrantClientCredentials, GrantAuthorizationCode, GrantRefreshToken, GrantPassword,
	GrantTokenExchange, GrantJWTBearer, GrantDeviceCode,
}

// RegisterClient validates spec, creates the client with a random UUID id
// (R16) and, for secret-based methods, a new 256-bit secret (R7, D5) of
// which only the keyed hash is stored (R4). It returns the client and the
// secret, which the caller shows once ("" for key-based methods: a
// private_key_jwt client gets no secret, only its registered JWK set).
// Validation errors are *SpecError; a taken name is a *SpecError wrapping
// store.ErrConflict.
func RegisterClient(ctx context.Context, st ClientStore, h secretHasher, spec ClientSpec, now time.Time) (Client, string, error) {
	c, err := clientFromSpec(spec)
	if err != nil {
		return Client{}, "", err
	}
	id, err := uuid.NewRandom()
	if err != nil {
		return Client{}, "", fmt.Errorf("authserver: client id: %w", err)
	}
	var secret string
	if usesSecret(c.AuthMethod) {
		if secret, err = vault.NewSecret(); err != nil {
			return Client{}, "", fmt.Errorf("authserver: client secret: %w", err)
		}
		c.SecretHash = h.Hash(vault.PurposeClientSecret, secret)
	}
	c.ID = id.String()
	c.CreatedAt, c.UpdatedAt = now, now
	if err := st.CreateClient(ctx, c); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return Client{}, "", &SpecError{Field: "name", Message: "a client with this name already exists", Err: err}
		}
		return Client{}, "", fmt.Errorf("authserver: create client: %w", err)
	}
	return c, secret, nil
}

// clientFromSpec validates spec and returns the client it describes,
// without id, secret or timestamps.
func clientFromSpec(spec ClientSpec) (Client, error) {
	if err := checkClientName(spec.Name); err != nil {
		return Client{}, err
	}
	c := Client{Name: spec.Name, AuthMethod: spec.AuthMethod, TokenFormat: spec.TokenFormat}
	c.RequireMFA = spec.RequireMFA

	if len(spec.GrantTypes) == 0 {
		return Client{}, &SpecError{Field: "grant", Message: "at least one grant type is required"}
	}
	for _, g := range spec.GrantTypes {
		switch {
		case g == "implicit":
			return Client{}, &SpecError{Field: "grant", Message: "the implicit grant is not supported: it puts tokens in URLs"}
		case !slices.Contains(knownGrants, g):
			return Client{}, &SpecError{Field: "grant", Message: fmt.Sprintf("unknown grant type %q", truncate(g, 80))}
		case g == GrantPassword && !spec.AllowPasswordGrant:
			return Client{}, &SpecError{Field: "grant", Message: "the password grant needs --allow-password-grant (for migrations only)"}
		}
		c.GrantTypes = appendUnique(c.GrantTypes, g)
	}

	for _, s := range spec.Scopes {
		scopes, err := oauth.ParseScope(s)
		if err != nil || len(scopes) == 0 {
			return Client{}, &SpecError{Field: "scope", Message: "scopes must be space-separated tokens of printable ASCII without quotes or backslashes"}
		}
		for _, sc := range scopes {
			c.Scopes = appendUnique(c.Scopes, sc)
		}
	}
	if len(c.Scopes) > oauth.MaxScopes {
		return Client{}, &SpecError{Field: "scope", Message: fmt.Sprintf("at most %d scopes", oauth.MaxScopes)}
	}

	for _, u := range spec.RedirectURIs {
		if err := checkRedirectURI(u); err != nil {
			return Client{}, err
		}
		c.RedirectURIs = appendUnique(c.RedirectURIs, u)
	}
	if slices.Contains(c.GrantTypes, GrantAuthorizationCode) && len(c.RedirectURIs) == 0 {
		return Client{}, &SpecError{Field: "redirect-uri", Message: "the authorization_code grant needs at least one redirect URI (R9)"}
	}

	for _, a := range spec.APIs {
		if a == "" || strings.ContainsFunc(a, func(r rune) bool { return !unicode.IsPrint(r) || r == ' ' }) {
			return Client{}, &SpecError{Field: "api", Message: "API names must be non-empty printable text without spaces"}
		}
		c.APIs = appendUnique(c.APIs, a)
	}

	switch c.AuthMethod {
	case "":
		c.AuthMethod = AuthSecretBasic
	case AuthSecretBasic, AuthSecretPost:
	case AuthPrivateKeyJWT:
		if len(spec.JWKS) == 0 {
			return Client{}, &SpecError{Field: "jwks-file", Message: "private_key_jwt needs the client's JWK set (--jwks-file)"}
		}
		jwks, err := ParseClientJWKS(spec.JWKS)
		if err != nil {
			return Client{}, &SpecError{Field: "jwks-file", Message: err.Error()}
		}
		c.JWKS = jwks
	case AuthTLSClient:
		return Client{}, &SpecError{Field: "auth-method", Message: c.AuthMethod + " is not supported yet"}
	default:
		return Client{}, &SpecError{Field: "auth-method", Message: fmt.Sprintf("unknown authentication method %q", truncate(c.AuthMethod, 80))}
	}

	if len(spec.JWKS) > 0 && c.AuthMethod != AuthPrivateKeyJWT {
		return Client{}, &SpecError{Field: "jwks-file", Message: "a JWK set is used only with --auth-method private_key_jwt"}
	}

	switch c.TokenFormat {
	case "", FormatJWT, FormatOpaque:
	default:
		return Client{}, &SpecError{Field: "token-format", Message: "token format must be jwt or opaque"}
	}
	return c, nil
}

// checkClientName accepts 1 to 100 printable characters without leading or
// trailing space.
func checkClientName(name string) error {
	if msg := names.Check(name, maxClientNameLen); msg != "" {
		return &SpecError{Field: "name", Message: msg}
	}
	return nil
}

// checkRedirectURI applies oauth.ValidateRegisteredRedirect (R9; RFC 6749
// §3.1.2, RFC 8252 §7.3 and §8.3, RFC 9700 §4.1): https, http on a loopback
// IP literal only (not "localhost"), or a reverse-DNS private-use scheme;
// no fragment, user information, wildcard or dot segment.
func checkRedirectURI(raw string) error {
	if err := oauth.ValidateRegisteredRedirect(raw); err != nil {
		return &SpecError{Field: "redirect-uri", Message: "a redirect URI must be an absolute https URI, http on 127.0.0.1 or [::1], or a private-use scheme like com.example.app:/cb, without fragment or user information", Err: err}
	}
	return nil
}

// RotateClientSecret gives client id a new secret and returns it (shown
// once). With grace > 0 the current secret stays valid until now+grace
// (a previous secret still in its grace period is dropped); with grace 0
// it stops at once. A grace above MaxSecretGrace, or negative, is refused
// (*SpecError); an unknown client wraps store.ErrNotFound.
func RotateClientSecret(ctx context.Context, st ClientStore, h secretHasher, id string, grace time.Duration, now time.Time) (string, error) {
	if grace < 0 || grace > MaxSecretGrace {
		return "", &SpecError{Field: "grace", Message: "the grace period must be between 0 and 168h (7 days)"}
	}
	c, err := st.GetClient(ctx, id)
	if err != nil {
		return "", fmt.Errorf("authserver: rotate secret: %w", err)
	}
	if !usesSecret(c.AuthMethod) {
		return "", &SpecError{Field: "client", Message: "this client authenticates without a secret"}
	}
	secret, err := vault.NewSecret()
	if err != nil {
		return "", fmt.Errorf("authserver: client secret: %w", err)
	}
	u := SecretUpdate{SecretHash: h.Hash(vault.PurposeClientSecret, secret), UpdatedAt: now}
	if grace > 0 && len(c.SecretHash) > 0 {
		u.PrevSecretHash = c.SecretHash
		u.PrevSecretExpires = now.Add(grace)
	}
	if err := st.UpdateClientSecret(ctx, id, u); err != nil {
		return "", fmt.Errorf("authserver: rotate secret: %w", err)
	}
	return secret, nil
}
