package hygiene

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// FuzzFind: never panics; a default name as the first "name=" pair is
// always found; what Find returns is a configured name, never input.
func FuzzFind(f *testing.F) {
	for _, s := range []string{"", "q=1", "access_token=x", "acc%65ss_token=1", "token[]=1", ";token=x", "a=%zz", "auth[token]=1", "monkey=1"} {
		f.Add(s)
	}
	extra := []string{"session_id"}
	d := NewCredentialDetector(extra)
	allowed := append(append([]string{MalformedParam}, DefaultCredentialParams...), extra...)
	f.Fuzz(func(t *testing.T, q string) {
		if p, found := d.Find(q); found && !slices.Contains(allowed, p) {
			t.Fatalf("Find(%q) = %q: not a configured name", q, p)
		}
		for _, n := range DefaultCredentialParams {
			if _, found := d.Find(n + "=" + q); !found {
				t.Fatalf("Find(%q) missed %q", n+"="+q, n)
			}
		}
	})
}

// FuzzCheckFraming: Transfer-Encoding and Content-Length fields with fuzzed
// values (0–2 of each) go through every layer (NewListener's framer, Go's
// request parser, CheckFraming, reading the body). The request is accepted
// exactly when it carries no framing field, one Content-Length of 1–19
// digits, or one Transfer-Encoding "chunked" (any case, OWS around) alone.
func FuzzCheckFraming(f *testing.F) {
	f.Add("chunked", "3", uint8(1), uint8(0))
	f.Add("chunked", "3", uint8(1), uint8(1))
	f.Add(" Chunked\t", "", uint8(1), uint8(0))
	f.Add("chunked, identity", "", uint8(1), uint8(0))
	f.Add("xchunked", "+3", uint8(0), uint8(1))
	f.Add("", "003", uint8(0), uint8(2))
	f.Fuzz(func(t *testing.T, te, cl string, nTE, nCL uint8) {
		nTE, nCL = nTE%3, nCL%3
		var raw strings.Builder
		raw.WriteString("POST /a HTTP/1.1\r\nHost: x\r\n")
		for range nTE {
			raw.WriteString("Transfer-Encoding: " + te + "\r\n")
		}
		for range nCL {
			raw.WriteString("Content-Length: " + cl + "\r\n")
		}
		raw.WriteString("\r\n")
		if strings.ContainsAny(te+cl, "\r\n") {
			accepted(t, raw.String()+"0\r\n\r\n") // must not panic; no property on extra lines
			return
		}
		te, cl = strings.Trim(te, " \t"), strings.Trim(cl, " \t")
		n, clOK := parseContentLength(cl)
		want := nTE == 0 && nCL == 0 ||
			nTE == 0 && nCL == 1 && clOK ||
			nTE == 1 && nCL == 0 && lowerASCII(te) == "chunked"
		want = want && (nTE == 0 || !hasCTL(te)) && (nCL == 0 || !hasCTL(cl))
		switch {
		case nTE > 0:
			raw.WriteString("3\r\nabc\r\n0\r\n\r\n")
		case nCL > 0 && clOK && n <= 1024:
			raw.WriteString(strings.Repeat("b", int(n)))
		case nCL > 0 && clOK:
			return // body too long to bother
		}
		if got := accepted(t, raw.String()); got != want {
			t.Fatalf("TE %q ×%d, CL %q ×%d: accepted = %v, want %v", te, nTE, cl, nCL, got, want)
		}
	})
}

func hasCTL(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f })
}

// lowerASCII lower-cases A–Z only (no Unicode folding: "\u212A" is not "k").
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// accepted runs raw through the framer, http.ReadRequest, CheckFraming and
// the body read, as the listener, net/http and the gateway do.
func accepted(t *testing.T, raw string) bool {
	t.Helper()
	var fr framer
	fr.feed([]byte(raw))
	if fr.st == stRefused {
		return false
	}
	if string(fr.out) != raw {
		t.Fatalf("framer accepted but delivered %q of %q", fr.out, raw)
	}
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		return false
	}
	if CheckFraming(r) != nil {
		return false
	}
	_, err = io.ReadAll(r.Body)
	return err == nil
}

// FuzzFramer: the framer is incremental (any split gives the same result),
// delivers accepted bytes verbatim, and frames a stream it accepts exactly
// as Go's parser does (same number of requests).
func FuzzFramer(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;e\r\nabc\r\n0\r\nT: 1\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	} {
		f.Add([]byte(s), uint16(7))
	}
	f.Fuzz(func(t *testing.T, data []byte, split uint16) {
		var whole, parts framer
		whole.feed(data)
		k := int(split) % (len(data) + 1)
		parts.feed(data[:k])
		parts.feed(data[k:])
		if whole.st != parts.st || !bytes.Equal(whole.out, parts.out) || whole.requests != parts.requests {
			t.Fatalf("split at %d changes the result: %v/%q/%d vs %v/%q/%d", k, whole.st, whole.out, whole.requests, parts.st, parts.out, parts.requests)
		}
		if whole.st == stRefused {
			return
		}
		if !bytes.HasPrefix(data, whole.out) {
			t.Fatalf("accepted bytes altered: %q", whole.out)
		}
		if whole.st != stRequestLine || len(whole.line) != 0 {
			return // a message is incomplete
		}
		br := bufio.NewReader(bytes.NewReader(data))
		n := 0
		for {
			r, err := http.ReadRequest(br)
			if err == io.EOF {
				break
			}
			if err != nil {
				return // Go refuses: the connection ends, nothing to compare
			}
			if _, err := io.Copy(io.Discard, r.Body); err != nil {
				return
			}
			n++
		}
		if n != whole.requests {
			t.Fatalf("framer counted %d requests, Go parsed %d in %q", whole.requests, n, data)
		}
	})
}

// FuzzClientIP: never panics, never returns an IPv4-mapped address, and
// agrees with a naive reference walk over the joined X-Forwarded-For list.
func FuzzClientIP(f *testing.F) {
	f.Add("10.1.1.1:80", "198.51.100.1, 10.2.2.2", uint8(1))
	f.Add("[::ffff:10.1.1.1]:80", "garbage, 10.2.2.2\n1.1.1.1", uint8(1))
	f.Add("203.0.113.5:1", "1.1.1.1", uint8(0))
	trusted, _ := ParsePrefixes([]string{"10.0.0.0/8", "2001:db8::/32"})
	f.Fuzz(func(t *testing.T, remote, xffRaw string, sel uint8) {
		tr := trusted
		if sel%2 == 0 {
			tr = nil
		}
		xff := strings.Split(xffRaw, "\n")
		got := ClientIP(remote, xff, tr)
		if got.Is4In6() {
			t.Fatalf("ClientIP returned mapped %v", got)
		}
		if want := refClientIP(remote, xff, tr); got != want {
			t.Fatalf("ClientIP(%q, %q) = %v, reference %v", remote, xff, got, want)
		}
	})
}

func refClientIP(remote string, xff []string, trusted []netip.Prefix) netip.Addr {
	peer, ok := parseHostPort(remote)
	if !ok {
		return netip.Addr{}
	}
	in := func(a netip.Addr) bool {
		return slices.ContainsFunc(trusted, func(p netip.Prefix) bool { return p.Contains(a) })
	}
	if !in(peer) {
		return peer
	}
	entries := strings.Split(strings.Join(xff, ","), ",")
	last := peer
	for i := len(entries) - 1; i >= 0; i-- {
		e := strings.Trim(entries[i], " \t")
		a, err := netip.ParseAddr(e)
		if err != nil {
			host, port, ok := strings.Cut(e, ":")
			if strings.HasPrefix(e, "[") {
				h, p, ok2 := strings.Cut(e[1:], "]:")
				host, port, ok = h, p, ok2
			}
			pn, perr := strconv.ParseUint(port, 10, 16)
			a, err = netip.ParseAddr(host)
			if !ok || perr != nil || err != nil || pn > 65535 || (a.Is4() && strings.HasPrefix(e, "[")) || (a.Is6() && !strings.HasPrefix(e, "[")) {
				return last
			}
		}
		if a.Zone() != "" {
			return last
		}
		a = a.Unmap()
		if !in(a) {
			return a
		}
		last = a
	}
	return last
}
