// Package netguard decides whether an outbound connection may go to an IP
// address: it refuses every address of the IANA special-purpose registries
// (loopback, private, link-local, shared, multicast, documentation,
// translation and the rest), unless the caller's allow list names it.
//
// It is the one implementation of these rules, shared by the embedding
// providers' SSRF guard (memory/embed) and the egress proxy (egress).
//
// # Sources
//
//   - IANA IPv4 Special-Purpose Address Registry and IANA IPv6
//     Special-Purpose Address Registry, established by RFC 6890 and
//     updated by later RFCs:
//     https://www.iana.org/assignments/iana-ipv4-special-registry/
//     https://www.iana.org/assignments/iana-ipv6-special-registry/
//   - IANA IPv4 Multicast Address Space (RFC 5771) and IANA IPv6 Address
//     Space (RFC 4291 §2.4: only 2000::/3 is allocated for global unicast):
//     https://www.iana.org/assignments/ipv6-address-space/
//
// Every block of the special-purpose registries is refused, including the
// few the registries mark globally reachable (AS112 DNS sinks, AMT and
// PCP/TURN anycast): none of them hosts a service an agent needs, and a
// rule without exceptions is easier to audit.
package netguard
