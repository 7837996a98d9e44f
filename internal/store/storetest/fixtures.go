package storetest

import (
	"fmt"
	"reflect"
	"time"

	"github.com/google/uuid"

	"github.com/rempart/rempart/internal/authserver"
	"github.com/rempart/rempart/internal/keys"
)

// base is the suite's clock origin: not UTC and with nanoseconds, so a
// backend that drops the zone offset or sub-second digits is caught.
var base = time.Date(2031, 5, 6, 7, 8, 9, 123456789, time.FixedZone("UTC+2", 2*3600))

// at returns base plus d.
func at(d time.Duration) time.Time { return base.Add(d) }

// allBytes returns the 256 byte values in order, then n copies of 0x00: a
// text conversion (UTF-8 check, NUL termination, trimming) would alter it.
func allBytes(n int) []byte {
	b := make([]byte, 0, 256+n)
	for i := range 256 {
		b = append(b, byte(i))
	}
	return append(b, make([]byte, n)...)
}

// hash returns a 32-byte stand-in for an HMAC-SHA-256 value, distinct per
// seed and holding NUL and non-UTF-8 bytes.
func hash(seed byte) []byte {
	b := make([]byte, 32)
	for i := range b {
		b[i] = seed ^ byte(i*37)
	}
	b[0], b[31] = 0x00, 0xff
	return b
}

// newClient returns a client with every field set.
func newClient(name string) authserver.Client {
	return authserver.Client{
		ID:                uuid.NewString(),
		Name:              name,
		AuthMethod:        authserver.AuthSecretBasic,
		GrantTypes:        []string{authserver.GrantClientCredentials, authserver.GrantAuthorizationCode, authserver.GrantTokenExchange},
		Scopes:            []string{"orders:read", "orders:write", "openid"},
		RedirectURIs:      []string{"https://app.example/cb", "https://app.example/cb?x=1&y='2'"},
		APIs:              []string{"orders", "payments"},
		TokenFormat:       "jwt",
		SecretHash:        hash(1),
		PrevSecretHash:    hash(2),
		PrevSecretExpires: at(time.Hour),
		CreatedAt:         at(0),
		UpdatedAt:         at(time.Minute),
	}
}

// newKey returns a signing key record created at created.
func newKey(created time.Time) keys.Record {
	id := uuid.NewString()
	return keys.Record{
		ID:         id,
		Algorithm:  "ES256",
		PublicDER:  append([]byte("public:"+id), hash(3)...),
		SealedPriv: append([]byte("sealed:"+id), hash(4)...),
		CreatedAt:  created,
	}
}

// diffClient describes how got differs from want, "" when equal: times by
// Equal, empty and nil lists and hashes alike, the rest by reflect.DeepEqual.
func diffClient(got, want authserver.Client) string {
	var d string
	for _, f := range []struct {
		name      string
		got, want time.Time
	}{
		{"PrevSecretExpires", got.PrevSecretExpires, want.PrevSecretExpires},
		{"CreatedAt", got.CreatedAt, want.CreatedAt},
		{"UpdatedAt", got.UpdatedAt, want.UpdatedAt},
	} {
		if !f.got.Equal(f.want) {
			d += fmt.Sprintf("%s = %v, want %v; ", f.name, f.got.UTC(), f.want.UTC())
		}
	}
	g, w := normClient(got), normClient(want)
	if !reflect.DeepEqual(g, w) {
		d += fmt.Sprintf("got %+v, want %+v", g, w)
	}
	return d
}

// normClient zeroes the times (compared apart) and turns empty slices to nil.
func normClient(c authserver.Client) authserver.Client {
	c.PrevSecretExpires, c.CreatedAt, c.UpdatedAt = time.Time{}, time.Time{}, time.Time{}
	for _, l := range []*[]string{&c.GrantTypes, &c.Scopes, &c.RedirectURIs, &c.APIs} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	for _, b := range []*[]byte{&c.SecretHash, &c.PrevSecretHash} {
		if len(*b) == 0 {
			*b = nil
		}
	}
	return c
}

// diffKey describes how got differs from want, "" when equal.
func diffKey(got, want keys.Record) string {
	var d string
	if !got.CreatedAt.Equal(want.CreatedAt) {
		d += fmt.Sprintf("CreatedAt = %v, want %v; ", got.CreatedAt.UTC(), want.CreatedAt.UTC())
	}
	if !got.RetiredAt.Equal(want.RetiredAt) {
		d += fmt.Sprintf("RetiredAt = %v, want %v; ", got.RetiredAt.UTC(), want.RetiredAt.UTC())
	}
	got.CreatedAt, got.RetiredAt, want.CreatedAt, want.RetiredAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		d += fmt.Sprintf("got %+v, want %+v", got, want)
	}
	return d
}
