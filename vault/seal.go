package vault

import (
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// Kinds of sealed block, the fifth field of the associated data.
const (
	kindCheck byte = 'c'
	kindEntry byte = 'e'
)

// aadPrefix opens every block's associated data.
const aadPrefix = "bulkhead-vault\x00"

// checkPlaintext is what the check block seals. The AEAD tag is what
// verifies the passphrase; comparing the plaintext too costs nothing.
const checkPlaintext = "bulkhead vault check"

// aad returns the associated data of a sealed block (see the package
// documentation, "Associated data"):
//
//	"bulkhead-vault" 0x00 | version (1 byte) | kind (1 byte)
//	| len(workspace) (1 byte) | workspace | len(name) (1 byte) | name
//
// Ids are at most 128 bytes, so the one-byte lengths make the encoding
// unambiguous. The check block has an empty workspace and name.
func aad(kind byte, workspace, name string) []byte {
	b := make([]byte, 0, len(aadPrefix)+4+len(workspace)+len(name))
	b = append(b, aadPrefix...)
	b = append(b, FormatVersion, kind, byte(len(workspace)))
	b = append(b, workspace...)
	b = append(b, byte(len(name)))
	return append(b, name...)
}

// sealCheck returns a new check block for aead.
func sealCheck(aead cipher.AEAD) []byte {
	return aead.Seal(nil, nil, []byte(checkPlaintext), aad(kindCheck, "", ""))
}

// openCheck reports whether aead opens the check block.
func openCheck(aead cipher.AEAD, check []byte) bool {
	plain, err := aead.Open(nil, nil, check, aad(kindCheck, "", ""))
	return err == nil && string(plain) == checkPlaintext
}

// openRaw opens an entry's sealed block into a new slice the caller
// zeroes. The error wraps ErrTampered and names the entry.
func openRaw(aead cipher.AEAD, workspace, name string, sealed []byte) ([]byte, error) {
	if len(sealed) < aead.Overhead() {
		return nil, fmt.Errorf("entry %q: %w", name, ErrTampered)
	}
	plain := make([]byte, 0, len(sealed)-aead.Overhead())
	plain, err := aead.Open(plain, nil, sealed, aad(kindEntry, workspace, name))
	if err != nil {
		return nil, fmt.Errorf("entry %q: %w", name, ErrTampered)
	}
	return plain, nil
}

// sealRaw seals an entry's payload for workspace and name.
func sealRaw(aead cipher.AEAD, workspace, name string, plain []byte) []byte {
	return aead.Seal(make([]byte, 0, len(plain)+aead.Overhead()), nil, plain, aad(kindEntry, workspace, name))
}

// payloadVersion is the first byte of every entry payload.
const payloadVersion = 1

// flagToBash is bit 0 of the payload's flags byte.
const flagToBash = 1

// encodePayload returns the plaintext of an entry (see the package
// documentation, "Entry payload"), keys sorted, in one allocation of the
// exact size so that no partial copy of a value is left behind by a
// growing slice. e must have passed validate; the caller zeroes the result.
func encodePayload(e Entry) []byte {
	keys := e.Keys()
	size := 2 + uvarintLen(len(e.Hosts)) + uvarintLen(len(keys))
	for _, h := range e.Hosts {
		size += uvarintLen(len(h)) + len(h)
	}
	for _, k := range keys {
		v := e.Values[k]
		size += uvarintLen(len(k)) + len(k) + uvarintLen(len(v)) + len(v)
	}
	b := make([]byte, 0, size)
	var flags byte
	if e.ToBash {
		flags |= flagToBash
	}
	b = append(b, payloadVersion, flags)
	b = binary.AppendUvarint(b, uint64(len(e.Hosts)))
	for _, h := range e.Hosts {
		b = appendBytes(b, []byte(h))
	}
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = appendBytes(b, []byte(k))
		b = appendBytes(b, e.Values[k])
	}
	return b
}

func appendBytes(b, s []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func uvarintLen(n int) int {
	var buf [binary.MaxVarintLen64]byte
	return binary.PutUvarint(buf[:], uint64(n))
}

// errPayload is the cause of every payload decoding error. The payload
// authenticated, so it was written by a holder of the key: a bug, or a
// file from a newer bulkhead.
var errPayload = errors.New("payload does not decode")

// decodePayload parses an entry payload into an Entry whose values are
// fresh slices (p may be zeroed afterwards). It applies l's bounds on keys,
// hosts and value sizes.
func decodePayload(p []byte, l Limits) (Entry, error) {
	d := decoder{b: p}
	if d.byte() != payloadVersion {
		return Entry{}, fmt.Errorf("%w: unknown payload version", errPayload)
	}
	flags := d.byte()
	if flags&^flagToBash != 0 {
		return Entry{}, fmt.Errorf("%w: unknown flags", errPayload)
	}
	e := Entry{ToBash: flags&flagToBash != 0}
	nHosts := d.count(l.MaxHosts)
	for range nHosts {
		e.Hosts = append(e.Hosts, string(d.bytes(maxHostLen)))
	}
	nKeys := d.count(l.MaxKeys)
	e.Values = make(map[string]Secret, nKeys)
	for range nKeys {
		k := string(d.bytes(maxKeyLen))
		v := d.bytes(l.MaxValueBytes)
		if d.err == nil {
			e.Values[k] = Secret(slices.Clone(v))
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errors.New("trailing bytes")
	}
	if d.err == nil && len(e.Values) != nKeys {
		d.err = errors.New("duplicate key")
	}
	if d.err != nil {
		e.Zero()
		return Entry{}, fmt.Errorf("%w: %w", errPayload, d.err)
	}
	return e, nil
}

// decoder reads a payload; the first error sticks and makes later reads
// return zero values.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.b) == 0 {
		d.fail(errors.New("truncated"))
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	n, k := binary.Uvarint(d.b)
	if k <= 0 {
		d.fail(errors.New("bad length"))
		return 0
	}
	d.b = d.b[k:]
	return n
}

// count reads a count of at most limit.
func (d *decoder) count(limit int) int {
	n := d.uvarint()
	if n > uint64(limit) {
		d.fail(fmt.Errorf("count %d above the limit %d", n, limit))
		return 0
	}
	return int(n)
}

// bytes reads a length-prefixed byte string of at most limit bytes,
// aliasing the payload.
func (d *decoder) bytes(limit int) []byte {
	n := d.uvarint()
	if d.err == nil && (n > uint64(limit) || n > uint64(len(d.b))) {
		d.fail(errors.New("bad length"))
	}
	if d.err != nil {
		return nil
	}
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}
