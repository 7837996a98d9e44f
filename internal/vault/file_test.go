package vault

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestLoadOrCreateFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "keys")
	path := filepath.Join(dir, "encryption.key")

	v1, err := LoadOrCreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", st.Mode().Perm())
	}
	dst, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if dst.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %04o, want 0700", dst.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("dir has %d entries, want only the key file", len(entries))
	}

	v2, err := LoadOrCreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if v1.DataKeyID() != v2.DataKeyID() {
		t.Fatal("reload gave another key")
	}
	sealed, err := v1.Seal([]byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v2.Open(sealed, nil); err != nil {
		t.Errorf("reloaded vault cannot open: %v", err)
	}
}

func TestLoadOrCreateFileRefusesReadableKey(t *testing.T) {
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660} {
		path := filepath.Join(t.TempDir(), "encryption.key")
		if _, err := LoadOrCreateFile(path); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := LoadOrCreateFile(path)
		if err == nil {
			t.Fatalf("mode %04o accepted", mode)
		}
		if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("error %q does not name the file and the fix", err)
		}
	}
}

func TestLoadOrCreateFileBadContent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "encryption.key")
	secretish := "c2hvcnQta2V5LXZhbHVl"
	if err := os.WriteFile(path, []byte(secretish), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadOrCreateFile(path)
	if err == nil {
		t.Fatal("short key accepted")
	}
	if strings.Contains(err.Error(), secretish) {
		t.Errorf("error echoes the file content: %v", err)
	}
	before, _ := os.ReadFile(path)
	if !bytes.Equal(before, []byte(secretish)) {
		t.Error("bad key file was overwritten")
	}
}

func TestLoadOrCreateFileConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "encryption.key")
	const n = 8
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			v, err := LoadOrCreateFile(path)
			errs[i] = err
			if err == nil {
				ids[i] = v.DataKeyID()
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("concurrent creators ended with different keys: %v", ids)
		}
	}
}
