package mask

import (
	"encoding/base64"
	"encoding/hex"
)

// forms returns the byte strings masked for the secret value v: v itself,
// its base64, hexadecimal and URL encodings (see the package comment), each
// at least MinSecretBytes long. Forms may repeat; the caller zeroes them.
func forms(v []byte) [][]byte {
	out := [][]byte{append([]byte(nil), v...)}
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.URLEncoding,
		base64.RawStdEncoding, base64.RawURLEncoding,
	} {
		b := make([]byte, enc.EncodedLen(len(v)))
		enc.Encode(b, v)
		out = append(out, b)
	}
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		for k := range 3 {
			out = append(out, base64Core(enc, v, k))
		}
	}
	lower := make([]byte, hex.EncodedLen(len(v)))
	hex.Encode(lower, v)
	upper := make([]byte, len(lower))
	for i, c := range lower {
		if c >= 'a' {
			c -= 'a' - 'A'
		}
		upper[i] = c
	}
	out = append(out, lower, upper, urlEscape(v, true), urlEscape(v, false))
	kept := out[:0]
	for _, f := range out {
		if len(f) >= MinSecretBytes {
			kept = append(kept, f)
		} else {
			clear(f)
		}
	}
	return kept
}

// base64Core returns the characters of the unpadded encoding of k zero bytes
// followed by v that depend on v's bytes alone: those whose six bits lie
// within v (bits 8k to 8(k+len(v)) of the input). Wherever v sits at offset
// k modulo 3 of a longer encoded payload, these characters appear verbatim.
func base64Core(enc *base64.Encoding, v []byte, k int) []byte {
	src := make([]byte, k+len(v))
	copy(src[k:], v)
	dst := make([]byte, enc.EncodedLen(len(src)))
	enc.Encode(dst, src)
	clear(src)
	first := (8*k + 5) / 6
	end := 8 * (k + len(v)) / 6
	core := append([]byte(nil), dst[first:end]...)
	clear(dst)
	return core
}

// urlEscape percent-encodes v exactly as net/url.QueryEscape (query true) or
// net/url.PathEscape (query false) would, without making a string of it:
// the unreserved characters of RFC 3986 section 2.3 stay, a query turns ' '
// into '+', a path segment keeps "$&+:=@", and every other byte becomes
// %XX with upper-case hexadecimal digits.
func urlEscape(v []byte, query bool) []byte {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, len(v)*3)
	for _, c := range v {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '~':
			out = append(out, c)
		case query && c == ' ':
			out = append(out, '+')
		case !query && (c == '$' || c == '&' || c == '+' || c == ':' || c == '=' || c == '@'):
			out = append(out, c)
		default:
			out = append(out, '%', digits[c>>4], digits[c&15])
		}
	}
	return out
}
