// Package clip shortens text for error messages, logs and model-facing
// results, never splitting a UTF-8 sequence and marking every cut with
// Ellipsis.
//
// # Notes
//
//   - A cut is marked, so a reader can tell a clipped text from a short one;
//     the mark is not counted in the limit.
//   - Clipping is the last step: redact a secret from the whole text first,
//     or a secret straddling the cut keeps its first characters.
package clip
