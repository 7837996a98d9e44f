package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxRefFile bounds what a ${file:…} reference may read: secrets and DSNs
// are small, and a reference to a device must not exhaust memory.
const maxRefFile = 1 << 20

// resolver turns whole-value references into values (R5: secrets live in
// the environment or in files, not in the config file).
type resolver struct {
	baseDir   string
	lookupEnv func(string) (string, bool)
	readFile  func(string) ([]byte, error)
}

// isRef reports whether s uses the reference syntax at all.
func isRef(s string) bool { return strings.Contains(s, "${") }

// resolve returns the value s stands for. When s is not a reference it is
// returned unchanged with ok true. Error messages name the reference (the
// variable or the file) but never the value it resolves to.
func (r resolver) resolve(s string) (val string, err error) {
	if !isRef(s) {
		return s, nil
	}
	kind, arg, ok := parseRef(s)
	if !ok {
		return "", errors.New("invalid reference: a value using ${ must be exactly ${env:NAME} or ${file:PATH}")
	}
	switch kind {
	case "env":
		v, set := r.lookupEnv(arg)
		if !set {
			return "", fmt.Errorf("environment variable %s is not set", arg)
		}
		if v == "" {
			return "", fmt.Errorf("environment variable %s is empty", arg)
		}
		return v, nil
	default: // "file"
		name := arg
		if !filepath.IsAbs(name) && r.baseDir != "" {
			name = filepath.Join(r.baseDir, name)
		}
		b, err := r.readFile(name)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("file %q does not exist", name)
			}
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return "", fmt.Errorf("cannot read file %q: %v", name, err)
		}
		v := string(b)
		if strings.HasSuffix(v, "\r\n") {
			v = v[:len(v)-2]
		} else if strings.HasSuffix(v, "\n") {
			v = v[:len(v)-1]
		}
		if v == "" {
			return "", fmt.Errorf("file %q is empty", name)
		}
		return v, nil
	}
}

// parseRef splits a whole-value reference "${env:NAME}" or "${file:PATH}".
func parseRef(s string) (kind, arg string, ok bool) {
	if !strings.HasPrefix(s, "${") || !strings.HasSuffix(s, "}") {
		return "", "", false
	}
	inner := s[2 : len(s)-1]
	if strings.Contains(inner, "${") {
		return "", "", false
	}
	kind, arg, found := strings.Cut(inner, ":")
	if !found || arg == "" {
		return "", "", false
	}
	switch kind {
	case "env":
		if !isEnvName(arg) {
			return "", "", false
		}
	case "file":
		if strings.ContainsAny(arg, "\x00\n\r") {
			return "", "", false
		}
	default:
		return "", "", false
	}
	return kind, arg, true
}

// isEnvName reports whether s is a portable environment variable name.
func isEnvName(s string) bool {
	for i, c := range s {
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return s != ""
}

// readFileLimited is the default file reader of references: os.ReadFile
// bounded to maxRefFile bytes.
func readFileLimited(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxRefFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxRefFile {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errors.New("file too large")}
	}
	return b, nil
}
