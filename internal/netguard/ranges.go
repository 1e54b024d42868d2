package netguard

import "net/netip"

// Range is one special-purpose address block.
type Range struct {
	Prefix netip.Prefix
	Name   string // what the block is for, e.g. "loopback"
	Source string // the RFC that reserves it, e.g. "RFC 1122 §3.2.1.3"
}

func r(prefix, name, source string) Range {
	return Range{Prefix: netip.MustParsePrefix(prefix), Name: name, Source: source}
}

// ranges is the table behind Lookup. Where blocks nest, Lookup picks the
// longest prefix, so the order here is only for reading.
var ranges = []Range{
	// IPv4 special-purpose registry.
	r("0.0.0.0/8", `"this network"`, "RFC 791 §3.2"),
	r("0.0.0.0/32", "unspecified", "RFC 1122 §3.2.1.3"),
	r("10.0.0.0/8", "private", "RFC 1918"),
	r("100.64.0.0/10", "shared address space (CGNAT)", "RFC 6598"),
	r("127.0.0.0/8", "loopback", "RFC 1122 §3.2.1.3"),
	r("169.254.0.0/16", "link-local", "RFC 3927"),
	r("172.16.0.0/12", "private", "RFC 1918"),
	r("192.0.0.0/24", "IETF protocol assignments", "RFC 6890 §2.1"),
	r("192.0.2.0/24", "documentation (TEST-NET-1)", "RFC 5737"),
	r("192.31.196.0/24", "AS112 DNS sink", "RFC 7535"),
	r("192.52.193.0/24", "AMT relay anycast", "RFC 7450"),
	r("192.88.99.0/24", "6to4 relay anycast (deprecated)", "RFC 7526"),
	r("192.168.0.0/16", "private", "RFC 1918"),
	r("192.175.48.0/24", "AS112 direct delegation", "RFC 7534"),
	r("198.18.0.0/15", "benchmarking", "RFC 2544"),
	r("198.51.100.0/24", "documentation (TEST-NET-2)", "RFC 5737"),
	r("203.0.113.0/24", "documentation (TEST-NET-3)", "RFC 5737"),
	r("224.0.0.0/4", "multicast", "RFC 5771"),
	r("240.0.0.0/4", "reserved", "RFC 1112 §4"),
	r("255.255.255.255/32", "limited broadcast", "RFC 919, RFC 8190"),

	// IPv6 special-purpose registry.
	r("::/128", "unspecified", "RFC 4291 §2.5.2"),
	r("::1/128", "loopback", "RFC 4291 §2.5.3"),
	r("::/96", "IPv4-compatible IPv6 (deprecated)", "RFC 4291 §2.5.5.1"),
	r("::ffff:0:0/96", "IPv4-mapped IPv6", "RFC 4291 §2.5.5.2"),
	r("::ffff:0:0:0/96", "IPv4-translated IPv6", "RFC 2765 §2.1"),
	r("64:ff9b::/96", "NAT64 well-known prefix", "RFC 6052 §2.1"),
	r("64:ff9b:1::/48", "local-use IPv4/IPv6 translation", "RFC 8215"),
	r("100::/64", "discard-only", "RFC 6666"),
	r("2001::/23", "IETF protocol assignments", "RFC 2928"),
	r("2001::/32", "Teredo", "RFC 4380"),
	r("2001:2::/48", "benchmarking", "RFC 5180"),
	r("2001:db8::/32", "documentation", "RFC 3849"),
	r("2002::/16", "6to4", "RFC 3056"),
	r("2620:4f:8000::/48", "AS112 direct delegation", "RFC 7534"),
	r("3fff::/20", "documentation", "RFC 9637"),
	r("5f00::/16", "SRv6 SIDs", "RFC 9602"),
	r("fc00::/7", "unique local (private)", "RFC 4193"),
	r("fe80::/10", "link-local", "RFC 4291 §2.5.6"),
	r("fec0::/10", "site-local (deprecated)", "RFC 3879"),
	r("ff00::/8", "multicast", "RFC 4291 §2.7"),

	// IANA IPv6 Address Space: everything outside 2000::/3 is reserved,
	// unallocated, or one of the blocks above.
	r("::/3", "outside global unicast 2000::/3", "RFC 4291 §2.4"),
	r("4000::/2", "outside global unicast 2000::/3", "RFC 4291 §2.4"),
	r("8000::/1", "outside global unicast 2000::/3", "RFC 4291 §2.4"),
}

// Ranges returns a copy of the special-purpose blocks that Check refuses.
func Ranges() []Range {
	return append([]Range(nil), ranges...)
}

// Lookup returns the most specific special-purpose block that holds a, and
// false when a is a globally reachable unicast address. An IPv4-mapped
// IPv6 address is found in ::ffff:0:0/96, not in the IPv4 table; callers
// that mean the IPv4 address unmap it first.
func Lookup(a netip.Addr) (Range, bool) {
	best, found := Range{}, false
	for _, rg := range ranges {
		if rg.Prefix.Contains(a.WithZone("")) && (!found || rg.Prefix.Bits() > best.Prefix.Bits()) {
			best, found = rg, true
		}
	}
	return best, found
}
