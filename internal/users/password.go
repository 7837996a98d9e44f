package users

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters (RFC 9106 §3.1).
type Params struct {
	Time    uint32 // passes over memory (t)
	Memory  uint32 // memory in KiB (m)
	Threads uint8  // lanes (p)
	SaltLen uint32 // salt length in bytes
	KeyLen  uint32 // tag length in bytes
}

// DefaultParams returns RFC 9106 §4's second recommended option: t=3,
// m=64 MiB, p=4, a 128-bit salt and a 256-bit tag.
func DefaultParams() Params {
	return Params{Time: 3, Memory: 64 * 1024, Threads: 4, SaltLen: 16, KeyLen: 32}
}

// Bounds on parameters, both those configured and those read back from a
// stored hash: a tampered or corrupt row must not make a login allocate
// gigabytes or loop for minutes.
const (
	maxTime    = 64
	maxMemory  = 1 << 20 // KiB: 1 GiB
	maxThreads = 64
	minSalt    = 8 // RFC 9106 §3.1: salt of 8 to 2^32-1 bytes; 16 recommended
	maxSalt    = 64
	minKey     = 16
	maxKey     = 64
)

// phcPrefix starts every hash this package writes: argon2id, version 0x13.
const phcPrefix = "$argon2id$v=19$"

var errBadPHC = errors.New("users: malformed or unsupported password hash")

// validate reports whether p is within the bounds above. RFC 9106 §3.1
// requires m ≥ 8·p.
func (p Params) validate() error {
	switch {
	case p.Time < 1 || p.Time > maxTime,
		p.Threads < 1 || p.Threads > maxThreads,
		p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory,
		p.SaltLen < minSalt || p.SaltLen > maxSalt,
		p.KeyLen < minKey || p.KeyLen > maxKey:
		return fmt.Errorf("users: argon2id parameters out of bounds (t 1..%d, p 1..%d, m 8p..%d KiB, salt %d..%d, key %d..%d bytes)",
			maxTime, maxThreads, maxMemory, minSalt, maxSalt, minKey, maxKey)
	}
	return nil
}

// hashFunc computes an argon2id tag; tests swap it to count calls.
type hashFunc func(password, salt []byte, p Params) []byte

// argon2id is the real hashFunc.
func argon2id(password, salt []byte, p Params) []byte {
	return argon2.IDKey(password, salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}

// phc is a parsed PHC string.
type phc struct {
	params Params
	salt   []byte
	hash   []byte
}

// hashPassword returns the PHC string of password under p with a fresh salt
// from rand.
func hashPassword(h hashFunc, rand io.Reader, password string, p Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := io.ReadFull(rand, salt); err != nil {
		return "", fmt.Errorf("users: salt: %w", err)
	}
	return phc{params: p, salt: salt, hash: h([]byte(password), salt, p)}.String(), nil
}

// verifyPassword reports whether password matches the PHC string encoded,
// recomputing the tag with the parameters and salt read from encoded and
// comparing in constant time. A malformed or out-of-bounds hash is an error.
func verifyPassword(h hashFunc, encoded, password string) (bool, error) {
	ph, err := parsePHC(encoded)
	if err != nil {
		return false, err
	}
	got := h([]byte(password), ph.salt, ph.params)
	return subtle.ConstantTimeCompare(got, ph.hash) == 1, nil
}

// String encodes x as "$argon2id$v=19$m=M,t=T,p=P$salt$hash" (PHC string
// format; standard base64 without padding).
func (x phc) String() string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("%sm=%d,t=%d,p=%d$%s$%s", phcPrefix,
		x.params.Memory, x.params.Time, x.params.Threads, b64.EncodeToString(x.salt), b64.EncodeToString(x.hash))
}

// parsePHC parses the canonical form String writes, and only it: the
// parameters in the order m, t, p, decimal without sign or leading zeros,
// strict base64, and every value within bounds.
func parsePHC(s string) (phc, error) {
	rest, ok := strings.CutPrefix(s, phcPrefix)
	if !ok {
		return phc{}, errBadPHC
	}
	fields := strings.Split(rest, "$")
	if len(fields) != 3 {
		return phc{}, errBadPHC
	}
	kv := strings.Split(fields[0], ",")
	if len(kv) != 3 {
		return phc{}, errBadPHC
	}
	var vals [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		num, ok := strings.CutPrefix(kv[i], name)
		if !ok {
			return phc{}, errBadPHC
		}
		v, err := parseDecimal(num)
		if err != nil {
			return phc{}, err
		}
		vals[i] = v
	}
	if vals[0] > maxMemory || vals[1] > maxTime || vals[2] > maxThreads {
		return phc{}, errBadPHC
	}
	salt, err := decodeB64(fields[1])
	if err != nil {
		return phc{}, err
	}
	hash, err := decodeB64(fields[2])
	if err != nil {
		return phc{}, err
	}
	x := phc{
		params: Params{Memory: uint32(vals[0]), Time: uint32(vals[1]), Threads: uint8(vals[2]),
			SaltLen: uint32(len(salt)), KeyLen: uint32(len(hash))},
		salt: salt,
		hash: hash,
	}
	if err := x.params.validate(); err != nil {
		return phc{}, errBadPHC
	}
	return x, nil
}

// decodeB64 decodes canonical standard base64 without padding. The
// decoder alone would skip CR and LF.
func decodeB64(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, errBadPHC
	}
	b, err := base64.RawStdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, errBadPHC
	}
	return b, nil
}

// parseDecimal parses a canonical unsigned decimal: digits only, no leading
// zero, at most 10 digits.
func parseDecimal(s string) (uint64, error) {
	if s == "" || len(s) > 10 || (s[0] == '0' && len(s) > 1) {
		return 0, errBadPHC
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errBadPHC
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, errBadPHC
	}
	return v, nil
}
