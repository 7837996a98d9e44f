package hygiene

import (
	"errors"
	"net/netip"
	"testing"
)

func TestIPFilter(t *testing.T) {
	rows := []struct {
		name        string
		allow, deny []string
		addr        string // "" = the zero Addr
		want        bool
	}{
		{"ok/empty-allows-all", nil, nil, "203.0.113.5", true},
		{"fail/empty-refuses-invalid", nil, nil, "", false},
		{"ok/in-allow", []string{"10.0.0.0/8"}, nil, "10.9.9.9", true},
		{"fail/not-in-allow", []string{"10.0.0.0/8"}, nil, "11.0.0.1", false},
		{"ok/single-ip-allow", []string{"192.0.2.7"}, nil, "192.0.2.7", true},
		{"fail/single-ip-neighbour", []string{"192.0.2.7"}, nil, "192.0.2.8", false},
		{"fail/deny-wins", []string{"10.0.0.0/8"}, []string{"10.1.0.0/16"}, "10.1.2.3", false},
		{"ok/deny-only-other", nil, []string{"10.1.0.0/16"}, "10.2.2.2", true},
		{"fail/deny-only", nil, []string{"203.0.113.0/24"}, "203.0.113.5", false},
		{"ok/ipv6", []string{"2001:db8::/32"}, nil, "2001:db8:5::1", true},
		{"fail/ipv6-outside", []string{"2001:db8::/32"}, nil, "2001:db9::1", false},
		{"ok/mapped-addr-v4-rule", []string{"10.0.0.0/8"}, nil, "::ffff:10.1.1.1", true},
		{"ok/mapped-rule", []string{"::ffff:10.0.0.0/104"}, nil, "10.1.1.1", true},
		{"fail/mapped-addr-denied", nil, []string{"10.0.0.0/8"}, "::ffff:10.1.1.1", false},
		{"ok/unmasked-cidr", []string{"10.1.2.3/8"}, nil, "10.200.0.1", true},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			f, err := NewIPFilter(tc.allow, tc.deny)
			if err != nil {
				t.Fatal(err)
			}
			var a netip.Addr
			if tc.addr != "" {
				a = netip.MustParseAddr(tc.addr)
			}
			if got := f.Allowed(a); got != tc.want {
				t.Errorf("Allowed(%v) = %v, want %v", a, got, tc.want)
			}
		})
	}
	t.Run("ok/nil-filter", func(t *testing.T) {
		var f *IPFilter
		if !f.Allowed(netip.MustParseAddr("192.0.2.1")) || f.Allowed(netip.Addr{}) {
			t.Error("nil filter: want valid allowed, invalid refused")
		}
	})
}

func TestNewIPFilterInvalid(t *testing.T) {
	for _, bad := range []string{"", "10.0.0.0/33", "nope", "fe80::1%eth0", "010.0.0.1", "::ffff:0.0.0.0/90", "10.0.0.0/"} {
		t.Run("fail/"+bad, func(t *testing.T) {
			if _, err := NewIPFilter([]string{"10.0.0.0/8", bad}, nil); !errors.Is(err, ErrInvalidPrefix) {
				t.Errorf("NewIPFilter(%q) error = %v, want ErrInvalidPrefix", bad, err)
			}
			if _, err := NewIPFilter(nil, []string{bad}); !errors.Is(err, ErrInvalidPrefix) {
				t.Errorf("deny %q error = %v, want ErrInvalidPrefix", bad, err)
			}
		})
	}
}
