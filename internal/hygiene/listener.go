package hygiene

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"sync/atomic"
)

// NewListener wraps a plaintext listener so that each HTTP/1.x connection
// is parsed, before net/http sees it, by a framing checker stricter than
// Go's: it refuses the request-smuggling patterns that Go accepts and then
// hides from handlers (see the table in framing.go), and everything else
// that a differently-lenient front proxy could frame differently.
//
// What it refuses, per RFC 9112: a line not ended by CRLF (§2.2); an
// obs-fold line (§5.2); a field name that is not a token or has a space
// before the colon (§5.1); a control character in a field value; a request
// line that is not "method SP target SP HTTP/1.1|HTTP/1.0" (§3), so also
// leading empty lines and HTTP/2 prior knowledge (h2c); Transfer-Encoding
// together with Content-Length (§6.3) or in an HTTP/1.0 request (§6.1), or
// with any value but "chunked" (§6.3), or twice; more than one
// Content-Length, or one that is not 1*DIGIT (RFC 9110 §8.6); a field
// named like Content-Length or Transfer-Encoding with "_" for "-"; a chunk
// line that is not 1–16 hex digits with optional extensions and CRLF
// (§7.1); chunk data not followed by CRLF; a trailer section over 4 KiB or
// holding Content-Length, Transfer-Encoding or Host (RFC 9110 §6.5.1); a
// line over 64 KiB.
//
// How it refuses: lines are held until checked, the blank line ending a
// header section until the framing is decided. A refusal replaces the rest
// of the stream with "\x00\r\n\r\n" and then EOF: at a request line or
// inside a header section Go answers "400 Bad Request" itself and closes
// the connection; inside a chunked body the handler's read of r.Body fails
// (the gateway answers 400) and Go closes the connection after the
// response. Valid requests reach Go byte for byte, so both parsers frame
// them alike.
//
// Scope: a connection whose first byte is 0x16 (a TLS handshake: the
// listener sits under http.Server.ServeTLS) is passed through unchecked;
// the check needs plaintext, i.e. the listener behind a TLS-terminating
// load balancer, which is the deployment where one upstream connection
// carries many clients' requests and smuggling matters. After a request
// carrying Upgrade is answered "101 Switching Protocols" the connection is
// passed through (it no longer carries HTTP). The wrapped net.Conn is not a
// *tls.Conn, so wrapping a listener that already speaks TLS would lose
// r.TLS and HTTP/2: don't.
func NewListener(ln net.Listener) net.Listener { return listener{ln} }

type listener struct{ net.Listener }

func (l listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &conn{Conn: c}, nil
}

// conn checks the bytes read from the client; Write watches for the 101
// that ends HTTP on the connection.
type conn struct {
	net.Conn
	f       framer
	buf     [4096]byte
	err     error       // read error to return once f.out is drained
	started bool        // first byte seen
	pass    atomic.Bool // no longer HTTP/1.x: deliver raw bytes
	pending atomic.Bool // an Upgrade request awaits its response status
}

func (c *conn) Read(p []byte) (int, error) {
	for len(c.f.out) == 0 {
		if c.pass.Load() {
			if c.f.release() {
				break
			}
			return c.Conn.Read(p)
		}
		if c.f.st == stRefused {
			return 0, io.EOF
		}
		if err := c.err; err != nil {
			c.err = nil // a timeout (net/http aborting its background read) is not fatal
			return 0, err
		}
		n, err := c.Conn.Read(c.buf[:])
		c.err = err
		if n > 0 && !c.started {
			c.started = true
			if c.buf[0] == 0x16 { // TLS record: handshake
				c.pass.Store(true)
				c.f.out = append(c.f.out, c.buf[:n]...)
				break
			}
		}
		c.f.feed(c.buf[:n])
		if c.f.upgrade {
			c.f.upgrade = false
			c.pending.Store(true)
		}
	}
	n := copy(p, c.f.out)
	c.f.out = c.f.out[:copy(c.f.out, c.f.out[n:])] // keep the buffer's start
	return n, nil
}

func (c *conn) Write(b []byte) (int, error) {
	if c.pending.Load() {
		switch {
		case bytes.HasPrefix(b, []byte("HTTP/1.1 101 ")), bytes.HasPrefix(b, []byte("HTTP/1.0 101 ")):
			c.pending.Store(false)
			c.pass.Store(true)
		case bytes.HasPrefix(b, []byte("HTTP/1.1 100 ")), bytes.HasPrefix(b, []byte("HTTP/1.0 100 ")):
			// interim response: the final status is still to come
		default:
			c.pending.Store(false)
		}
	}
	return c.Conn.Write(b)
}

// CloseWrite lets net/http half-close the connection after an error
// response, as it does for a bare *net.TCPConn.
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Limits of the framer.
const (
	maxLine       = 64 << 10 // request and field lines
	maxChunkLine  = 4096     // chunk-size lines (Go's own limit)
	maxTrailerSec = 4096     // trailer section: Go needs it within its 4 KiB read buffer
)

// poison replaces the rest of a refused stream: Go rejects it as a request
// line, a field line, a chunk-size line, a chunk end and a trailer section.
var poison = []byte("\x00\r\n\r\n")

type fstate uint8

const (
	stRequestLine fstate = iota
	stField
	stBody      // Content-Length body
	stChunkSize // chunk-size line
	stChunkData
	stChunkEnd // CRLF after chunk data
	stTrailer
	stRefused
)

// framer is the incremental HTTP/1.x request-framing checker of one
// connection. feed consumes client bytes and appends what may be delivered
// to out.
type framer struct {
	st        fstate
	out       []byte
	line      []byte // current line, held until checked
	held      []byte // trailer section, held until complete
	remaining uint64 // body or chunk-data bytes left
	upgrade   bool   // a request header with Upgrade just ended
	requests  int    // request headers accepted so far

	// current request header
	http10     bool
	cl, te     []string
	hasUpgrade bool
}

// release moves held bytes to out when the connection stops being HTTP;
// it reports whether there was any.
func (f *framer) release() bool {
	f.out = append(append(f.out, f.held...), f.line...)
	f.held, f.line = nil, nil
	return len(f.out) > 0
}

func (f *framer) refuse() {
	f.out = append(f.out, poison...)
	f.st = stRefused
	f.line, f.held = nil, nil
}

func (f *framer) feed(in []byte) {
	for len(in) > 0 && f.st != stRefused {
		switch f.st {
		case stBody, stChunkData:
			n := uint64(len(in))
			if n > f.remaining {
				n = f.remaining
			}
			f.out = append(f.out, in[:n]...)
			in = in[n:]
			f.remaining -= n
			if f.remaining == 0 {
				if f.st == stBody {
					f.st = stRequestLine
				} else {
					f.st = stChunkEnd
				}
			}
		case stChunkEnd:
			f.line = append(f.line, in[0])
			in = in[1:]
			if len(f.line) == 1 && f.line[0] != '\r' || len(f.line) == 2 && f.line[1] != '\n' {
				f.refuse()
				return
			}
			if len(f.line) == 2 {
				f.out = append(f.out, f.line...)
				f.line = f.line[:0]
				f.st = stChunkSize
			}
		default:
			limit := maxLine
			if f.st == stChunkSize {
				limit = maxChunkLine
			}
			i := bytes.IndexByte(in, '\n')
			if i < 0 {
				if len(f.line)+len(in) > limit {
					f.refuse()
					return
				}
				f.line = append(f.line, in...)
				return
			}
			if len(f.line)+i+1 > limit {
				f.refuse()
				return
			}
			f.line = append(f.line, in[:i+1]...)
			in = in[i+1:]
			f.endLine()
			f.line = f.line[:0]
		}
	}
}

// endLine checks the complete line in f.line (LF included).
func (f *framer) endLine() {
	l := f.line
	// RFC 9112 §2.2: CRLF only; a CR anywhere else is refused too.
	if len(l) < 2 || l[len(l)-2] != '\r' || bytes.IndexByte(l[:len(l)-2], '\r') >= 0 {
		f.refuse()
		return
	}
	l = l[:len(l)-2]
	switch f.st {
	case stRequestLine:
		if !f.requestLine(l) {
			f.refuse()
			return
		}
		f.out = append(f.out, f.line...)
		f.st = stField
	case stField:
		if len(l) == 0 {
			f.endHeader()
			return
		}
		name, value, ok := field(l)
		if !ok {
			f.refuse()
			return
		}
		switch canon := string(bytes.ReplaceAll(bytes.ToLower(name), []byte("_"), []byte("-"))); {
		case (canon == "content-length" || canon == "transfer-encoding") && bytes.IndexByte(name, '_') >= 0:
			f.refuse()
			return
		case canon == "content-length":
			f.cl = append(f.cl, string(value))
		case canon == "transfer-encoding":
			f.te = append(f.te, string(value))
		case canon == "upgrade":
			f.hasUpgrade = true
		}
		if len(f.cl) > 1 || len(f.te) > 1 {
			f.refuse()
			return
		}
		f.out = append(f.out, f.line...)
	case stChunkSize:
		size, ext, _ := bytes.Cut(l, []byte(";"))
		n, ok := parseChunkSize(size)
		if !ok || !validText(ext) {
			f.refuse()
			return
		}
		f.out = append(f.out, f.line...)
		if n == 0 {
			f.st = stTrailer
			return
		}
		f.st, f.remaining = stChunkData, n
	case stTrailer:
		if len(l) == 0 {
			f.out = append(append(f.out, f.held...), f.line...)
			f.held = f.held[:0]
			f.st = stRequestLine
			return
		}
		name, _, ok := field(l)
		if len(f.held)+len(f.line) > maxTrailerSec || !ok {
			f.refuse()
			return
		}
		switch string(bytes.ToLower(name)) {
		case "content-length", "transfer-encoding", "host":
			f.refuse()
			return
		}
		f.held = append(f.held, f.line...)
	}
}

// requestLine checks "method SP request-target SP HTTP/1.x" (RFC 9112 §3).
func (f *framer) requestLine(l []byte) bool {
	method, rest, ok1 := bytes.Cut(l, []byte(" "))
	target, proto, ok2 := bytes.Cut(rest, []byte(" "))
	if !ok1 || !ok2 || !isToken(method) || len(target) == 0 {
		return false
	}
	for _, b := range target {
		if b <= ' ' || b == 0x7f {
			return false
		}
	}
	switch string(proto) {
	case "HTTP/1.1":
		f.http10 = false
	case "HTTP/1.0":
		f.http10 = true
	default:
		return false
	}
	return true
}

// endHeader decides the body framing of the request whose header just
// ended (RFC 9112 §6.1–6.3), then lets the blank line through.
func (f *framer) endHeader() {
	cl, te, http10, upgrade := f.cl, f.te, f.http10, f.hasUpgrade
	f.cl, f.te, f.http10, f.hasUpgrade = f.cl[:0], f.te[:0], false, false
	switch {
	case len(te) > 0:
		if len(cl) > 0 || http10 || !asciiEqualFold(te[0], "chunked") {
			f.refuse()
			return
		}
		f.st = stChunkSize
	case len(cl) > 0:
		n, ok := parseContentLength(cl[0])
		if !ok {
			f.refuse()
			return
		}
		f.st, f.remaining = stBody, uint64(n)
		if n == 0 {
			f.st = stRequestLine
		}
	default:
		f.st = stRequestLine
	}
	f.upgrade = upgrade
	f.requests++
	f.out = append(f.out, f.line...)
}

// field splits "name: value" and checks it: the name a token (so no space
// before the colon, RFC 9112 §5.1), no obs-fold (§5.2), the value free of
// control characters but HTAB; the value is returned without OWS.
func field(l []byte) (name, value []byte, ok bool) {
	name, value, ok = bytes.Cut(l, []byte(":"))
	if !ok || !isToken(name) || !validText(value) {
		return nil, nil, false
	}
	return name, bytes.Trim(value, " \t"), true
}

func parseChunkSize(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	for _, c := range b {
		if !isHex(c) {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(string(b), 16, 64)
	return n, err == nil
}

// validText: no control character but HTAB.
func validText(b []byte) bool {
	for _, c := range b {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// isToken reports whether b is a non-empty RFC 9110 §5.6.2 token.
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !isTchar(c) {
			return false
		}
	}
	return true
}

func isTchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c < 0x80 && bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), c) >= 0
}

func asciiEqualFold(s, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := 0; i < len(s); i++ {
		a, b := s[i], t[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}
