package hygiene

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// probe is a test server whose handler does what the gateway must do:
// CheckFraming, then read the whole body, then "forward" (record the path).
type probe struct {
	srv *httptest.Server
	mu  sync.Mutex
	fwd []string // paths that reached the forwarding step
	ref []string // "check:/path" or "body:/path"
}

func newProbe(t *testing.T, withListener bool) *probe {
	t.Helper()
	p := &probe{}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := CheckFraming(r); err != nil {
			p.refused("check:" + r.URL.Path)
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if _, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4<<20)); err != nil {
			p.refused("body:" + r.URL.Path)
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		p.mu.Lock()
		p.fwd = append(p.fwd, r.URL.Path)
		p.mu.Unlock()
		io.WriteString(w, "ok")
	}))
	if withListener {
		p.srv.Listener = NewListener(p.srv.Listener)
	}
	p.srv.Start()
	t.Cleanup(p.srv.Close)
	return p
}

func (p *probe) refused(s string) {
	p.mu.Lock()
	p.ref = append(p.ref, s)
	p.mu.Unlock()
}

func (p *probe) forwarded() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.fwd)
}

// exchange writes raw on a fresh connection and reads every response until
// the server closes or goes quiet; it returns their status codes.
func exchange(t *testing.T, addr, raw string) []int {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	br := bufio.NewReader(c)
	var codes []int
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return codes
		}
		io.Copy(io.Discard, resp.Body)
		codes = append(codes, resp.StatusCode)
		if resp.Close {
			return codes
		}
	}
}

const (
	host   = "Host: x\r\n"
	second = "GET /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" // pipelined after every row; ends the exchange
)

// Go alone: how the server without NewListener treats each row.
const (
	goRefuses   = "go"   // Go answers 400/501 itself, the handler never runs
	bodyFails   = "body" // the handler runs, reading r.Body fails
	goAccepts   = "gap"  // Go accepts and hides the evidence (the listener is needed)
	goAcceptsOK = "ok"   // Go accepts and the request is fine
)

func TestSmugglingRefused(t *testing.T) {
	smuggled := "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
	rows := []struct {
		name    string
		raw     string
		goAlone string // the measured behaviour of Go 1.26 alone (framing.go table)
	}{
		{"cl+te", "POST /a HTTP/1.1\r\n" + host + "Content-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, goAccepts},
		{"te+cl", "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", goAccepts},
		{"http10-te+cl", "POST /a HTTP/1.0\r\n" + host + "Connection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc", goAccepts},
		{"http10-te", "POST /a HTTP/1.0\r\n" + host + "Connection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n" + smuggled, goAccepts},
		{"lone-lf", "POST /a HTTP/1.1\n" + "Host: x\nContent-Length: 3\n\nabc", goAccepts},
		{"lone-lf-one-field", "POST /a HTTP/1.1\r\n" + host + "X-A: b\nContent-Length: 3\r\n\r\nabc", goAccepts},
		{"obs-fold", "POST /a HTTP/1.1\r\n" + host + "X-Foo: a\r\n Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n", goAccepts},
		{"te-underscore", "POST /a HTTP/1.1\r\n" + host + "Transfer_Encoding: chunked\r\nContent-Length: 0\r\n\r\n", goAccepts},
		{"cl-underscore", "POST /a HTTP/1.1\r\n" + host + "Content_Length: 5\r\n\r\n", goAccepts},
		{"cl-dup-same", "POST /a HTTP/1.1\r\n" + host + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc", goAccepts},
		{"te-chunked-identity", "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", goRefuses},
		{"te-identity-chunked", "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n", goRefuses},
		{"te-xchunked", "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", goRefuses},
		{"te-identity", "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: identity\r\nContent-Length: 0\r\n\r\n", goRefuses},
		{"te-empty", "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: \r\nContent-Length: 0\r\n\r\n", goRefuses},
		{"te-trailing-comma", "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked,\r\n\r\n0\r\n\r\n", goRefuses},
		{"te-dup", "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", goRefuses},
		{"te-vtab", "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\x0b\r\n\r\n0\r\n\r\n", goRefuses},
		{"te-space-before-colon", "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", goRefuses},
		{"obs-fold-first-line", "POST /a HTTP/1.1\r\n Transfer-Encoding: chunked\r\n" + host + "\r\n0\r\n\r\n", goRefuses},
		{"cr-in-value", "POST /a HTTP/1.1\r\n" + host + "X-Foo: a\rTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc", goRefuses},
		{"nul-in-name", "POST /a HTTP/1.1\r\n" + host + "X\x00: 1\r\n\r\n", goRefuses},
		{"cl-dup-differ", "POST /a HTTP/1.1\r\n" + host + "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", goRefuses},
		{"cl-list", "POST /a HTTP/1.1\r\n" + host + "Content-Length: 3, 3\r\n\r\nabc", goRefuses},
		{"cl-plus", "POST /a HTTP/1.1\r\n" + host + "Content-Length: +3\r\n\r\nabc", goRefuses},
		{"cl-minus", "POST /a HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n", goRefuses},
		{"cl-hex", "POST /a HTTP/1.1\r\n" + host + "Content-Length: 0x3\r\n\r\nabc", goRefuses},
		{"cl-empty", "POST /a HTTP/1.1\r\n" + host + "Content-Length: \r\n\r\n", goRefuses},
		{"cl-invalid+te", "POST /a HTTP/1.1\r\n" + host + "Content-Length: abc\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", goRefuses},
		{"leading-crlf", "\r\nPOST /a HTTP/1.1\r\n" + host + "Content-Length: 0\r\n\r\n", goRefuses},
		{"http-1.2", "POST /a HTTP/1.2\r\n" + host + "Content-Length: 0\r\n\r\n", goAccepts},
		{"h2c-preface", "PRI * HTTP/2.0\r\n\r\n" + smuggled, goAccepts},
		{"chunk-size-zz", "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", bodyFails},
		{"chunk-size-overflow", "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n10000000000000003\r\nabc\r\n0\r\n\r\n", bodyFails},
		{"chunk-size-bare-lf", "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n", bodyFails},
		{"chunk-data-no-crlf", "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3\r\nabcXX0\r\n\r\n", bodyFails},
		{"chunk-size-trailing-space", "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n" + smuggled, goAccepts},
		{"chunk-size-space-before-ext", "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3 ;x\r\nabc\r\n0\r\n\r\n", bodyFails},
		{"chunk-ext-flood", "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n" + strings.Repeat("1;"+strings.Repeat("a", 3000)+"\r\nX\r\n", 8) + "0\r\n\r\n", bodyFails},
		{"chunk-ext-ctl", "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3;a\x01b\r\nabc\r\n0\r\n\r\n" + smuggled, goAccepts},
		{"trailer-content-length", "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nContent-Length: 9\r\n\r\n" + smuggled, goAccepts},
		{"trailer-obs-fold", "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n folded\r\n\r\n" + smuggled, goAccepts},
	}
	for _, tc := range rows {
		t.Run("go-alone/"+tc.name, func(t *testing.T) {
			p := newProbe(t, false)
			codes := exchange(t, p.srv.Listener.Addr().String(), tc.raw+second)
			fwd := p.forwarded()
			switch tc.goAlone {
			case goRefuses:
				if len(codes) != 1 || codes[0] != 400 && codes[0] != 501 || len(fwd) != 0 || len(p.ref) != 0 {
					t.Errorf("codes %v, forwarded %v, handler refusals %v; want Go alone to answer 400/501 and close", codes, fwd, p.ref)
				}
			case bodyFails:
				if len(codes) != 1 || codes[0] != 400 || len(fwd) != 0 || len(p.ref) != 1 || !strings.HasPrefix(p.ref[0], "body:") {
					t.Errorf("codes %v, forwarded %v, handler refusals %v; want the body read to fail and the connection to close", codes, fwd, p.ref)
				}
			case goAccepts:
				if len(p.ref) != 0 || len(fwd) == 0 {
					t.Errorf("codes %v, forwarded %v, refusals %v; the table says Go alone accepts this (update framing.go if Go changed)", codes, fwd, p.ref)
				}
			}
		})
		t.Run("with-listener/"+tc.name, func(t *testing.T) {
			p := newProbe(t, true)
			codes := exchange(t, p.srv.Listener.Addr().String(), tc.raw+second)
			if len(codes) != 1 || codes[0] != http.StatusBadRequest {
				t.Errorf("codes %v, want exactly one 400 and the connection closed", codes)
			}
			if fwd := p.forwarded(); len(fwd) != 0 {
				t.Errorf("forwarded %v, want nothing (neither /a, /smuggled nor the pipelined /second)", fwd)
			}
		})
	}
}

func TestListenerPassesValid(t *testing.T) {
	big := strings.Repeat("x", 300_000)
	rows := []struct {
		name string
		raw  string
		want []string // forwarded paths, in order
	}{
		{"ok/get", "GET /a HTTP/1.1\r\n" + host + "\r\n", []string{"/a"}},
		{"ok/content-length", "POST /a HTTP/1.1\r\n" + host + "Content-Length: 3\r\n\r\nabc", []string{"/a"}},
		{"ok/content-length-leading-zeros", "POST /a HTTP/1.1\r\n" + host + "Content-Length: 003\r\n\r\nabc", []string{"/a"}},
		{"ok/content-length-ows", "POST /a HTTP/1.1\r\n" + host + "content-length:\t3 \r\n\r\nabc", []string{"/a"}},
		{"ok/chunked", "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\n", []string{"/a"}},
		{"ok/chunked-case-ows", "POST /a HTTP/1.1\r\n" + host + "transfer-encoding:  Chunked \r\n\r\n3\r\nabc\r\n0\r\n\r\n", []string{"/a"}},
		{"ok/chunk-extensions", "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n3;name=\"v\"\r\nabc\r\n0;last\r\n\r\n", []string{"/a"}},
		{"ok/trailers", "POST /a HTTP/1.1\r\n" + host + "Trailer: X-Sum\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\n", []string{"/a"}},
		{"ok/get-with-body", "GET /a HTTP/1.1\r\n" + host + "Content-Length: 3\r\n\r\nabc", []string{"/a"}},
		{"ok/http10", "POST /a HTTP/1.0\r\n" + host + "Connection: keep-alive\r\nContent-Length: 3\r\n\r\nabc", []string{"/a"}},
		{"ok/big-content-length", "POST /a HTTP/1.1\r\n" + host + "Content-Length: 300000\r\n\r\n" + big, []string{"/a"}},
		{"ok/big-chunk", "POST /a HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n493e0\r\n" + big + "\r\n0\r\n\r\n", []string{"/a"}},
		{"ok/body-looks-like-request", "POST /a HTTP/1.1\r\n" + host + "Content-Length: 41\r\n\r\nGET /x HTTP/1.1\r\nTransfer-Encoding: y\n\r\n", []string{"/a"}},
		{"ok/pipelined", "POST /a HTTP/1.1\r\n" + host + "Content-Length: 1\r\n\r\nzPOST /b HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\nGET /c HTTP/1.1\r\n" + host + "\r\n", []string{"/a", "/b", "/c"}},
	}
	for _, tc := range rows {
		for _, split := range []bool{false, true} {
			name := tc.name
			if split {
				name += "/byte-by-byte"
				if len(tc.raw) > 10_000 {
					continue
				}
			}
			t.Run(name, func(t *testing.T) {
				p := newProbe(t, true)
				c, err := net.Dial("tcp", p.srv.Listener.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				go func() {
					raw := tc.raw + second
					if !split {
						io.WriteString(c, raw)
						return
					}
					for i := range len(raw) {
						if _, err := c.Write([]byte{raw[i]}); err != nil {
							return
						}
					}
				}()
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				br := bufio.NewReader(c)
				for i := range len(tc.want) + 1 {
					resp, err := http.ReadResponse(br, nil)
					if err != nil {
						t.Fatalf("response %d: %v (forwarded %v)", i, err, p.forwarded())
					}
					io.Copy(io.Discard, resp.Body)
					if resp.StatusCode != 200 {
						t.Fatalf("response %d: status %d, want 200", i, resp.StatusCode)
					}
				}
				if got, want := p.forwarded(), append(slices.Clone(tc.want), "/second"); !slices.Equal(got, want) {
					t.Errorf("forwarded %v, want %v", got, want)
				}
			})
		}
	}
}

func TestListenerExpectContinue(t *testing.T) {
	p := newProbe(t, true)
	c, err := net.Dial("tcp", p.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "POST /a HTTP/1.1\r\n"+host+"Expect: 100-continue\r\nContent-Length: 3\r\n\r\n")
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100 ") {
		t.Fatalf("first line %q, %v; want 100 Continue", line, err)
	}
	br.ReadString('\n')
	io.WriteString(c, "abc")
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("final response %v, %v", resp, err)
	}
}

// TestListenerUpgrade: after a 101 the connection is a tunnel and passes
// through; an Upgrade request answered otherwise keeps being checked.
func TestListenerUpgrade(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ws" {
			io.WriteString(w, "plain")
			return
		}
		c, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
		buf := make([]byte, 64)
		n, _ := brw.Read(buf)
		c.Write(buf[:n]) // echo
	}))
	srv.Listener = NewListener(srv.Listener)
	srv.Start()
	defer srv.Close()

	t.Run("ok/101-tunnel", func(t *testing.T) {
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "GET /ws HTTP/1.1\r\n"+host+"Connection: Upgrade\r\nUpgrade: test\r\n\r\n")
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != 101 {
			t.Fatalf("response %v, %v; want 101", resp, err)
		}
		frame := "\x81\x05hello\nnot http\r\n\r\n"
		io.WriteString(c, frame)
		got := make([]byte, len(frame))
		if _, err := io.ReadFull(br, got); err != nil || string(got) != frame {
			t.Errorf("echo %q, %v; want %q", got, err, frame)
		}
	})
	t.Run("fail/upgrade-refused-then-smuggle", func(t *testing.T) {
		raw := "GET /plain HTTP/1.1\r\n" + host + "Connection: Upgrade\r\nUpgrade: test\r\n\r\n" +
			"POST /b HTTP/1.1\r\n" + host + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
		codes := exchange(t, srv.Listener.Addr().String(), raw)
		if !slices.Equal(codes, []int{200, 400}) {
			t.Errorf("codes %v, want [200 400]", codes)
		}
	})
}

// TestListenerTLSPassThrough: under ServeTLS (TLS on top of the listener)
// connections are passed through, so TLS, r.TLS and HTTP/2 keep working.
func TestListenerTLSPassThrough(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			t.Error("r.TLS is nil")
		}
		io.WriteString(w, r.Proto)
	}))
	srv.Listener = NewListener(srv.Listener)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "HTTP/2.0" {
		t.Errorf("got %d %q, want 200 HTTP/2.0", resp.StatusCode, b)
	}
}

// TestListenerKeepAliveAcrossHandlers: a client that sends its next request
// while the previous handler runs (net/http's background read, aborted by
// a past read deadline) loses no byte.
func TestListenerKeepAliveAcrossHandlers(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-release
		}
		io.WriteString(w, r.URL.Path)
	}))
	srv.Listener = NewListener(srv.Listener)
	srv.Start()
	defer srv.Close()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET /slow HTTP/1.1\r\n"+host+"\r\nGET /next HTTP/1.1\r\n"+host[:3])
	time.AfterFunc(50*time.Millisecond, func() { // only lets the handler return; no assertion depends on it
		io.WriteString(c, host[3:]+"\r\n")
		close(release)
	})
	br := bufio.NewReader(c)
	for _, want := range []string{"/slow", "/next"} {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s: %v", want, err)
		}
		b, _ := io.ReadAll(resp.Body)
		if string(b) != want {
			t.Errorf("body %q, want %q", b, want)
		}
	}
}

func TestCheckFraming(t *testing.T) {
	rows := []struct {
		name   string
		proto  string
		te     []string
		header map[string][]string
		cl     int64
		ok     bool
	}{
		{"ok/no-body", "HTTP/1.1", nil, nil, 0, true},
		{"ok/content-length", "HTTP/1.1", nil, map[string][]string{"Content-Length": {"12"}}, 12, true},
		{"ok/chunked", "HTTP/1.1", []string{"chunked"}, nil, -1, true},
		{"ok/http2-no-length", "HTTP/2.0", nil, nil, -1, true},
		{"fail/te-identity", "HTTP/1.1", []string{"identity"}, nil, -1, false},
		{"fail/te-two-codings", "HTTP/1.1", []string{"gzip", "chunked"}, nil, -1, false},
		{"fail/te-uppercase-unnormalised", "HTTP/1.1", []string{"Chunked"}, nil, -1, false},
		{"fail/te-and-cl", "HTTP/1.1", []string{"chunked"}, map[string][]string{"Content-Length": {"3"}}, -1, false},
		{"fail/te-http10", "HTTP/1.0", []string{"chunked"}, nil, -1, false},
		{"fail/te-field-unparsed", "HTTP/1.1", nil, map[string][]string{"Transfer-Encoding": {"chunked"}}, 0, false},
		{"fail/cl-twice", "HTTP/1.1", nil, map[string][]string{"Content-Length": {"3", "3"}}, 3, false},
		{"fail/cl-sign", "HTTP/1.1", nil, map[string][]string{"Content-Length": {"+3"}}, 3, false},
		{"fail/cl-space", "HTTP/1.1", nil, map[string][]string{"Content-Length": {" 3"}}, 3, false},
		{"fail/cl-empty", "HTTP/1.1", nil, map[string][]string{"Content-Length": {""}}, 0, false},
		{"fail/cl-overflow", "HTTP/1.1", nil, map[string][]string{"Content-Length": {"99999999999999999999"}}, 0, false},
		{"fail/cl-disagrees", "HTTP/1.1", nil, map[string][]string{"Content-Length": {"4"}}, 3, false},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			r.Proto = tc.proto
			r.ProtoMajor, r.ProtoMinor, _ = http.ParseHTTPVersion(tc.proto)
			r.TransferEncoding = tc.te
			r.Header = http.Header(tc.header)
			if r.Header == nil {
				r.Header = http.Header{}
			}
			r.ContentLength = tc.cl
			err := CheckFraming(r)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckFraming = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrFraming) {
				t.Errorf("error %q does not wrap ErrFraming", err)
			}
		})
	}
}
