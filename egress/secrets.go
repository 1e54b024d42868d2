package egress

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"github.com/bulkhead-dev/bulkhead/internal/ids"
)

// PlaceholderPrefix starts every placeholder; the whole form is
// "bulkhead-secret-<entry>-<32 hex digits>", only characters that need no
// escaping in a header, a URL query or a shell.
const PlaceholderPrefix = "bulkhead-secret-"

// Secrets maps a run's placeholders to the credential values they stand
// for and to the hosts each value may be sent to. The proxy replaces a
// placeholder in request headers and in the URL query only on connections
// to the value's hosts; a placeholder anywhere else is refused as an
// attempted leak (see [Proxy]).
//
// # Notes
//
//   - Values are copied; Close zeroes the copies. Go strings built while
//     rewriting a request (header values) cannot be zeroed and are left to
//     the garbage collector.
//   - Safe for concurrent use. A nil *Secrets holds nothing.
type Secrets struct {
	mu      sync.RWMutex
	secrets []*secret
	closed  bool
}

type secret struct {
	entry       string
	placeholder string
	value       []byte
	hosts       []Destination
}

// NewSecrets returns an empty set.
func NewSecrets() *Secrets { return &Secrets{} }

// Add registers value under the credential entry's name and returns its
// new placeholder, random per call: the string to put in the jail's
// environment instead of the value. Call it once per key of an entry.
//
// hosts lists where the value may be sent: "host", "host:port", or an IP
// literal, parsed like [ParseDestination] but without wildcards or CIDR
// blocks. A host without port means 443 over TLS only; plain HTTP carries
// the value only to a host:port written explicitly.
//
// Errors: an invalid entry name (internal/ids), no hosts, a bad host, an
// empty value, or a value with control characters (it would split a
// header). The error never contains the value.
func (s *Secrets) Add(entry string, value []byte, hosts []string) (string, error) {
	if err := ids.Validate("credential", entry); err != nil {
		return "", err
	}
	if len(hosts) == 0 {
		return "", fmt.Errorf("credential %s: no hosts to send it to", entry)
	}
	if len(value) == 0 {
		return "", fmt.Errorf("credential %s: empty value", entry)
	}
	for _, c := range value {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return "", fmt.Errorf("credential %s: value has control characters, which cannot go in a header", entry)
		}
	}
	sec := &secret{entry: entry, value: append([]byte(nil), value...)}
	for _, h := range hosts {
		d, err := ParseDestination(h)
		if err == nil && (d.Name != "" && d.Name[0] == '*' || d.Name == "" && !d.Prefix.IsSingleIP()) {
			err = fmt.Errorf("destination %q: a credential goes to one host, not a wildcard or block", h)
		}
		if err != nil {
			clear(sec.value)
			return "", fmt.Errorf("credential %s: %w", entry, err)
		}
		sec.hosts = append(sec.hosts, d)
	}
	var r [16]byte
	rand.Read(r[:])
	sec.placeholder = PlaceholderPrefix + entry + "-" + hex.EncodeToString(r[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		clear(sec.value)
		return "", errors.New("secrets closed")
	}
	s.secrets = append(s.secrets, sec)
	return sec.placeholder, nil
}

// Len returns how many placeholders s holds.
func (s *Secrets) Len() int {
	if s == nil {
		return 0
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.secrets)
}

// Close zeroes every value. Requests that still arrive see no secret
// rules and are tunnelled or refused as if none had been added; a
// placeholder in them is no longer recognised.
func (s *Secrets) Close() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sec := range s.secrets {
		clear(sec.value)
	}
	s.secrets, s.closed = nil, true
}

// snapshot returns the current secrets.
func (s *Secrets) snapshot() []*secret {
	if s == nil {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.secrets
}

// forHost returns the secrets that may be sent to h on port; tls tells
// whether the request travels inside TLS.
func (s *Secrets) forHost(h host, port uint16, tls bool) []*secret {
	var out []*secret
	for _, sec := range s.snapshot() {
		for _, d := range sec.hosts {
			if d.Name != "" && d.Name != h.name || d.Name == "" && d.Prefix.Addr() != h.ip {
				continue
			}
			if d.Port == port || d.Port == 0 && tls && port == portHTTPS {
				out = append(out, sec)
				break
			}
		}
	}
	return out
}
