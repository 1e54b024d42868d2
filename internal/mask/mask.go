package mask

import (
	"bytes"
)

// MinSecretBytes is the length below which a secret value, or one of its
// encoded forms, is not masked.
const MinSecretBytes = 4

// Replacement is what every occurrence of a secret form becomes.
const Replacement = "***"

// Set is the compiled set of secret forms to mask. It is immutable and safe
// for concurrent use; each stream needs its own Writer.
type Set struct {
	a *automaton // nil when no value is long enough
}

// New compiles the values to mask (see the package comment for the forms
// of each). Values shorter than MinSecretBytes are skipped; a Set of none
// passes everything through. The caller keeps ownership of values: New
// copies what it needs and zeroes its own encodings before returning.
//
// # Notes
//
// The automaton has 9 to 10 states per byte of value (the forms share
// prefixes), each a row of 4-byte entries, one per distinct byte of the
// forms (35 to 60 for typical tokens): ten 37-byte tokens take 353 KiB,
// built in about a millisecond (docs/benchmarks.md).
func New(values ...[]byte) *Set {
	var patterns [][]byte
	for _, v := range values {
		if len(v) >= MinSecretBytes {
			patterns = append(patterns, forms(v)...)
		}
	}
	a := compile(patterns)
	for _, p := range patterns {
		clear(p)
	}
	return &Set{a: a}
}

// Mask returns a copy of b with every secret form replaced by Replacement.
// It gives the same bytes as writing b to a Writer in any number of pieces
// and closing it.
func (s *Set) Mask(b []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(b))
	w := s.NewWriter(&out)
	w.Write(b) // a bytes.Buffer never fails
	w.Close()
	return out.Bytes()
}
