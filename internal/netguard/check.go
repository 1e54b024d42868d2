package netguard

import (
	"errors"
	"fmt"
	"net/netip"
)

// ErrSpecial is wrapped by every refusal of Check: the address is not a
// globally reachable unicast address and no allow-list entry names it.
var ErrSpecial = errors.New("special-purpose address")

// Error describes a refused address. errors.Is(err, ErrSpecial) holds.
type Error struct {
	Addr  netip.Addr // the address checked
	Range Range      // the block that holds Addr, or that holds Inner
	// Inner is the IPv4 address that Addr embeds when Rules.CheckEmbedded
	// found the embedded address special; otherwise the zero Addr.
	Inner netip.Addr
}

// Error returns, for example, "127.0.0.1 is loopback (127.0.0.0/8, RFC 1122 §3.2.1.3)".
func (e *Error) Error() string {
	switch {
	case !e.Addr.IsValid():
		return "invalid address"
	case e.Addr.Zone() != "":
		return fmt.Sprintf("%s is a scoped address (zone %q)", e.Addr, e.Addr.Zone())
	case e.Inner.IsValid():
		return fmt.Sprintf("%s embeds %s, which is %s (%s, %s)", e.Addr, e.Inner, e.Range.Name, e.Range.Prefix, e.Range.Source)
	}
	return fmt.Sprintf("%s is %s (%s, %s)", e.Addr, e.Range.Name, e.Range.Prefix, e.Range.Source)
}

// Is reports whether target is ErrSpecial.
func (e *Error) Is(target error) bool { return target == ErrSpecial }

// Rules configure Check. The zero value refuses every special-purpose
// address and allows nothing extra.
type Rules struct {
	// Allow lists prefixes that are accepted even though they are special
	// (an operator's internal service, 10.1.2.3/32 or 10.0.0.0/8). An
	// address is matched as given: an IPv4 prefix does not match an
	// IPv4-mapped IPv6 address.
	Allow []netip.Prefix
	// CheckEmbedded checks addresses in the NAT64 well-known prefix
	// 64:ff9b::/96 (RFC 6052) and in 6to4 2002::/16 (RFC 3056) by the IPv4
	// address they embed, instead of refusing them as translation
	// prefixes. The embedding guard uses it so IPv6-only hosts behind
	// DNS64 keep working; the egress proxy does not.
	CheckEmbedded bool
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// Check returns nil when a may be connected to: it is in r.Allow, or it is
// a globally reachable unicast address. Otherwise it returns an *Error
// naming the block, which wraps ErrSpecial. Invalid and zoned addresses
// are always refused.
func (r Rules) Check(a netip.Addr) error {
	if !a.IsValid() || a.Zone() != "" {
		return &Error{Addr: a}
	}
	for _, p := range r.Allow {
		if p.Contains(a) {
			return nil
		}
	}
	if r.CheckEmbedded && a.Is6() {
		b := a.As16()
		var inner netip.Addr
		switch {
		case nat64.Contains(a):
			inner = netip.AddrFrom4([4]byte(b[12:16]))
		case sixToFour.Contains(a):
			inner = netip.AddrFrom4([4]byte(b[2:6]))
		}
		if inner.IsValid() {
			if rg, bad := Lookup(inner); bad {
				return &Error{Addr: a, Range: rg, Inner: inner}
			}
			return nil
		}
	}
	if rg, bad := Lookup(a); bad {
		return &Error{Addr: a, Range: rg}
	}
	return nil
}

// Check is Rules{}.Check: it refuses every special-purpose address.
func Check(a netip.Addr) error { return Rules{}.Check(a) }
