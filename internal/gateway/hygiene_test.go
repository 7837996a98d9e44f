package gateway

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestQueryCredentials is item 2 (R15) through real HTTP: a credential-like
// query parameter is refused with 400 on every path, routed or not, and
// never forwarded; configured additions count too.
func TestQueryCredentials(t *testing.T) {
	f := newFixture(t)
	_, srv := f.serve(t, Config{CredentialParams: []string{"session", "sig"}, APIs: []API{
		{Name: "pub", PathPrefix: "/pub", Upstream: f.up.url(t, ""), Auth: AuthPublic},
	}}, f.deps(), false)
	for _, tc := range []struct {
		name, query string
		status      int
	}{
		{"fail/access_token", "access_token=x", 400},
		{"fail/api_key", "api_key=x", 400},
		{"fail/apikey", "apikey=x", 400},
		{"fail/key", "key=x", 400},
		{"fail/token", "token=x", 400},
		{"fail/client_secret", "client_secret=x", 400},
		{"fail/password", "password=x", 400},
		{"fail/secret", "secret=x", 400},
		{"fail/upper-case", "ACCESS_TOKEN=x", 400},
		{"fail/camel-case", "accessToken=x", 400},
		{"fail/encoded-name", "acc%65ss_token=x", 400},
		{"fail/double-encoded-name", "acc%2565ss_token=x", 400},
		{"fail/nested", "auth[token]=x", 400},
		{"fail/dotted", "user.password=x", 400},
		{"fail/suffix", "x-api-key=x", 400},
		{"fail/semicolon-separator", "a=1;token=x", 400},
		{"fail/no-value", "a=1&password", 400},
		{"fail/malformed-name", "to%zzken=x", 400},
		{"fail/configured-addition", "session=x", 400},
		{"fail/configured-addition-case", "SIG=x", 400},
		{"ok/value-named-token", "q=token", 200},
		{"ok/short-name-as-suffix", "monkey=1&sort_key=a", 200},
		{"ok/page-token", "pageToken=abc", 200},
		{"ok/plain", "limit=10&offset=20", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/pub/x", "/nowhere"} {
				res, body := send(t, srv, "GET", path+"?"+strings.ReplaceAll(tc.query, "=x", "=s3cr3t-value"), nil, "")
				_, hits := f.up.received()
				want := tc.status
				if want == 200 && path == "/nowhere" {
					want = 404
				}
				if want != 200 {
					checkProblem(t, res, body, want)
					if hits != 0 {
						t.Errorf("%s: upstream reached", path)
					}
				} else if res.StatusCode != 200 || hits != 1 {
					t.Errorf("%s: status %d, hits %d", path, res.StatusCode, hits)
				}
			}
		})
	}
	if strings.Contains(f.logs.String(), "s3cr3t-value") {
		t.Errorf("a refused query value reached the log (R20)")
	}
}

// TestRequestHygiene is item 8 through real HTTP: body and header limits,
// ambiguous framing, hop-by-hop and method-override headers, 405 with Allow.
func TestRequestHygiene(t *testing.T) {
	f := newFixture(t)
	_, srv := f.serve(t, Config{MaxBody: 64, MaxHeaders: 12, APIs: []API{
		{Name: "pub", PathPrefix: "/pub", Upstream: f.up.url(t, ""), Auth: AuthPublic},
		{Name: "big", PathPrefix: "/big", Upstream: f.up.url(t, ""), Auth: AuthPublic, MaxBody: 256},
		{Name: "shop", PathPrefix: "/shop", Upstream: f.up.url(t, ""), Auth: AuthPublic, Routes: []Route{
			{Methods: []string{"GET", "POST"}, Path: "/shop/items"},
		}},
	}}, f.deps(), false)
	many := http.Header{}
	for i := range 13 {
		many.Add("X-Filler", strings.Repeat("a", i+1))
	}
	cases := []struct {
		name, method, path string
		header             http.Header
		body               string
		chunked            bool
		status             int
	}{
		{name: "ok/body-at-limit", method: "POST", path: "/pub/x", body: strings.Repeat("a", 64), status: 200},
		{name: "fail/body-over-limit", method: "POST", path: "/pub/x", body: strings.Repeat("a", 65), status: 413},
		{name: "fail/chunked-body-over-limit", method: "POST", path: "/pub/x", body: strings.Repeat("a", 65), chunked: true, status: 413},
		{name: "ok/chunked-body-within", method: "POST", path: "/pub/x", body: strings.Repeat("a", 60), chunked: true, status: 200},
		{name: "ok/api-max-body-overrides", method: "POST", path: "/big/x", body: strings.Repeat("a", 200), status: 200},
		{name: "fail/api-max-body-overrides", method: "POST", path: "/big/x", body: strings.Repeat("a", 257), status: 413},
		{name: "fail/too-many-headers", method: "GET", path: "/pub/x", header: many, status: 431},
		{name: "fail/undeclared-method", method: "DELETE", path: "/shop/items", status: 405},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var rd io.Reader
			if tc.body != "" {
				rd = strings.NewReader(tc.body)
				if tc.chunked {
					rd = io.MultiReader(rd) // unknown length: sent chunked
				}
			}
			req := newReq(t, srv, tc.method, tc.path, rd)
			for k, vs := range tc.header {
				req.Header[k] = vs
			}
			res, body := do(t, srv.Client(), req)
			got, hits := f.up.received()
			if tc.status != 200 {
				checkProblem(t, res, body, tc.status)
				if hits != 0 {
					t.Errorf("upstream reached on a refusal")
				}
				if tc.status == 405 && res.Header.Get("Allow") != "GET, POST" {
					t.Errorf("Allow = %q", res.Header.Get("Allow"))
				}
				return
			}
			if res.StatusCode != 200 || hits != 1 {
				t.Fatalf("status %d, hits %d (body %s)", res.StatusCode, hits, body)
			}
			f.up.mu.Lock()
			sent := string(f.up.body)
			f.up.mu.Unlock()
			if sent != tc.body {
				t.Errorf("upstream body %d bytes, want %d", len(sent), len(tc.body))
			}
			if tc.chunked && (got.ContentLength != int64(len(tc.body)) || len(got.TransferEncoding) != 0) {
				t.Errorf("upstream framing CL=%d TE=%v, want the buffered body with a Content-Length", got.ContentLength, got.TransferEncoding)
			}
		})
	}

	t.Run("ok/hop-by-hop-and-overrides-stripped", func(t *testing.T) {
		res, body := send(t, srv, "GET", "/shop/items", hdr(
			"Connection", "X-Secret-Hop, keep-alive", "X-Secret-Hop", "1",
			"X-HTTP-Method-Override", "DELETE", "X-Method-Override", "DELETE", "X-HTTP-Method", "PUT",
			"X-Kept", "yes"), "")
		got, hits := f.up.received()
		if res.StatusCode != 200 || hits != 1 {
			t.Fatalf("status %d, hits %d (body %s)", res.StatusCode, hits, body)
		}
		if got.Method != "GET" {
			t.Errorf("upstream method %s, want GET", got.Method)
		}
		for _, h := range []string{"X-Secret-Hop", "X-Http-Method-Override", "X-Method-Override", "X-Http-Method"} {
			if got.Header.Get(h) != "" {
				t.Errorf("upstream received %s", h)
			}
		}
		if got.Header.Get("X-Kept") != "yes" {
			t.Errorf("an end-to-end header was dropped")
		}
	})
}

// TestFraming checks the smuggling defences at the handler: ambiguous
// framing is 400 with Connection: close (what Go's parser leaves visible
// is built directly; an invalid chunked body is sent on a raw connection).
func TestFraming(t *testing.T) {
	f := newFixture(t)
	g, srv := f.serve(t, Config{APIs: []API{{Name: "pub", PathPrefix: "/pub", Upstream: f.up.url(t, ""), Auth: AuthPublic}}}, f.deps(), false)
	for _, tc := range []struct {
		name string
		mod  func(r *http.Request)
	}{
		{"fail/cl-and-te", func(r *http.Request) {
			r.TransferEncoding = []string{"chunked"}
			r.Header.Set("Content-Length", "3")
		}},
		{"fail/te-not-chunked", func(r *http.Request) { r.TransferEncoding = []string{"gzip", "chunked"} }},
		{"fail/te-in-http10", func(r *http.Request) {
			r.TransferEncoding = []string{"chunked"}
			r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/1.0", 1, 0
		}},
		{"fail/unparsed-te-field", func(r *http.Request) { r.Header.Set("Transfer-Encoding", "chunked") }},
		{"fail/two-content-lengths", func(r *http.Request) { r.Header["Content-Length"] = []string{"3", "4"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/pub/x", strings.NewReader("abc"))
			tc.mod(r)
			rec := httptest.NewRecorder()
			g.ServeHTTP(rec, r)
			if rec.Code != 400 || rec.Header().Get("Connection") != "close" {
				t.Errorf("status %d, Connection %q; want 400, close", rec.Code, rec.Header().Get("Connection"))
			}
			if _, hits := f.up.received(); hits != 0 {
				t.Errorf("upstream reached")
			}
		})
	}
	t.Run("fail/invalid-chunking", func(t *testing.T) {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		_, _ = io.WriteString(conn, "POST /pub/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n")
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 400 {
			t.Errorf("status %d, want 400", res.StatusCode)
		}
		if _, hits := f.up.received(); hits != 0 {
			t.Errorf("a half-read body was forwarded")
		}
	})
}

// TestUpstreamLimits checks the upstream timeout (504) and the response
// size limit (502, or an aborted response without a length), with generic
// bodies that name nothing of the upstream (R19).
func TestUpstreamLimits(t *testing.T) {
	f := newFixture(t)
	up := newScripted(t)
	d := f.deps()
	d.Transport = nil // the gateway's own transport, with Config.UpstreamTimeout
	_, srv := f.serve(t, Config{UpstreamTimeout: 150 * time.Millisecond, MaxResponseBody: 32, APIs: []API{
		{Name: "slow", PathPrefix: "/slow", Upstream: mustURL(t, up.srv.URL), Auth: AuthPublic},
	}}, d, false)
	// A transport without any timeout: only the API's own applies.
	d.Transport = &http.Transport{}
	_, perAPI := f.serve(t, Config{APIs: []API{
		{Name: "quick", PathPrefix: "/quick", Upstream: mustURL(t, up.srv.URL), Auth: AuthPublic, UpstreamTimeout: 50 * time.Millisecond},
	}}, d, false)
	block := make(chan struct{})
	defer close(block)
	t.Run("fail/gateway-timeout", func(t *testing.T) {
		up.mu.Lock()
		up.delay = block
		up.mu.Unlock()
		defer func() { up.mu.Lock(); up.delay = nil; up.mu.Unlock() }()
		for p, srv := range map[string]*httptest.Server{"/slow/x": srv, "/quick/x": perAPI} {
			res, body := send(t, srv, "GET", p, nil, "")
			checkProblem(t, res, body, http.StatusGatewayTimeout)
			if strings.Contains(string(body), up.srv.Listener.Addr().String()) {
				t.Errorf("504 names the upstream")
			}
		}
	})
	t.Run("ok/within-limit", func(t *testing.T) {
		up.answer(200, nil, `{"a":"`+strings.Repeat("x", 20)+`"}`)
		if res, body := send(t, srv, "GET", "/slow/x", nil, ""); res.StatusCode != 200 || len(body) != 28 {
			t.Errorf("status %d, %d bytes", res.StatusCode, len(body))
		}
	})
	t.Run("fail/response-too-large", func(t *testing.T) {
		up.answer(200, nil, `{"a":"`+strings.Repeat("x", 40)+`"}`)
		res, body := send(t, srv, "GET", "/slow/x", nil, "")
		checkProblem(t, res, body, http.StatusBadGateway)
		if strings.Contains(string(body), "xxxx") {
			t.Errorf("the oversized answer leaked")
		}
	})
	t.Run("fail/response-too-large-unknown-length", func(t *testing.T) {
		up.answer(200, http.Header{"X-Stream": {"1"}}, "")
		stream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for range 8 {
				_, _ = io.WriteString(w, strings.Repeat("y", 16))
				w.(http.Flusher).Flush()
			}
		}))
		defer stream.Close()
		_, srv := f.serve(t, Config{MaxResponseBody: 32, APIs: []API{
			{Name: "stream", PathPrefix: "/stream", Upstream: mustURL(t, stream.URL), Auth: AuthPublic},
		}}, f.deps(), false)
		res, err := srv.Client().Get(srv.URL + "/stream/x")
		if err != nil {
			return // aborted before the headers: also fine
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err == nil || len(b) > 32 {
			t.Errorf("read %d bytes, err %v: want an aborted response of at most 32 bytes", len(b), err)
		}
	})
}
