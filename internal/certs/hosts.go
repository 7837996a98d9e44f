package certs

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// ErrInvalidHost is returned by EnsureLocal for a host that is neither an IP
// address nor a valid DNS name.
var ErrInvalidHost = errors.New("certs: invalid host name")

// defaultHosts are always in a local server certificate.
var defaultHosts = []string{"localhost", "127.0.0.1", "::1"}

// hostSet is the normalised, de-duplicated set of SANs of a certificate.
type hostSet struct {
	names []string // DNS SANs, lower case, "localhost" first
	ips   []net.IP // IP SANs
}

// all returns every name and IP as strings, for verification.
func (s hostSet) all() []string {
	out := append([]string(nil), s.names...)
	for _, ip := range s.ips {
		out = append(out, ip.String())
	}
	return out
}

// normalizeHosts turns hosts (names, IPs, host:port, [v6]) plus the defaults
// into a hostSet. Empty hosts and unspecified addresses (0.0.0.0, ::), which
// no client can verify, are skipped.
func normalizeHosts(hosts []string) (hostSet, error) {
	var s hostSet
	seen := map[string]bool{}
	for _, h := range append(append([]string(nil), defaultHosts...), hosts...) {
		h = strings.TrimSpace(h)
		if host, port, err := net.SplitHostPort(h); err == nil && isPort(port) {
			h = host
		}
		h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
		h = strings.TrimSuffix(strings.ToLower(h), ".")
		if h == "" {
			continue
		}
		if a, err := netip.ParseAddr(h); err == nil {
			a = a.WithZone("").Unmap()
			if a.IsUnspecified() || seen[a.String()] {
				continue
			}
			seen[a.String()] = true
			s.ips = append(s.ips, net.IP(a.AsSlice()))
			continue
		}
		if !validDNSName(h) {
			return hostSet{}, fmt.Errorf("%w: %q", ErrInvalidHost, h)
		}
		if !seen[h] {
			seen[h] = true
			s.names = append(s.names, h)
		}
	}
	return s, nil
}

// validDNSName accepts LDH labels of 1–63 characters, 253 in all, with an
// optional leading "*." wildcard label (RFC 1123 §2.1, RFC 6125 §6.4.3) and a
// last label that is not all digits, so that nothing resembling an IP address
// becomes a DNS SAN (RFC 3696 §2).
func validDNSName(h string) bool {
	if len(h) == 0 || len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return false
	}
	for i, l := range labels {
		if l == "*" && i == 0 && len(labels) > 1 {
			continue
		}
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// isPort reports whether p is a decimal port number.
func isPort(p string) bool {
	n, err := strconv.ParseUint(p, 10, 16)
	return err == nil && n > 0
}
