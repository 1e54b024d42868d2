package vault

import (
	"bytes"
	"errors"
	"maps"
	"strings"
	"sync"
	"testing"
)

// fuzzSeed is a valid vault file sealed with cheapKDF, and its key.
var fuzzSeed = sync.OnceValues(func() ([]byte, *key) {
	data := sealCheapVault("acme", passA, map[string]Entry{
		"github": entry([]string{"api.github.com", "[::1]:8443"}, true, "GITHUB_TOKEN", "tok"),
		"db":     entry(nil, false, "PGPASSWORD", "pw", "PGUSER", "u"),
	})
	f, err := decodeFile(data, Limits{}.withDefaults())
	if err != nil {
		panic(err)
	}
	k, err := deriveKey([]byte(passA), f.salt, f.kdf)
	if err != nil {
		panic(err)
	}
	return data, k
})

// FuzzDecodeFile feeds the file reader arbitrary bytes. It must never
// panic; every error must be one of the reader's sentinels; a file it
// accepts must encode and decode back to the same content; and, when the
// file keeps the seed's KDF header, opening its entries with the seed's
// key must either fail with ErrTampered or yield a payload that decodes.
func FuzzDecodeFile(f *testing.F) {
	seed, k := fuzzSeed()
	f.Add(seed)
	f.Add([]byte(strings.Replace(string(seed), `"version": 1,`, `"version": 2,`, 1)))
	f.Add([]byte(`{"format":"bulkhead-vault","version":1}`))
	f.Add([]byte("{}"))
	f.Add([]byte(""))
	l := Limits{}.withDefaults()
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := decodeFile(data, l)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupportedVersion) && !errors.Is(err, ErrLimit) {
				t.Fatalf("error of no sentinel: %v", err)
			}
			return
		}
		again, err := decodeFile(file.encode(), l)
		if err != nil {
			t.Fatalf("re-encoded file does not decode: %v", err)
		}
		if again.workspace != file.workspace || again.kdf != file.kdf || !bytes.Equal(again.salt, file.salt) ||
			!bytes.Equal(again.check, file.check) || !maps.EqualFunc(again.entries, file.entries, bytes.Equal) {
			t.Fatal("re-encoded file differs")
		}
		if !k.matches(file.salt, file.kdf) {
			return
		}
		for name, sealed := range file.entries {
			plain, err := openRaw(k.aead, file.workspace, name, sealed)
			if err != nil {
				if !errors.Is(err, ErrTampered) {
					t.Fatalf("entry %s: %v", name, err)
				}
				continue
			}
			e, err := decodePayload(plain, l)
			if err != nil {
				t.Fatalf("an authenticated payload does not decode: %v", err)
			}
			e.Zero()
		}
	})
}

// FuzzDecodePayload feeds the payload decoder arbitrary bytes (as if a
// holder of the key had sealed them): no panic, and what decodes
// re-encodes to a payload that decodes to the same entry.
func FuzzDecodePayload(f *testing.F) {
	f.Add(encodePayload(entry([]string{"api.github.com"}, true, "A", "1", "B", "")))
	f.Add([]byte{payloadVersion, 0, 0, 0})
	f.Add([]byte{payloadVersion, 0, 0, 1, 1, 'A', 0})
	l := Limits{}.withDefaults()
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := decodePayload(data, l)
		if err != nil {
			return
		}
		again, err := decodePayload(encodePayload(e), l)
		if err != nil {
			t.Fatalf("re-encoded payload: %v", err)
		}
		if !maps.Equal(values(e), values(again)) || strings.Join(e.Hosts, "\x00") != strings.Join(again.Hosts, "\x00") || e.ToBash != again.ToBash {
			t.Fatal("re-encoded payload differs")
		}
	})
}
