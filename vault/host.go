package vault

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// canonicalHost validates one destination of Entry.Hosts and returns its
// canonical form. Accepted:
//
//	api.github.com         a host name (RFC 1123 §2.1 labels)
//	api.github.com:8443    with a port, 1 to 65535
//	192.0.2.7, 192.0.2.7:443
//	2001:db8::1, [2001:db8::1], [2001:db8::1]:443
//
// Names are lower-cased and IPs printed by net/netip; the port is kept
// only when given. Refused: wildcards, IPv6 zones, a trailing dot, and a
// name whose last label does not start with a letter (top-level domains
// are alphabetic, RFC 3696 §2), which rules out the numeric host forms
// that inet_aton(3) would read as an address (2130706433, 0x7f000001,
// 127.1).
func canonicalHost(s string) (string, error) {
	host, port, err := splitHostPort(s)
	if err != nil {
		return "", fmt.Errorf("host %.100q: %w", s, err)
	}
	if port != "" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 || strings.TrimLeft(port, "0123456789") != "" {
			return "", fmt.Errorf("host %.100q: port %.20q is not a number from 1 to 65535", s, port)
		}
		port = strconv.FormatUint(n, 10)
	}
	if host == "" {
		return "", fmt.Errorf("host %.100q: empty host", s)
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if addr.Zone() != "" {
			return "", fmt.Errorf("host %.100q: IPv6 zones are not allowed", s)
		}
		host = addr.String()
	} else if strings.ContainsRune(host, ':') {
		return "", fmt.Errorf("host %.100q: not an IPv6 address", s)
	} else {
		host = strings.ToLower(host)
		if err := checkHostName(host); err != nil {
			return "", fmt.Errorf("host %.100q: %w", s, err)
		}
	}
	if port == "" {
		return host, nil
	}
	return net.JoinHostPort(host, port), nil
}

// splitHostPort splits "host", "host:port", "v6", "[v6]" and "[v6]:port".
func splitHostPort(s string) (host, port string, err error) {
	if rest, ok := strings.CutPrefix(s, "["); ok {
		host, after, ok := strings.Cut(rest, "]")
		if !ok {
			return "", "", errors.New("missing ']'")
		}
		if !strings.Contains(host, ":") {
			return "", "", errors.New("brackets hold only IPv6 addresses")
		}
		if after == "" {
			return host, "", nil
		}
		port, ok := strings.CutPrefix(after, ":")
		if !ok || port == "" {
			return "", "", errors.New("want ':port' after ']'")
		}
		return host, port, nil
	}
	switch strings.Count(s, ":") {
	case 0:
		return s, "", nil
	case 1:
		host, port, _ := strings.Cut(s, ":")
		if port == "" {
			return "", "", errors.New("empty port")
		}
		return host, port, nil
	default:
		return s, "", nil // a bare IPv6 address, or an error below
	}
}

// checkHostName checks a lower-case host name: at most 253 bytes, labels
// of 1 to 63 letters, digits and hyphens, not starting or ending with a
// hyphen, the last one starting with a letter.
func checkHostName(h string) error {
	if len(h) > 253 {
		return errors.New("longer than 253 bytes")
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if l == "" {
			return errors.New("empty label (a leading, trailing or double dot)")
		}
		if len(l) > 63 {
			return errors.New("a label is longer than 63 bytes")
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("character %q is not a letter, digit, '-' or '.' (wildcards are not allowed)", c)
			}
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return errors.New("a label starts or ends with '-'")
		}
	}
	if last := labels[len(labels)-1]; last[0] < 'a' || last[0] > 'z' {
		return errors.New("the last label must start with a letter (numeric host forms are refused; write an IP address in dotted form)")
	}
	return nil
}
