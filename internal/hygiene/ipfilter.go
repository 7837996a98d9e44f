package hygiene

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// ErrInvalidPrefix is wrapped by ParsePrefixes and NewIPFilter.
var ErrInvalidPrefix = errors.New("hygiene: invalid IP address or CIDR")

// ParsePrefixes parses CIDRs ("10.0.0.0/8", "2001:db8::/32") and single
// addresses ("192.0.2.7" is "192.0.2.7/32"), for gateway.trusted_proxies and
// the allow_ips / deny_ips lists. Prefixes are masked; IPv4-mapped IPv6
// ones ("::ffff:10.0.0.0/104") become IPv4, as ClientIP unmaps addresses.
// Zones are refused.
func ParsePrefixes(ss []string) ([]netip.Prefix, error) {
	var ps []netip.Prefix
	var errs []error
	for _, s := range ss {
		p, err := parsePrefix(strings.TrimSpace(s))
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: %q", ErrInvalidPrefix, s))
			continue
		}
		ps = append(ps, p)
	}
	return ps, errors.Join(errs...)
}

func parsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, ErrInvalidPrefix
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a := p.Addr(); a.Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, ErrInvalidPrefix // would span beyond ::ffff:0:0/96
		}
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// IPFilter is a per-API allow/deny list of client addresses (A9). The zero
// value and a nil *IPFilter allow every valid address.
type IPFilter struct {
	allow, deny []netip.Prefix
}

// NewIPFilter parses allow and deny (see ParsePrefixes), reporting every
// invalid entry.
func NewIPFilter(allow, deny []string) (*IPFilter, error) {
	a, errA := ParsePrefixes(allow)
	d, errD := ParsePrefixes(deny)
	if err := errors.Join(errA, errD); err != nil {
		return nil, err
	}
	return &IPFilter{allow: a, deny: d}, nil
}

// Allowed reports whether a may reach the API: never when a is invalid
// (fail closed) or inside a deny prefix (deny wins); otherwise when the
// allow list is empty or a is inside one of its prefixes.
func (f *IPFilter) Allowed(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	a = a.WithZone("").Unmap()
	if f == nil {
		return true
	}
	if inPrefixes(a, f.deny) {
		return false
	}
	return len(f.allow) == 0 || inPrefixes(a, f.allow)
}
