package users

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"
)

// phcShape is the PHC string format of an argon2id hash (R4).
var phcShape = regexp.MustCompile(`^\$argon2id\$v=19\$m=[1-9][0-9]*,t=[1-9][0-9]*,p=[1-9][0-9]*\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$`)

func TestHashPassword(t *testing.T) {
	const pw = "correct horse battery staple"
	h1, err := hashPassword(argon2id, rand.Reader, pw, testParams)
	if err != nil {
		t.Fatalf("hashPassword() = %v", err)
	}
	if !phcShape.MatchString(h1) {
		t.Fatalf("hash %q is not an argon2id PHC string", h1)
	}
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash %q does not carry the parameters m=64,t=1,p=1", h1)
	}
	if strings.Contains(h1, pw) {
		t.Error("the hash contains the password")
	}
	ph, err := parsePHC(h1)
	if err != nil {
		t.Fatalf("parsePHC(own hash) = %v", err)
	}
	if ph.params != testParams || len(ph.salt) != 16 || len(ph.hash) != 32 {
		t.Errorf("parsed %+v salt %d hash %d bytes; want %+v, 16, 32", ph.params, len(ph.salt), len(ph.hash), testParams)
	}

	h2, err := hashPassword(argon2id, rand.Reader, pw, testParams)
	if err != nil {
		t.Fatal(err)
	}
	if h1 == h2 {
		t.Error("two hashes of the same password are equal: the salt is not random")
	}

	for _, tc := range []struct {
		name, hash, password string
		want                 bool
	}{
		{"ok/first", h1, pw, true},
		{"ok/second", h2, pw, true},
		{"fail/wrong", h1, "correct horse battery stapler", false},
		{"fail/prefix", h1, pw[:len(pw)-1], false},
		{"fail/case", h1, strings.ToUpper(pw), false},
		{"fail/empty", h1, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := verifyPassword(argon2id, tc.hash, tc.password)
			if err != nil || got != tc.want {
				t.Errorf("verifyPassword() = %v, %v; want %v, nil", got, err, tc.want)
			}
		})
	}

	t.Run("fail/rand-error", func(t *testing.T) {
		if _, err := hashPassword(argon2id, iotest.ErrReader(errors.New("no entropy")), pw, testParams); err == nil {
			t.Error("hashPassword() with a failing rand = nil error")
		}
	})
}

// TestVerifyUsesStoredParams: the parameters come from the stored string,
// not from the configuration, so they can be raised later.
func TestVerifyUsesStoredParams(t *testing.T) {
	old := Params{Time: 2, Memory: 32, Threads: 2, SaltLen: 12, KeyLen: 24}
	h, err := hashPassword(argon2id, rand.Reader, "password-one", old)
	if err != nil {
		t.Fatal(err)
	}
	hc := &hashCounter{}
	ok, err := verifyPassword(hc.hash, h, "password-one")
	if err != nil || !ok {
		t.Fatalf("verifyPassword() = %v, %v; want true", ok, err)
	}
	if _, ps := hc.reset(); len(ps) != 1 || ps[0] != old {
		t.Errorf("verification used %+v, want the stored %+v", ps, old)
	}
}

func TestVerifyTampered(t *testing.T) {
	h, err := hashPassword(argon2id, rand.Reader, "password-one", testParams)
	if err != nil {
		t.Fatal(err)
	}
	ph, _ := parsePHC(h)
	flip := func(b []byte) []byte {
		c := bytes.Clone(b)
		c[0] ^= 1
		return c
	}
	b64 := base64.RawStdEncoding.EncodeToString
	for name, s := range map[string]string{
		"hash-bit":  phc{params: ph.params, salt: ph.salt, hash: flip(ph.hash)}.String(),
		"salt-bit":  phc{params: ph.params, salt: flip(ph.salt), hash: ph.hash}.String(),
		"time":      strings.Replace(h, ",t=1,", ",t=2,", 1),
		"memory":    strings.Replace(h, "m=64,", "m=72,", 1),
		"truncated": "$argon2id$v=19$m=64,t=1,p=1$" + b64(ph.salt) + "$" + b64(ph.hash[:16]),
	} {
		t.Run("fail/"+name, func(t *testing.T) {
			ok, err := verifyPassword(argon2id, s, "password-one")
			if ok {
				t.Errorf("verifyPassword(%s) = true, %v; want false", s, err)
			}
		})
	}
}

func TestParsePHC(t *testing.T) {
	salt := base64.RawStdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 16))
	hash := base64.RawStdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	tail := "$" + salt + "$" + hash
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"ok/default", "$argon2id$v=19$m=65536,t=3,p=4" + tail, true},
		{"ok/min", "$argon2id$v=19$m=8,t=1,p=1" + tail, true},
		{"ok/max-memory", "$argon2id$v=19$m=1048576,t=1,p=1" + tail, true},
		{"fail/empty", "", false},
		{"fail/argon2i", "$argon2i$v=19$m=65536,t=3,p=4" + tail, false},
		{"fail/argon2d", "$argon2d$v=19$m=65536,t=3,p=4" + tail, false},
		{"fail/version-16", "$argon2id$v=16$m=65536,t=3,p=4" + tail, false},
		{"fail/no-version", "$argon2id$m=65536,t=3,p=4" + tail, false},
		{"fail/bcrypt", "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", false},
		{"fail/order", "$argon2id$v=19$t=3,m=65536,p=4" + tail, false},
		{"fail/missing-p", "$argon2id$v=19$m=65536,t=3" + tail, false},
		{"fail/extra-param", "$argon2id$v=19$m=65536,t=3,p=4,data=x" + tail, false},
		{"fail/leading-zero", "$argon2id$v=19$m=065536,t=3,p=4" + tail, false},
		{"fail/sign", "$argon2id$v=19$m=+65536,t=3,p=4" + tail, false},
		{"fail/space", "$argon2id$v=19$m=65536, t=3,p=4" + tail, false},
		{"fail/memory-over-1GiB", "$argon2id$v=19$m=1048577,t=1,p=1" + tail, false},
		{"fail/memory-huge", "$argon2id$v=19$m=99999999999,t=1,p=1" + tail, false},
		{"fail/memory-below-8p", "$argon2id$v=19$m=31,t=1,p=4" + tail, false},
		{"fail/time-0", "$argon2id$v=19$m=65536,t=0,p=4" + tail, false},
		{"fail/time-huge", "$argon2id$v=19$m=65536,t=4294967297,p=4" + tail, false},
		{"fail/threads-0", "$argon2id$v=19$m=65536,t=3,p=0" + tail, false},
		{"fail/threads-256", "$argon2id$v=19$m=65536,t=3,p=256" + tail, false},
		{"fail/salt-short", "$argon2id$v=19$m=65536,t=3,p=4$" + salt[:8] + "$" + hash, false},
		{"fail/hash-short", "$argon2id$v=19$m=65536,t=3,p=4$" + salt + "$" + hash[:16], false},
		{"fail/padding", "$argon2id$v=19$m=65536,t=3,p=4$" + salt + "==$" + hash, false},
		{"fail/url-alphabet", "$argon2id$v=19$m=65536,t=3,p=4$" + salt + "$" + strings.ReplaceAll(hash, "J", "-"), false},
		{"fail/no-hash", "$argon2id$v=19$m=65536,t=3,p=4$" + salt, false},
		{"fail/trailing-dollar", "$argon2id$v=19$m=65536,t=3,p=4" + tail + "$", false},
		{"fail/trailing-newline", "$argon2id$v=19$m=65536,t=3,p=4" + tail + "\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parsePHC(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("parsePHC(%q) = %v, want ok=%v", tc.in, err, tc.ok)
			}
			if tc.ok && got.String() != tc.in {
				t.Errorf("String() = %q, want the input back", got.String())
			}
		})
	}
}

func TestParamsValidate(t *testing.T) {
	if err := DefaultParams().validate(); err != nil {
		t.Errorf("DefaultParams().validate() = %v", err)
	}
	if p := DefaultParams(); p.Time != 3 || p.Memory != 64*1024 || p.Threads != 4 || p.SaltLen != 16 || p.KeyLen != 32 {
		t.Errorf("DefaultParams() = %+v, want RFC 9106 §4 option 2 (t=3, m=64 MiB, p=4, 16-byte salt, 32-byte tag)", p)
	}
	for name, p := range map[string]Params{
		"time-0":      {Time: 0, Memory: 64, Threads: 1, SaltLen: 16, KeyLen: 32},
		"memory-low":  {Time: 1, Memory: 7, Threads: 1, SaltLen: 16, KeyLen: 32},
		"memory-high": {Time: 1, Memory: maxMemory + 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		"threads-0":   {Time: 1, Memory: 64, Threads: 0, SaltLen: 16, KeyLen: 32},
		"salt-short":  {Time: 1, Memory: 64, Threads: 1, SaltLen: 4, KeyLen: 32},
		"key-short":   {Time: 1, Memory: 64, Threads: 1, SaltLen: 16, KeyLen: 8},
	} {
		if err := p.validate(); err == nil {
			t.Errorf("validate(%s) = nil, want an error", name)
		}
		if _, err := New(Deps{Store: newFakeStore(), Sealer: newTestVault(t), Params: p}); err == nil {
			t.Errorf("New(%s) = nil error", name)
		}
	}
}
