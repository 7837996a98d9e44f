package ratelimit

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// SetHeaders writes the rate-limit fields of d for the policy called name
// on h, following draft-ietf-httpapi-ratelimit-headers-11 (May 2026; the
// structured-field form introduced in -08):
//
//	RateLimit-Policy: "name";q=<Requests>;w=<Per in seconds>   (§3)
//	RateLimit: "name";r=<Remaining>;t=<seconds>                (§4)
//
// and, when d denies the request, Retry-After: <seconds> (RFC 9110
// §10.2.3) for the 429 response. Seconds are rounded up, and w is at
// least 1 (§3.1.3: sub-second windows are not expressible). t is the time
// until the full burst is back when the request is allowed; on a denial
// it equals Retry-After, the time until the next request can succeed, so
// that Retry-After never points earlier than the end of the effective
// window (§6). name is written as a structured-field String: characters
// outside printable ASCII become '_', and an empty name is "default".
// Existing values of these fields on h are replaced.
func SetHeaders(h http.Header, name string, d Decision) {
	n := sfString(name)
	h.Set("RateLimit-Policy", n+";q="+strconv.Itoa(d.Limit.Requests)+";w="+strconv.FormatInt(max(ceilSeconds(d.Limit.Per), 1), 10))
	t := ceilSeconds(d.Reset)
	if !d.Allowed {
		t = max(ceilSeconds(d.RetryAfter), 1)
		h.Set("Retry-After", strconv.FormatInt(t, 10))
	}
	h.Set("RateLimit", n+";r="+strconv.Itoa(max(d.Remaining, 0))+";t="+strconv.FormatInt(t, 10))
}

// ceilSeconds rounds d up to whole seconds; negative d gives 0.
func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	s := int64(d / time.Second)
	if d%time.Second != 0 {
		s++
	}
	return s
}

// sfString encodes s as a structured-field String (RFC 9651 §3.3.3):
// printable ASCII only, with '"' and '\' escaped.
func sfString(s string) string {
	if s == "" {
		s = "default"
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c > 0x7e:
			b.WriteByte('_')
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
