// Package egress lets jailed programs reach the network destinations their
// workspace or skill allows, and nothing else, through one HTTP proxy per
// platform on the host; and lets them use credentials toward the hosts
// those belong to without ever holding the values.
//
// # Shapes
//
//   - [Policy] lists allowed destinations ([ParseDestination]: "host",
//     "*.domain", an IP literal or CIDR block, each with an optional
//     ":port"; default ports 443 and 80). The zero Policy allows nothing.
//   - [Proxy] ([New]) is per platform: resolver, dialer, upstream trust
//     store, the TLS interception [CA], and the [Event] callback.
//   - [Run] ([Proxy.StartRun]) is per agent run: [Limits] and byte
//     counters shared by all the run's jails.
//   - [Grant] is per jail: the tool call or skill, its Policy and its
//     [Secrets]. [Run.ServeConn] serves one in-jail connection under a
//     Grant; [Run.Serve] accepts them from a listener ([ListenUnix], or a
//     listening socket made in the jail's network namespace).
//
// # What a connection goes through
//
//  1. The program sends CONNECT host:port (a tunnel) or an absolute-URI
//     plain-HTTP request. The host is canonicalised: numeric forms
//     (0x7f000001, 2130706433, 0177.0.0.1, 127.1) are read as the IPv4
//     address they spell, names are lower-cased A-labels (UTS #46).
//  2. A name must match a policy entry before anything else happens (a
//     name outside the policy is never resolved: no DNS channel). An
//     address must be named by a literal entry.
//  3. The connection rate limit applies; then the host's resolver answers
//     and every address must pass internal/netguard (no loopback,
//     private, link-local, CGNAT, multicast, IPv4-mapped, NAT64, 6to4 or
//     other special-purpose address) unless a literal entry names it.
//  4. The proxy dials the checked address, never the name again, and the
//     default dialer checks it once more before connect(2).
//  5. A tunnel to a name must start with a TLS ClientHello whose server
//     name (SNI) is that name. A plain-HTTP request goes upstream with
//     the target as its Host (RFC 9112 §3.2.2).
//  6. When the Grant's Secrets have a rule for host:port, the tunnel is
//     intercepted: TLS toward the jail is terminated with a leaf of the
//     CA, each HTTP/1.1 request must carry Host = the CONNECT host, its
//     placeholders are replaced in headers and URL query, any other
//     placeholder refuses it (header, path, body, another entry's), and
//     it goes to the upstream over TLS verified against Config.RootCAs.
//     Responses have the values masked back to placeholders.
//
// Refusals reach the program as HTTP responses whose body says why (403
// policy, 429 limits, 502 upstream, 400 malformed), inside the tunnel's
// TLS when the refusal comes after the ClientHello. Every tunnel and
// plain-HTTP request produces an Event.
//
// # Hooking up a jail
//
// The jail keeps its own network namespace with loopback only. Inside,
// something must accept TCP connections on the jail's 127.0.0.1 at the
// proxy port and hand each to [Run.ServeConn] (or a listener to
// [Run.Serve]); the program finds it through HTTP_PROXY, HTTPS_PROXY,
// ALL_PROXY (and lower-case twins) set to http://127.0.0.1:<port>, with
// NO_PROXY=localhost,127.0.0.1,::1, and trusts [CA.CertPEM] through the
// jail's CA bundle. A program that ignores the variables gets no network.
package egress
