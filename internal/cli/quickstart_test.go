package cli

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// freeBase finds N such that loopback ports N..N+3 are free.
func freeBase(t *testing.T) int {
	t.Helper()
	for try := 0; try < 50; try++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if base > 65000 {
			continue
		}
		ok := true
		for i := 0; i < 4 && ok; i++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+i))
			if err != nil {
				ok = false
				continue
			}
			l.Close()
		}
		if ok {
			return base
		}
	}
	t.Fatal("no four consecutive free ports")
	return 0
}

// TestQuickstartCommandsWorkAsPasted runs `rempart quickstart`, takes the
// curl commands it prints and runs them in a shell exactly as printed.
func TestQuickstartCommandsWorkAsPasted(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed: skipping the pasted-commands test")
	}
	dir := t.TempDir()
	base := freeBase(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errb := &lockedBuffer{}, &lockedBuffer{}
	e := &env{ctx: ctx, stdin: strings.NewReader(""), stdout: out, stderr: errb, getenv: func(string) string { return "" }}
	done := make(chan int, 1)
	go func() {
		done <- run(e, []string{"quickstart", "--data-dir", dir + "/rempart-data", "--port-base", fmt.Sprint(base)})
	}()

	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "Config used:") {
		select {
		case code := <-done:
			t.Fatalf("quickstart exited %d early: %s", code, errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("quickstart printed no commands; stderr: %s", errb.String())
		}
		time.Sleep(50 * time.Millisecond) // polling for output, not for logic
	}
	printed := out.String()
	var script []string
	for _, line := range strings.Split(printed, "\n") {
		if strings.HasPrefix(line, "curl ") || strings.HasPrefix(line, "TOKEN=") {
			script = append(script, line)
		}
	}
	if len(script) != 5 {
		t.Fatalf("want 5 commands, got %d:\n%s", len(script), printed)
	}
	if strings.Contains(printed, " -k ") || strings.Contains(printed, "--insecure") {
		t.Error("printed commands disable TLS verification")
	}
	results := make([]string, len(script))
	shellEnv := ""
	for i, cmd := range script {
		c := exec.Command("bash", "-c", shellEnv+cmd+"\necho; echo \"TOKEN_LEN=${#TOKEN}\"")
		c.Dir = t.TempDir() // the commands must not depend on the directory
		var stderr bytes.Buffer
		c.Stderr = &stderr // curl's progress meter
		b, err := c.Output()
		if err != nil {
			t.Fatalf("command %d failed: %v\n%s\n%s%s", i+1, err, cmd, b, stderr.Bytes())
		}
		results[i] = string(b)
		if strings.HasPrefix(cmd, "TOKEN=") {
			shellEnv = cmd + "\n" // later commands run in the same "terminal"
		}
	}
	for i, want := range []string{
		"hello from the demo upstream",
		"HTTP/",
		"TOKEN_LEN=",
		`"verified": true`,
		"HTTP/",
	} {
		if !strings.Contains(results[i], want) {
			t.Errorf("command %d output lacks %q:\n%s", i+1, want, results[i])
		}
	}
	for i, code := range map[int]string{1: " 401", 4: " 403"} {
		first, _, _ := strings.Cut(results[i], "\n")
		if !strings.HasPrefix(first, "HTTP/") || !strings.Contains(first, code) {
			t.Errorf("command %d status line %q, want%s", i+1, first, code)
		}
	}
	if strings.Contains(results[2], "TOKEN_LEN=0") {
		t.Errorf("no token was obtained: %s", results[2])
	}
	if !strings.Contains(results[4], "insufficient_scope") {
		t.Errorf("403 without insufficient_scope: %s", results[4])
	}
	if strings.Contains(results[3], `"received_authorization_header": true`) {
		t.Error("the upstream received the caller's Authorization header")
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("quickstart exit %d after Ctrl-C: %s", code, errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("quickstart did not stop after cancellation")
	}
}
