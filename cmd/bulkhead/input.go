package main

import (
	"fmt"
	"io"
	"strings"
)

// stdinCountLimit bounds how much of a too-large standard input readInput
// reads past the limit to report its size (1 MiB: a size up to twice a
// 1 MiB limit is reported exactly, a larger one as "more than"), so that
// endless input (yes | bulkhead memory store -) fails quickly.
const stdinCountLimit = 1 << 20

// readInput reads text from standard input r, less its final line breaks:
// a memory or a prompt (what, for errors: "a memory"). Input beyond
// maxBytes is read, up to stdinCountLimit bytes more, only to count it, so
// that the error gives the input's real size.
func readInput(r io.Reader, maxBytes int, what string) (string, error) {
	limit := int64(maxBytes) + 4096 // room for trailing line breaks, which are trimmed
	data, err := io.ReadAll(io.LimitReader(r, limit))
	size, endless := int64(len(data)), false
	if err == nil && size == limit {
		var rest int64
		rest, err = io.Copy(io.Discard, io.LimitReader(r, stdinCountLimit))
		size += rest
		endless = rest == stdinCountLimit
	}
	if err != nil {
		return "", fmt.Errorf("read standard input: %w", err)
	}
	text := strings.TrimRight(string(data), "\r\n")
	switch {
	case endless:
		return "", fmt.Errorf("standard input of more than %d bytes exceeds the %d-byte limit of %s", size, maxBytes, what)
	case size > limit || len(text) > maxBytes:
		return "", fmt.Errorf("standard input of %d bytes exceeds the %d-byte limit of %s", size, maxBytes, what)
	}
	return text, nil
}
