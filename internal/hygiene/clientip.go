package hygiene

import (
	"net/netip"
	"strings"
)

// ClientIP returns the client address of a request (interface contract:
// "the TCP peer, unless the peer is in gateway.trusted_proxies, then the
// right-most untrusted X-Forwarded-For entry").
//
// remoteAddr is r.RemoteAddr ("ip:port", or a bare IP); xff holds every
// X-Forwarded-For field value in order (r.Header.Values), read as one
// comma-separated list. From the right, entries inside trusted are skipped
// (each was appended by a proxy we trust); the first entry outside trusted
// is the client. Entries to its left were written by the client and are
// never read, so a spoofed left-most entry changes nothing.
//
// Fail safe: when the walk meets an empty or malformed entry (not an IP, or
// "ip:port", "[ip]:port"; zones and leading-zero IPv4 are malformed), the
// address of the nearest trusted hop is returned (the peer, or the last
// trusted entry skipped), since that hop wrote or passed on garbage and
// nothing to its left can be trusted. When every entry is trusted, the
// left-most one is returned. IPv4-mapped IPv6 addresses are unmapped
// everywhere. An unparsable remoteAddr gives the zero netip.Addr, which
// IPFilter refuses.
func ClientIP(remoteAddr string, xff []string, trusted []netip.Prefix) netip.Addr {
	peer, ok := parseHostPort(remoteAddr)
	if !ok {
		return netip.Addr{}
	}
	if !inPrefixes(peer, trusted) {
		return peer
	}
	nearest := peer
	for i := len(xff) - 1; i >= 0; i-- {
		list := xff[i]
		for {
			entry := list
			j := strings.LastIndexByte(list, ',')
			if j >= 0 {
				entry, list = list[j+1:], list[:j]
			}
			a, ok := parseXFFEntry(entry)
			if !ok {
				return nearest
			}
			if !inPrefixes(a, trusted) {
				return a
			}
			nearest = a
			if j < 0 {
				break
			}
		}
	}
	return nearest
}

// parseHostPort parses r.RemoteAddr: "ip:port", "[ip6]:port" or a bare IP;
// a zone is dropped (the peer is on a local link).
func parseHostPort(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().WithZone("").Unmap(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.WithZone("").Unmap(), true
}

// parseXFFEntry parses one X-Forwarded-For element: an IP, or an IP with a
// port as some proxies write it. Zones are refused.
func parseXFFEntry(s string) (netip.Addr, bool) {
	s = strings.Trim(s, " \t")
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err2 := netip.ParseAddrPort(s)
		if err2 != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	if a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

func inPrefixes(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
