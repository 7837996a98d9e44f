package config

import (
	"encoding/base64"
	"errors"
	"io/fs"
	"strings"
	"testing"
)

// testKey is a valid encryption key (32 bytes, standard base64).
var testKey = base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

// fakeEnv returns a lookupEnv over m.
func fakeEnv(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// fakeFiles returns a readFile over m (keys are full paths).
func fakeFiles(m map[string]string) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		if v, ok := m[name]; ok {
			return []byte(v), nil
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
}

// parseString parses src with no environment and no files.
func parseString(src string) (*Config, error) {
	return parse([]byte(src), "/etc/rempart", fakeEnv(nil), fakeFiles(nil))
}

// problems flattens an error built by errors.Join of *Problem values.
func problems(t *testing.T, err error) []*Problem {
	t.Helper()
	if err == nil {
		return nil
	}
	var out []*Problem
	var joined interface{ Unwrap() []error }
	list := []error{err}
	if errors.As(err, &joined) {
		list = joined.Unwrap()
	}
	for _, e := range list {
		var p *Problem
		if !errors.As(e, &p) {
			t.Fatalf("error %q is not a *Problem", e)
		}
		out = append(out, p)
	}
	return out
}

// hasProblem reports whether ps holds a problem at path whose message
// contains msg.
func hasProblem(ps []Problem, path, msg string) bool {
	for _, p := range ps {
		if p.Path == path && strings.Contains(p.Message, msg) {
			return true
		}
	}
	return false
}

func derefAll(ps []*Problem) []Problem {
	out := make([]Problem, len(ps))
	for i, p := range ps {
		out[i] = *p
	}
	return out
}

// validConfig is a small valid configuration built in Go, defaults applied.
func validConfig() *Config {
	c := &Config{
		EncryptionKey:       testKey,
		AuthorizationServer: &AuthorizationServer{},
		Gateway: &Gateway{APIs: []API{{
			Name:       "orders",
			PathPrefix: "/orders",
			Upstream:   "http://127.0.0.1:9000",
			Scopes:     []string{"orders:read"},
			Routes: []Route{
				{Methods: []string{"POST"}, Path: "/orders", Scopes: []string{"orders:write"}},
				{Methods: []string{"GET"}, Path: "/orders/{id}"},
			},
		}}},
		Admin: &Admin{},
	}
	ApplyDefaults(c)
	return c
}
