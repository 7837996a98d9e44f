package vault

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// maxKeyFile bounds how much of a key file is read.
const maxKeyFile = 4 << 10

// LoadOrCreateFile returns the Vault whose data key is in the file at path
// (standard base64). When the file does not exist it creates one with a new
// random key: mode 0600, parent directories 0700, written to a temporary
// file, synced, then linked into place so that two processes starting at
// once end with the same key. It refuses a key file that group or others can
// read.
func LoadOrCreateFile(path string) (*Vault, error) {
	v, err := loadFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return v, err
	}
	if err := createFile(path); err != nil {
		return nil, err
	}
	return loadFile(path)
}

func loadFile(path string) (*Vault, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vault: key file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("vault: key file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("vault: key file %s is not a regular file", path)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("vault: key file %s is accessible by group or others (mode %04o): run chmod 600 %s",
			path, st.Mode().Perm(), path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("vault: key file %s: %w", path, err)
	}
	if len(data) > maxKeyFile {
		return nil, fmt.Errorf("vault: key file %s is too large", path)
	}
	v, err := FromBase64(string(data))
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return v, nil
}

func createFile(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("vault: create key directory: %w", err)
	}
	var key [KeySize]byte
	if _, err := rand.Read(key[:]); err != nil {
		return fmt.Errorf("vault: random: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".rempart-key-*")
	if err != nil {
		return fmt.Errorf("vault: create key file: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the link, only the temporary name goes
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("vault: create key file: %w", err)
	}
	if _, err := tmp.WriteString(base64.StdEncoding.EncodeToString(key[:]) + "\n"); err != nil {
		tmp.Close()
		return fmt.Errorf("vault: write key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("vault: sync key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("vault: close key file: %w", err)
	}
	// Link, unlike rename, never replaces a key another process just wrote.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
		// No hard links on this file system: fall back to rename.
		if err := os.Rename(tmp.Name(), path); err != nil {
			return fmt.Errorf("vault: install key file: %w", err)
		}
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the new name durable; best effort on odd file systems
		d.Close()
	}
	return nil
}
