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
	cfgFile := dir + "/qs.yaml"
	go func() {
		done <- run(e, []string{"quickstart", "--data-dir", dir + "/rempart-data", "--port-base", fmt.Sprint(base), "--config", cfgFile})
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
	if len(script) != 6 {
		t.Fatalf("want 6 commands, got %d:\n%s", len(script), printed)
	}
	if strings.Contains(printed, " -k ") || strings.Contains(printed, "--insecure") {
		t.Error("printed commands disable TLS verification")
	}
	results := make([]string, len(script))
	shellEnv := ""
	for i, cmd := range script {
		c := exec.Command("bash", "-c", shellEnv+cmd+"\necho; echo \"TOKEN_LEN=${#TOKEN}\"; echo \"TOKEN_VALUE=$TOKEN\"")
		c.Dir = t.TempDir() // the commands must not depend on the directory
		var stderr bytes.Buffer
		c.Stderr = &stderr // curl's progress meter
		b, err := c.Output()
		if err != nil {
			t.Fatalf("command %d failed: %v\n%s\n%s%s", i+1, err, cmd, b, stderr.Bytes())
		}
		results[i] = string(b)
		if strings.HasPrefix(cmd, "TOKEN=") {
			// Later commands run in the same "terminal": the variable keeps
			// the token obtained once.
			_, value, _ := strings.Cut(string(b), "TOKEN_VALUE=")
			shellEnv = "TOKEN='" + strings.TrimSpace(value) + "'\n"
		}
	}
	for i, want := range []string{
		"hello from the demo upstream",
		"HTTP/",
		"TOKEN_LEN=",
		`"verified": true`,
		"HTTP/",
		"TOKEN_LEN=", // revocation answers 200 with an empty body
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
	// D1: after command 6 revoked it, the gateway refuses the token within 1 s.
	start := time.Now()
	for {
		c := exec.Command("bash", "-c", shellEnv+strings.Replace(script[3], "curl ", "curl -s -o /dev/null -w '%{http_code}' ", 1))
		out, err := c.Output()
		if err != nil {
			t.Fatalf("replaying command 4: %v", err)
		}
		if string(out) == "401" {
			break
		}
		if time.Since(start) > 3*time.Second {
			t.Fatalf("the revoked token still gets %s after %v", out, time.Since(start))
		}
		time.Sleep(100 * time.Millisecond) // polling the gateway, not timing logic
	}
	if !strings.Contains(printed, "Config used: "+cfgFile) {
		t.Errorf("--config did not set the written config file:\n%s", printed)
	}
	if !strings.Contains(printed, "user           demo  password ") {
		t.Errorf("the demo user is not printed:\n%s", printed)
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
