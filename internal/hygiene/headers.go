package hygiene

import (
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"strings"
)

// hopByHop are the fields RFC 9110 §7.6.1 (and net/http/httputil) treat as
// connection-specific: never forwarded.
var hopByHop = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// keepWhenNamed are never removed because a Connection header names them:
// they tell Rempart who the client is, so a client naming them in
// "Connection" (to have a proxy strip what a trusted front added) must not
// change ClientIP's answer. The gateway removes and rewrites them itself when
// forwarding.
var keepWhenNamed = map[string]bool{
	"X-Forwarded-For": true, "Forwarded": true, "X-Real-Ip": true,
	"X-Forwarded-Host": true, "X-Forwarded-Proto": true,
}

// StripHopByHop removes the hop-by-hop fields of RFC 9110 §7.6.1 from h:
// the standard set and every field named in a Connection header, except the
// client-address fields (X-Forwarded-For, Forwarded, X-Real-IP,
// X-Forwarded-Host, X-Forwarded-Proto), which the gateway handles itself.
// Naming an end-to-end field such as Authorization in Connection does strip
// it: that only removes the client's own credential, which the gateway never
// forwards anyway.
func StripHopByHop(h http.Header) {
	for _, v := range h["Connection"] {
		for name := range strings.SplitSeq(v, ",") {
			name = textproto.TrimString(name)
			if name == "" {
				continue
			}
			if k := http.CanonicalHeaderKey(name); !keepWhenNamed[k] {
				h.Del(k)
			}
		}
	}
	for _, k := range hopByHop {
		h.Del(k)
	}
}

// MethodOverrideHeaders are the fields some frameworks read to replace the
// request method. Rempart authorises the method on the request line, so they
// are stripped and never honoured.
var MethodOverrideHeaders = []string{"X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"}

// StripMethodOverride removes MethodOverrideHeaders from h and reports
// whether any was present (worth a log line: it is a probe or a confused
// client).
func StripMethodOverride(h http.Header) (found bool) {
	for _, k := range methodOverrideKeys {
		if _, ok := h[k]; ok {
			found = true
			delete(h, k)
		}
	}
	return found
}

// methodOverrideKeys are MethodOverrideHeaders canonicalised once, as
// Header.Del would on every call.
var methodOverrideKeys = canonicalKeys(MethodOverrideHeaders)

func canonicalKeys(names []string) []string {
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = http.CanonicalHeaderKey(n)
	}
	return keys
}

// DefaultMaxHeaderCount is CheckHeaderLimits' limit when given maxCount <= 0.
const DefaultMaxHeaderCount = 100

// ErrTooManyHeaders is wrapped by CheckHeaderLimits (answer 431, RFC 6585 §5).
var ErrTooManyHeaders = errors.New("hygiene: too many header fields")

// CheckHeaderLimits refuses a header with more than maxCount field lines
// (each value of each name counts once; DefaultMaxHeaderCount when
// maxCount <= 0). Their total size is bounded earlier by
// http.Server.MaxHeaderBytes.
func CheckHeaderLimits(h http.Header, maxCount int) error {
	if maxCount <= 0 {
		maxCount = DefaultMaxHeaderCount
	}
	n := 0
	for _, vs := range h {
		n += len(vs)
	}
	if n > maxCount {
		return fmt.Errorf("%w: %d fields, limit %d", ErrTooManyHeaders, n, maxCount)
	}
	return nil
}
