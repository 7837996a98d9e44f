package authserver

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	jose "github.com/go-jose/go-jose/v4"
)

// Client JWK sets (private_key_jwt, RFC 7523 §2.2; A2). A client's keys
// come only from the set registered with it (D7): never from a token
// header, never fetched from a URL.
const (
	maxClientJWKSSize = 64 << 10 // bytes
	maxClientJWKSKeys = 10
	minRSABits        = 2048
	maxRSABits        = 8192 // bounds the work of one verification
)

// assertionAlgs are the signature algorithms accepted for client
// assertions (R6: no "none", no HS*).
var assertionAlgs = []jose.SignatureAlgorithm{jose.ES256, jose.PS256, jose.RS256}

// assertionAlgNames are assertionAlgs as strings, for discovery.
var assertionAlgNames = []string{string(jose.ES256), string(jose.PS256), string(jose.RS256)}

// privateMembers are JWK members that carry private or symmetric key
// material (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 "priv").
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv"}

// ParseClientJWKS checks a client's JWK set and returns it normalised:
// only the public key, kid, alg and use of each key (certificates and URLs
// are dropped: they are never used). It refuses any private or symmetric
// member, keys other than EC P-256 and RSA of 2048 to 8192 bits, an alg
// other than ES256 (EC) or RS256/PS256 (RSA), a use other than "sig",
// duplicate kids, and sets that are empty or hold more than 10 keys. The
// error is meant for the operator and quotes no key material.
func ParseClientJWKS(b []byte) ([]byte, error) {
	keys, err := parseJWKS(b)
	if err != nil {
		return nil, err
	}
	out, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		return nil, fmt.Errorf("encode JWK set: %w", err)
	}
	return out, nil
}

// parseJWKS is ParseClientJWKS returning the keys.
func parseJWKS(b []byte) ([]jose.JSONWebKey, error) {
	if len(b) == 0 {
		return nil, errors.New("the JWK set is empty")
	}
	if len(b) > maxClientJWKSSize {
		return nil, fmt.Errorf("the JWK set is larger than %d bytes", maxClientJWKSSize)
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&set); err != nil || dec.More() {
		return nil, errors.New("the JWK set is not a JSON object with a \"keys\" array (RFC 7517 §5)")
	}
	switch {
	case len(set.Keys) == 0:
		return nil, errors.New("the JWK set holds no key")
	case len(set.Keys) > maxClientJWKSKeys:
		return nil, fmt.Errorf("the JWK set holds more than %d keys", maxClientJWKSKeys)
	}
	keys := make([]jose.JSONWebKey, 0, len(set.Keys))
	for i, raw := range set.Keys {
		k, err := parseClientJWK(raw)
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i, err)
		}
		if k.KeyID != "" && slices.ContainsFunc(keys, func(o jose.JSONWebKey) bool { return o.KeyID == k.KeyID }) {
			return nil, fmt.Errorf("key %d: duplicate kid", i)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// parseClientJWK checks one key of a client's set.
func parseClientJWK(raw json.RawMessage) (jose.JSONWebKey, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil || members == nil {
		return jose.JSONWebKey{}, errors.New("not a JSON object")
	}
	for _, m := range privateMembers {
		if _, ok := members[m]; ok {
			return jose.JSONWebKey{}, fmt.Errorf("holds private or symmetric key material (%q): register public keys only", m)
		}
	}
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(raw); err != nil || !k.Valid() || !k.IsPublic() {
		return jose.JSONWebKey{}, errors.New("not a valid public JWK (RFC 7517 §4)")
	}
	if k.Use != "" && k.Use != "sig" {
		return jose.JSONWebKey{}, errors.New(`"use" must be "sig"`)
	}
	switch pub := k.Key.(type) {
	case *ecdsa.PublicKey:
		if pub.Curve != elliptic.P256() {
			return jose.JSONWebKey{}, errors.New("EC keys must be on P-256")
		}
		if k.Algorithm != "" && k.Algorithm != string(jose.ES256) {
			return jose.JSONWebKey{}, errors.New(`an EC key's "alg" must be ES256`)
		}
	case *rsa.PublicKey:
		if n := pub.N.BitLen(); n < minRSABits || n > maxRSABits {
			return jose.JSONWebKey{}, fmt.Errorf("RSA keys must have %d to %d bits", minRSABits, maxRSABits)
		}
		if k.Algorithm != "" && k.Algorithm != string(jose.RS256) && k.Algorithm != string(jose.PS256) {
			return jose.JSONWebKey{}, errors.New(`an RSA key's "alg" must be RS256 or PS256`)
		}
	default:
		return jose.JSONWebKey{}, errors.New("only EC P-256 and RSA keys are accepted")
	}
	return jose.JSONWebKey{Key: k.Key, KeyID: k.KeyID, Algorithm: k.Algorithm, Use: k.Use}, nil
}

// keyVerifies reports whether k may verify a signature made with alg.
func keyVerifies(k jose.JSONWebKey, alg string) bool {
	if k.Algorithm != "" && k.Algorithm != alg {
		return false
	}
	switch k.Key.(type) {
	case *ecdsa.PublicKey:
		return alg == string(jose.ES256)
	case *rsa.PublicKey:
		return alg == string(jose.RS256) || alg == string(jose.PS256)
	}
	return false
}
