// Package mask replaces secret values in a process's output with "***"
// before the output reaches the model, a transcript, an event, a hook or a
// log (issue 10, invariant 2 of the architecture document).
//
// A Set is compiled once from the secret values given to one process. For
// each value it masks the raw bytes and these encodings of them:
//
//   - base64, standard and URL alphabets, padded and unpadded (RFC 4648,
//     sections 4 and 5), and the part of each that does not depend on
//     neighbouring bytes when the value sits anywhere inside a larger
//     base64 payload (an HTTP Basic credential "user:token");
//   - hexadecimal, lower and upper case (RFC 4648, section 8);
//   - URL encoding as produced by net/url.QueryEscape and net/url.PathEscape
//     (RFC 3986, section 2.1).
//
// Values shorter than MinSecretBytes are ignored: masking every "abc" in a
// process's output would destroy it while hiding nothing.
//
// Set.Mask masks a whole byte slice; Set.NewWriter wraps an io.Writer and
// masks a stream written in any number of pieces, including values split
// across Write calls. Both give the same output for the same bytes.
//
// # Algorithm
//
// All forms of all values are searched at once with an Aho–Corasick
// automaton (A. V. Aho and M. J. Corasick, "Efficient string matching: an
// aid to bibliographic search", Communications of the ACM 18(6), 1975),
// compiled to a deterministic automaton over byte classes, so each input
// byte costs one table lookup. Overlapping occurrences are resolved
// leftmost-longest: scanning from the left, an occurrence that starts
// earliest wins, and among those the longest; the bytes it covers become
// "***".
//
// # Notes
//
//   - A Writer holds back at most the longest form's length minus one bytes:
//     the suffix of what it was given that could still be the start of a
//     form. Close writes that tail; until then no prefix of a form split at
//     a Write boundary is passed on.
//   - Every form occurrence that lies within the bytes of the input is
//     replaced. A form can only reappear in the output across an inserted
//     "***", which needs a form containing '*'; the encoded forms never
//     do (QueryEscape and PathEscape escape '*'), so this concerns raw values
//     containing '*' only, for example a value "x***y" rebuilt from
//     "x" + another secret + "y".
//   - A Set holds the automaton, which encodes the values, for as long as it
//     is referenced; the encoded forms built while compiling are zeroed, and
//     a Writer zeroes its held-back tail on Close.
package mask
