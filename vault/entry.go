package vault

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/envname"
	"github.com/bulkhead-dev/bulkhead/internal/ids"
)

// Secret is a credential value. Its bytes are the plaintext; every
// formatting path prints "[redacted]" instead, and JSON marshalling fails,
// so a value passed to fmt, a logger or an event by mistake does not leak.
// A Secret is assignable to []byte.
//
// # Notes
//
//   - The holder zeroes it with clear (or Entry.Zero) when done.
//   - fmt cannot call methods of values it reaches through unexported
//     struct fields: a Secret inside a private field prints raw.
type Secret []byte

const redacted = "[redacted]"

// errMarshalSecret is what marshalling a Secret returns.
var errMarshalSecret = errors.New("vault: a credential value is never marshalled")

// String returns "[redacted]".
func (Secret) String() string { return redacted }

// GoString returns "[redacted]".
func (Secret) GoString() string { return redacted }

// Format prints "[redacted]" for every verb.
func (Secret) Format(f fmt.State, _ rune) { io.WriteString(f, redacted) }

// MarshalJSON fails: a credential value never goes into JSON.
func (Secret) MarshalJSON() ([]byte, error) { return nil, errMarshalSecret }

// MarshalText fails: a credential value never goes into text encodings.
func (Secret) MarshalText() ([]byte, error) { return nil, errMarshalSecret }

// Entry is one credential entry: environment variable values and the
// metadata the egress proxy and the jail need. All of it is sealed; none of
// it is visible in the file.
type Entry struct {
	// Values maps variable names (KEY) to values. Names follow package
	// envname (syntax, at most 128 bytes, not on the deny list); values
	// are at most Limits.MaxValueBytes and hold no NUL.
	Values map[string]Secret
	// Hosts are the destinations the entry is for, each a host name, an IP
	// literal, or either with ":port" (IPv6 with port in brackets). Put
	// stores them canonical (see canonicalHost): lower case, IPs in
	// net/netip form, duplicates removed, in the order given. Empty: the
	// entry is not bound to hosts.
	Hosts []string
	// ToBash gives the entry to the agent's bash as well as to the skills
	// that declare it.
	ToBash bool
}

// Keys returns the entry's variable names, sorted.
func (e Entry) Keys() []string { return slices.Sorted(maps.Keys(e.Values)) }

// Zero overwrites every value with zero bytes and drops the map. Call it
// when done with an Entry that Get returned.
func (e *Entry) Zero() {
	for _, v := range e.Values {
		clear(v)
	}
	e.Values = nil
}

// String describes the entry without its values, for example
// `vault.Entry{keys: [GITHUB_TOKEN], hosts: [api.github.com], toBash: false}`.
func (e Entry) String() string {
	return fmt.Sprintf("vault.Entry{keys: [%s], hosts: [%s], toBash: %t}",
		strings.Join(e.Keys(), " "), strings.Join(e.Hosts, " "), e.ToBash)
}

// GoString is String.
func (e Entry) GoString() string { return e.String() }

// Format prints String for every verb, so %v, %+v, %#v, %s, %q and %x
// never reach the values.
func (e Entry) Format(f fmt.State, _ rune) { io.WriteString(f, e.String()) }

// Info is what List tells of an entry: its name, variable names and
// metadata, never its values.
type Info struct {
	Name   string   `json:"name"`
	Keys   []string `json:"keys"`            // sorted
	Hosts  []string `json:"hosts,omitempty"` // canonical, see Entry.Hosts
	ToBash bool     `json:"to_bash"`
}

// Bounds of a key name and a host in a payload.
const (
	maxKeyLen  = envname.MaxLen
	maxHostLen = 253 + len(":65535") // a bracketed IPv6 literal with a port is shorter
)

// normalize validates name and e against l and returns e with canonical
// hosts (the values are shared, not copied). Errors wrap ErrInvalid or
// ErrLimit and name the entry and the key or host, never a value.
func normalize(name string, e Entry, l Limits) (Entry, error) {
	if err := ids.Validate("credential", name); err != nil {
		return Entry{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if len(e.Values) == 0 {
		return Entry{}, fmt.Errorf("%w: entry %q has no keys", ErrInvalid, name)
	}
	if len(e.Values) > l.MaxKeys {
		return Entry{}, fmt.Errorf("%w: entry %q has %d keys, more than %d", ErrLimit, name, len(e.Values), l.MaxKeys)
	}
	for _, k := range e.Keys() {
		if err := envname.Check(k); err != nil {
			return Entry{}, fmt.Errorf("%w: entry %q: key %w", ErrInvalid, name, err)
		}
		v := e.Values[k]
		if len(v) > l.MaxValueBytes {
			return Entry{}, fmt.Errorf("%w: entry %q: value of %s is %d bytes, more than %d", ErrLimit, name, k, len(v), l.MaxValueBytes)
		}
		if slices.Contains(v, 0) {
			return Entry{}, fmt.Errorf("%w: entry %q: value of %s contains NUL", ErrInvalid, name, k)
		}
	}
	if len(e.Hosts) > l.MaxHosts {
		return Entry{}, fmt.Errorf("%w: entry %q has %d hosts, more than %d", ErrLimit, name, len(e.Hosts), l.MaxHosts)
	}
	hosts := make([]string, 0, len(e.Hosts))
	for _, h := range e.Hosts {
		c, err := canonicalHost(h)
		if err != nil {
			return Entry{}, fmt.Errorf("%w: entry %q: %w", ErrInvalid, name, err)
		}
		if !slices.Contains(hosts, c) {
			hosts = append(hosts, c)
		}
	}
	e.Hosts = hosts
	return e, nil
}
