// Package egress lets jailed programs reach the network destinations their
// workspace or skill allows, and nothing else, through one HTTP proxy per
// platform on the host.
//
// A [Policy] lists the allowed destinations (host names, "*.domain"
// wildcards, addresses and CIDR blocks, with ports); [ParseDestination]
// parses one entry.
package egress
