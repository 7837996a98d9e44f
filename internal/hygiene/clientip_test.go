package hygiene

import (
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	trusted, err := ParsePrefixes([]string{"10.0.0.0/8", "2001:db8:1::/48", "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		name    string
		remote  string
		xff     []string
		trusted []netip.Prefix
		want    string // "" = invalid
	}{
		{"ok/no-trusted-ignores-xff", "203.0.113.5:4000", []string{"198.51.100.1"}, nil, "203.0.113.5"},
		{"ok/untrusted-peer-ignores-xff", "203.0.113.5:4000", []string{"198.51.100.1"}, trusted, "203.0.113.5"},
		{"ok/trusted-peer-one-hop", "10.1.1.1:4000", []string{"198.51.100.1"}, trusted, "198.51.100.1"},
		{"ok/trusted-chain", "10.1.1.1:4000", []string{"198.51.100.1, 10.2.2.2, 192.0.2.1"}, trusted, "198.51.100.1"},
		{"ok/spoofed-left-ignored", "10.1.1.1:4000", []string{"1.1.1.1, 6.6.6.6, 198.51.100.1, 10.2.2.2"}, trusted, "198.51.100.1"},
		{"ok/several-fields", "10.1.1.1:4000", []string{"1.1.1.1, 198.51.100.1", "10.2.2.2"}, trusted, "198.51.100.1"},
		{"ok/all-trusted-leftmost", "10.1.1.1:4000", []string{"10.3.3.3, 10.2.2.2"}, trusted, "10.3.3.3"},
		{"ok/trusted-peer-no-xff", "10.1.1.1:4000", nil, trusted, "10.1.1.1"},
		{"fail/malformed-rightmost-peer", "10.1.1.1:4000", []string{"198.51.100.1, unknown"}, trusted, "10.1.1.1"},
		{"fail/malformed-after-trusted-hop", "10.1.1.1:4000", []string{"garbage, 10.2.2.2"}, trusted, "10.2.2.2"},
		{"fail/empty-entry", "10.1.1.1:4000", []string{"198.51.100.1,"}, trusted, "10.1.1.1"},
		{"fail/empty-field", "10.1.1.1:4000", []string{""}, trusted, "10.1.1.1"},
		{"fail/leading-zero-ipv4", "10.1.1.1:4000", []string{"010.0.0.1"}, trusted, "10.1.1.1"},
		{"fail/zone", "10.1.1.1:4000", []string{"fe80::1%eth0"}, trusted, "10.1.1.1"},
		{"ok/entry-with-port", "10.1.1.1:4000", []string{"198.51.100.1:5555"}, trusted, "198.51.100.1"},
		{"ok/entry-ipv6-with-port", "10.1.1.1:4000", []string{"[2001:db8:2::7]:5555"}, trusted, "2001:db8:2::7"},
		{"ok/ows", "10.1.1.1:4000", []string{" 198.51.100.1 ,\t10.2.2.2 "}, trusted, "198.51.100.1"},
		{"ok/ipv6-peer-trusted", "[2001:db8:1::5]:443", []string{"2001:db8:2::7"}, trusted, "2001:db8:2::7"},
		{"ok/ipv6-peer-untrusted", "[2001:db8:9::5]:443", []string{"198.51.100.1"}, trusted, "2001:db8:9::5"},
		{"ok/mapped-peer-trusted", "[::ffff:10.1.1.1]:443", []string{"::ffff:198.51.100.1"}, trusted, "198.51.100.1"},
		{"ok/mapped-peer-untrusted", "[::ffff:203.0.113.5]:443", nil, nil, "203.0.113.5"},
		{"ok/mapped-entry-trusted-skipped", "10.1.1.1:4000", []string{"198.51.100.1, ::ffff:10.2.2.2"}, trusted, "198.51.100.1"},
		{"ok/bare-ip-remote", "203.0.113.5", nil, nil, "203.0.113.5"},
		{"ok/zoned-peer", "[fe80::1%eth0]:80", nil, nil, "fe80::1"},
		{"fail/unparsable-remote", "not-an-address", nil, trusted, ""},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			got := ClientIP(tc.remote, tc.xff, tc.trusted)
			if tc.want == "" {
				if got.IsValid() {
					t.Errorf("ClientIP = %v, want invalid", got)
				}
				return
			}
			if want := netip.MustParseAddr(tc.want); got != want {
				t.Errorf("ClientIP(%q, %q) = %v, want %v", tc.remote, tc.xff, got, want)
			}
		})
	}
}
