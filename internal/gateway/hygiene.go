package gateway

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/rempart/rempart/internal/hygiene"
	"github.com/rempart/rempart/internal/web"
)

// checkHygiene refuses requests whose framing is ambiguous (400 and
// Connection: close, RFC 9112 §6.3: request smuggling) or that carry too
// many header fields (431, RFC 6585 §5), and removes the fields no stage
// may act on: method overrides (the method authorised is the request
// line's) and hop-by-hop fields (RFC 9110 §7.6.1), so that validation,
// policies and the upstream all see the same request. Protocol upgrades
// (WebSocket) are therefore not proxied.
func (g *Gateway) checkHygiene(r *http.Request) *failure {
	if err := hygiene.CheckFraming(r); err != nil {
		return &failure{status: http.StatusBadRequest, reason: "framing", closeConn: true, err: err}
	}
	s := scanHeader(r.Header)
	if s.fields > g.fieldLimit() {
		if err := hygiene.CheckHeaderLimits(r.Header, g.maxHeaders); err != nil {
			return &failure{status: http.StatusRequestHeaderFieldsTooLarge, reason: "too_many_headers", err: err}
		}
	}
	if s.override && hygiene.StripMethodOverride(r.Header) {
		g.log.DebugContext(r.Context(), "method override header ignored", "request_id", web.RequestID(r.Context()))
	}
	if s.hopByHop {
		hygiene.StripHopByHop(r.Header)
	}
	return nil
}

// fieldLimit is the field-line limit hygiene.CheckHeaderLimits applies
// for g.maxHeaders.
func (g *Gateway) fieldLimit() int {
	if g.maxHeaders > 0 {
		return g.maxHeaders
	}
	return hygiene.DefaultMaxHeaderCount
}

// headerScan is what one pass over a request header finds, so that the
// common request pays one iteration rather than a dozen lookups and the
// hygiene functions' own canonicalising deletions.
type headerScan struct {
	fields   int  // field lines, counted as hygiene.CheckHeaderLimits counts them
	override bool // one of hygiene.MethodOverrideHeaders, by its canonical name
	hopByHop bool // one of the fields hygiene.StripHopByHop always removes (Connection included)
}

// scanHeader scans h. Header.Del and the lookups of the hygiene functions
// use canonical names only, so a field absent here under its canonical
// name is one they would not touch: without override, StripMethodOverride
// finds nothing; without hopByHop (no Connection field, hence no field it
// names), StripHopByHop removes nothing.
func scanHeader(h http.Header) (s headerScan) {
	for k, vs := range h {
		s.fields += len(vs)
		switch k {
		case "X-Http-Method-Override", "X-Http-Method", "X-Method-Override":
			s.override = true
		case "Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
			"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade":
			s.hopByHop = true
		}
	}
	return s
}

// refuseQueryCredentials refuses a credential-like query parameter on every
// path (R15: it would be logged by every proxy on the way) with 400. The
// log names the parameter as configured, never its value (R20).
func (g *Gateway) refuseQueryCredentials(r *http.Request) *failure {
	if r.URL.RawQuery == "" {
		return nil
	}
	if name, found := g.credentials.Find(r.URL.RawQuery); found {
		return &failure{status: http.StatusBadRequest, reason: "credential_in_query", auth: true,
			err: fmt.Errorf("gateway: credential-like parameter %q in the query string (R15)", name)}
	}
	return nil
}

// refuseFormToken refuses, on OAuth routes, an access_token in a
// form-encoded body (RFC 6750 §2.2 is not supported: the Authorization
// header is the only way in).
func refuseFormToken(r *http.Request, rt *route, body []byte) *failure {
	if rt.auth != AuthOAuth2 || len(body) == 0 {
		return nil
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" || !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "application/x-www-form-urlencoded") {
		return nil
	}
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/x-www-form-urlencoded" {
		return nil
	}
	if hasParam(string(body), "access_token") {
		return &failure{status: http.StatusBadRequest, challenge: challengeInvalidRequest,
			reason: "token_in_body", auth: true, err: errors.New("access_token in the form body (RFC 6750 §2.2 unsupported)")}
	}
	return nil
}

// clientIP returns the client address (interface contract: the TCP peer,
// or the right-most untrusted X-Forwarded-For entry behind
// trusted_proxies), computed once per request. An unparsable peer gives
// the zero address, which IP filters refuse.
func (g *Gateway) clientIP(r *http.Request, x *exchange) netip.Addr {
	if !x.clientOK {
		var xff []string
		if len(g.trusted) > 0 {
			xff = r.Header.Values("X-Forwarded-For")
		}
		x.client, x.clientOK = hygiene.ClientIP(r.RemoteAddr, xff, g.trusted), true
	}
	return x.client
}

// ipKey returns the jail and rate-limit key of the client address,
// "ip:<addr>", computed once per request.
func (g *Gateway) ipKey(r *http.Request, x *exchange) string {
	if x.ipKey == "" {
		a := g.clientIP(r, x)
		var buf [3 + 64]byte
		b := append(buf[:0], "ip:"...)
		if a.IsValid() {
			b = a.AppendTo(b)
		} else {
			b = append(b, "invalid"...)
		}
		x.ipKey = string(b)
	}
	return x.ipKey
}

// hasParam reports whether a URL-encoded parameter list contains key. Both
// "&" and ";" count as separators and keys are percent-decoded, so no
// upstream parser variant can see a key that this one missed.
func hasParam(query, key string) bool {
	for query != "" {
		var kv string
		i := strings.IndexAny(query, "&;")
		if i < 0 {
			kv, query = query, ""
		} else {
			kv, query = query[:i], query[i+1:]
		}
		k, _, _ := strings.Cut(kv, "=")
		if strings.ContainsAny(k, "%+") {
			if dk, err := url.QueryUnescape(k); err == nil {
				k = dk
			}
		}
		if strings.EqualFold(strings.TrimSpace(k), key) {
			return true
		}
	}
	return false
}
