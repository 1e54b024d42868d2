package netguard

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestCheckRefusesSpecialAddresses(t *testing.T) {
	tests := []struct{ addr, name string }{
		{"0.0.0.0", "unspecified"},
		{"0.1.2.3", `"this network"`},
		{"10.1.2.3", "private"},
		{"100.64.0.1", "shared address space (CGNAT)"},
		{"100.100.100.200", "shared address space (CGNAT)"}, // a cloud metadata service
		{"127.0.0.1", "loopback"},
		{"127.8.9.10", "loopback"},
		{"169.254.169.254", "link-local"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.0.0.192", "IETF protocol assignments"},
		{"192.0.2.1", "documentation (TEST-NET-1)"},
		{"192.31.196.1", "AS112 DNS sink"},
		{"192.52.193.1", "AMT relay anycast"},
		{"192.88.99.1", "6to4 relay anycast (deprecated)"},
		{"192.168.1.1", "private"},
		{"192.175.48.1", "AS112 direct delegation"},
		{"198.18.0.1", "benchmarking"},
		{"198.19.255.255", "benchmarking"},
		{"198.51.100.7", "documentation (TEST-NET-2)"},
		{"203.0.113.9", "documentation (TEST-NET-3)"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"240.0.0.1", "reserved"},
		{"255.255.255.255", "limited broadcast"},
		{"::", "unspecified"},
		{"::1", "loopback"},
		{"::7f00:1", "IPv4-compatible IPv6 (deprecated)"},
		{"::ffff:127.0.0.1", "IPv4-mapped IPv6"},
		{"::ffff:8.8.8.8", "IPv4-mapped IPv6"},
		{"::ffff:0:808:808", "IPv4-translated IPv6"},
		{"64:ff9b::808:808", "NAT64 well-known prefix"},
		{"64:ff9b::7f00:1", "NAT64 well-known prefix"},
		{"64:ff9b:1::1", "local-use IPv4/IPv6 translation"},
		{"100::1", "discard-only"},
		{"2001::1", "Teredo"},
		{"2001:2::1", "benchmarking"},
		{"2001:20::1", "IETF protocol assignments"},
		{"2001:db8::1", "documentation"},
		{"2002:808:808::1", "6to4"},
		{"2002:7f00:1::1", "6to4"},
		{"2620:4f:8000::1", "AS112 direct delegation"},
		{"3fff::1", "documentation"},
		{"5f00::1", "SRv6 SIDs"},
		{"fd00:ec2::254", "unique local (private)"},
		{"fc00::1", "unique local (private)"},
		{"fe80::1", "link-local"},
		{"fec0::1", "site-local (deprecated)"},
		{"ff02::1", "multicast"},
		{"1000::1", "outside global unicast 2000::/3"},
		{"4000::1", "outside global unicast 2000::/3"},
		{"e000::1", "outside global unicast 2000::/3"},
	}
	for _, tt := range tests {
		a := netip.MustParseAddr(tt.addr)
		err := Check(a)
		var e *Error
		if !errors.Is(err, ErrSpecial) || !errors.As(err, &e) {
			t.Errorf("Check(%s) = %v, want an *Error wrapping ErrSpecial", tt.addr, err)
			continue
		}
		if e.Range.Name != tt.name {
			t.Errorf("Check(%s) names %q, want %q", tt.addr, e.Range.Name, tt.name)
		}
		if !strings.Contains(err.Error(), tt.addr) || !strings.Contains(err.Error(), e.Range.Source) {
			t.Errorf("Check(%s) message %q lacks the address or the source", tt.addr, err)
		}
	}
}

func TestCheckAllowsGlobalUnicast(t *testing.T) {
	for _, s := range []string{
		"8.8.8.8", "1.1.1.1", "93.184.215.14", "172.32.0.1", "100.128.0.1", "169.253.255.255",
		"192.0.3.1", "198.20.0.1", "223.255.255.255", "2606:4700:4700::1111", "2a00:1450::1",
		"2001:200::1", "2003::1", "3ffe::1",
	} {
		if err := Check(netip.MustParseAddr(s)); err != nil {
			t.Errorf("Check(%s) = %v, want nil", s, err)
		}
	}
}

// TestEveryRangeRefused checks the first and last address of every block
// in the table, so a typo in a prefix cannot silently leave it open.
func TestEveryRangeRefused(t *testing.T) {
	for _, rg := range Ranges() {
		for _, a := range []netip.Addr{rg.Prefix.Masked().Addr(), lastAddr(rg.Prefix)} {
			if err := Check(a); !errors.Is(err, ErrSpecial) {
				t.Errorf("%s (%s): Check(%s) = %v", rg.Prefix, rg.Name, a, err)
			}
		}
	}
}

// lastAddr returns the highest address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func TestCheckInvalidAndZoned(t *testing.T) {
	if err := Check(netip.Addr{}); !errors.Is(err, ErrSpecial) {
		t.Errorf("Check(zero) = %v", err)
	}
	zoned := netip.MustParseAddr("2606:4700:4700::1111%eth0")
	if err := (Rules{Allow: []netip.Prefix{netip.MustParsePrefix("2606:4700::/32")}}).Check(zoned); !errors.Is(err, ErrSpecial) {
		t.Errorf("Check(%s) = %v, want refusal of a scoped address", zoned, err)
	}
}

func TestAllowListNamesAddressesLiterally(t *testing.T) {
	r := Rules{Allow: []netip.Prefix{
		netip.MustParsePrefix("127.0.0.2/32"),
		netip.MustParsePrefix("10.20.0.0/16"),
		netip.MustParsePrefix("fd00:1::/64"),
	}}
	for _, s := range []string{"127.0.0.2", "10.20.3.4", "fd00:1::5"} {
		if err := r.Check(netip.MustParseAddr(s)); err != nil {
			t.Errorf("allowed %s: %v", s, err)
		}
	}
	// Neighbours, and other spellings of an allowed address, stay refused.
	for _, s := range []string{"127.0.0.1", "10.21.0.1", "fd00:2::5", "::ffff:127.0.0.2", "64:ff9b::7f00:2", "2002:7f00:2::1"} {
		if err := r.Check(netip.MustParseAddr(s)); !errors.Is(err, ErrSpecial) {
			t.Errorf("Check(%s) = %v, want refusal", s, err)
		}
	}
}

func TestCheckEmbedded(t *testing.T) {
	r := Rules{CheckEmbedded: true}
	for _, s := range []string{"64:ff9b::808:808", "2002:808:808::1"} {
		if err := r.Check(netip.MustParseAddr(s)); err != nil {
			t.Errorf("CheckEmbedded %s = %v, want nil", s, err)
		}
	}
	for s, inner := range map[string]string{
		"64:ff9b::a9fe:a9fe": "169.254.169.254",
		"64:ff9b::7f00:1":    "127.0.0.1",
		"2002:7f00:1::1":     "127.0.0.1",
		"2002:a00:1::1":      "10.0.0.1",
	} {
		err := r.Check(netip.MustParseAddr(s))
		var e *Error
		if !errors.As(err, &e) || e.Inner.String() != inner {
			t.Errorf("CheckEmbedded %s = %v, want refusal naming %s", s, err, inner)
		}
	}
	if err := r.Check(netip.MustParseAddr("64:ff9b:1::808:808")); !errors.Is(err, ErrSpecial) {
		t.Errorf("local-use translation prefix allowed in CheckEmbedded mode: %v", err)
	}
}
