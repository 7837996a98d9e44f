package hygiene

// Request framing (RFC 9112 §6, §7.1; RFC 9110 §8.6) and who refuses what.
//
// Measured against Go 1.26's net/http server by TestSmugglingRefused
// (framing_test.go), which sends each pattern as raw bytes, followed by a
// pipelined second request, with and without NewListener:
//
//	pattern                            Go server alone                    handler sees                 refused by (with NewListener)
//	---------------------------------  ---------------------------------  ---------------------------  -----------------------------
//	CL: 5 + TE: chunked                ACCEPTS, deletes Content-Length,   TE=[chunked] CL=-1, no       listener (400)
//	                                   keeps the connection (§6.3: MUST   Content-Length: evidence
//	                                   close)                             gone
//	HTTP/1.0 + TE: chunked (+ CL)      ACCEPTS, ignores and deletes TE,   CL only; without CL the      listener (400)
//	                                   frames by CL (§6.1: MUST treat as  chunked body is parsed as
//	                                   faulty)                            the next request
//	bare LF line endings               ACCEPTS (§2.2 MAY)                 normal request               listener (400)
//	obs-fold continuation line         ACCEPTS, joins with SP (§5.2 MAY)  "X-Foo: a Transfer-Enc..."   listener (400)
//	"Transfer_Encoding: chunked",
//	"Content_Length: 5"                ACCEPTS as ordinary headers        header Transfer_encoding     listener (400)
//	"HTTP/1.2" request line            ACCEPTS as HTTP/1.x                Proto HTTP/1.2               listener (400)
//	"PRI * HTTP/2.0" (h2c preface)     ACCEPTS as a request for "*", then
//	                                   parses what follows as HTTP/1      path "*"                     listener (400)
//	chunk extension with a CTL,
//	trailer Content-Length, trailer
//	obs-fold                           ACCEPTS                            body                         listener (400 / body read error)
//	TE: chunked, identity / xchunked   501                                –                            listener (400)
//	TE: identity / empty / "chunked,"  501                                –                            listener (400)
//	two TE: chunked fields             501                                –                            listener (400)
//	TE: chunked<VT>                    400 (invalid value)                –                            listener (400)
//	"Transfer-Encoding : chunked"      400 (invalid header name)          –                            listener (400)
//	obs-fold on the first header line  400                                –                            listener (400)
//	CR inside a value, NUL in a name   400                                –                            listener (400)
//	CL: 3 + CL: 4 / "3, 3" / +3 / -1 /
//	0x3 / empty                        400                                –                            listener (400)
//	CL: 3 + CL: 3 (identical)          accepts, deduplicates              one Content-Length           listener (400)
//	CL: abc + TE: chunked              400                                –                            listener (400)
//	chunk size "zz", > 16 hex digits,
//	bare LF after size, data not
//	followed by CRLF                   handler reached; r.Body read       body read error; Go closes   listener (body read error)
//	                                   fails; connection closed after     the connection after the
//	                                   the response                       response
//	chunk size "3 " (trailing space)   accepts                            body                         listener (body read error)
//	> 16 KiB of chunk extensions       body read error                    body read error              listener (body read error)
//	TE: Chunked / " chunked" (OWS)     accepts (RFC 9112 §7: coding       TE=[chunked]                 accepted (valid)
//	                                   names are case-insensitive)
//	CL: 003                            accepts                            CL=3                         accepted (valid: 1*DIGIT)
//
// "listener (body read error)": the listener replaces the rest of the
// stream with bytes Go's chunked reader rejects, so the handler's read of
// r.Body fails; the gateway must therefore read (buffer) the whole body
// before forwarding anything, and answer 400 on a read error that is not an
// *http.MaxBytesError (413).
//
// Go normalises away the evidence of the rows marked ACCEPTS (it deletes the
// Content-Length or Transfer-Encoding field, or rewrites the line), so no
// handler-level check can see them: NewListener (listener.go) parses the
// raw bytes of each plaintext HTTP/1.x connection and refuses them before Go
// acts. CheckFraming is the handler-level layer: it refuses what is still
// visible on the *http.Request (requests not read by Go's HTTP/1 parser,
// tests, future Go changes) and is cheap enough to run on every request.
// On any refusal the response should carry "Connection: close" (RFC 9112
// §6.3: the connection must not be reused after ambiguous framing).

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// ErrFraming is wrapped by every CheckFraming refusal: the request's body
// framing is ambiguous or invalid (answer 400 and close the connection).
var ErrFraming = errors.New("hygiene: ambiguous or invalid request framing")

// CheckFraming refuses (with an error wrapping ErrFraming) a request whose
// framing is anything but no body, one Content-Length of decimal digits, or
// Transfer-Encoding exactly "chunked" alone on HTTP/1.1 without a
// Content-Length (RFC 9112 §6.1, §6.3). The error text names the rule, never
// a header value.
func CheckFraming(r *http.Request) error {
	te := r.TransferEncoding
	cl := r.Header["Content-Length"]
	switch {
	case len(r.Header["Transfer-Encoding"]) > 0:
		// Go's parser moves Transfer-Encoding to r.TransferEncoding; a
		// field still in the header map was never checked by it.
		return fmt.Errorf("%w: unparsed Transfer-Encoding field", ErrFraming)
	case len(te) > 0 && (len(te) != 1 || te[0] != "chunked"):
		return fmt.Errorf("%w: transfer coding other than chunked", ErrFraming)
	case len(te) > 0 && len(cl) > 0:
		return fmt.Errorf("%w: both Transfer-Encoding and Content-Length", ErrFraming)
	case len(te) > 0 && !r.ProtoAtLeast(1, 1):
		return fmt.Errorf("%w: Transfer-Encoding in an HTTP/1.0 request", ErrFraming)
	case len(cl) > 1:
		return fmt.Errorf("%w: several Content-Length fields", ErrFraming)
	case len(cl) == 1:
		n, ok := parseContentLength(cl[0])
		if !ok {
			return fmt.Errorf("%w: Content-Length is not a decimal number", ErrFraming)
		}
		if r.ContentLength != n {
			return fmt.Errorf("%w: Content-Length disagrees with the parsed length", ErrFraming)
		}
	}
	return nil
}

// parseContentLength accepts 1*DIGIT (RFC 9110 §8.6), nothing else: no
// sign, no whitespace, no list; at most what fits in an int64.
func parseContentLength(v string) (int64, bool) {
	if v == "" || len(v) > 19 {
		return 0, false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}
