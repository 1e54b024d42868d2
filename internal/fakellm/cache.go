package fakellm

import (
	"crypto/sha256"
	"encoding/json"
)

// MinCacheTokens is the shortest prompt prefix the server caches, in
// tokens (the minimum of Claude Sonnet and of OpenAI's automatic caching).
const MinCacheTokens = 1024

// openaiCacheStep is the granularity of OpenAI's cached_tokens.
const openaiCacheStep = 128

// lookback is how many blocks before a cache_control breakpoint the
// Anthropic API checks for an earlier cache entry.
const lookback = 20

// segment is one element of a prompt in prefix order (a tool, a system
// block, a content block or, for the implicit-caching protocols, a whole
// message), canonical and without its cache_control.
type segment struct {
	canonical []byte
	// breakpoint is set when the element carried cache_control.
	breakpoint bool
}

// prefixes returns, for each segment boundary k (1-based), the hash of
// the prompt up to and including segment k and its token count (bytes/4).
func prefixes(segs []segment) (hashes [][sha256.Size]byte, tokens []int) {
	var h [sha256.Size]byte
	bytes := 0
	for _, s := range segs {
		h = sha256.Sum256(append(h[:], s.canonical...))
		bytes += len(s.canonical)
		hashes = append(hashes, h)
		tokens = append(tokens, bytes/4)
	}
	return hashes, tokens
}

// cacheUsage simulates prompt caching for one request and records its
// prefixes, returning the tokens read from and written to the cache.
//
// Explicit mode (Anthropic, segments with breakpoints): for each
// breakpoint, the longest cached prefix ending at most 20 segments before
// it is read; the prefix up to the last breakpoint is written, less what
// was read; every breakpoint's prefix is stored. Implicit mode (OpenAI,
// Gemini): the longest cached prefix at any segment boundary is read,
// rounded down to 128 tokens for OpenAI; nothing is billed as written;
// every prefix is stored. Prefixes under MinCacheTokens are never cached.
// The caller holds s.mu.
func (s *Server) cacheUsage(segs []segment, explicit, round bool) (read, write int) {
	hashes, tokens := prefixes(segs)
	if s.cache == nil {
		s.cache = map[[sha256.Size]byte]bool{}
	}
	if explicit {
		last := -1
		for k, seg := range segs {
			if !seg.breakpoint {
				continue
			}
			last = k
			for j := k; j >= 0 && j >= k-lookback; j-- {
				if s.cache[hashes[j]] {
					read = max(read, tokens[j])
					break
				}
			}
		}
		if last < 0 || tokens[last] < MinCacheTokens {
			return read, 0
		}
		write = max(tokens[last]-read, 0)
		for k, seg := range segs {
			if seg.breakpoint && tokens[k] >= MinCacheTokens {
				s.cache[hashes[k]] = true
			}
		}
		return read, write
	}
	for k := len(segs) - 1; k >= 0; k-- {
		if s.cache[hashes[k]] {
			read = tokens[k]
			break
		}
	}
	if round {
		read -= read % openaiCacheStep
	}
	if read < MinCacheTokens {
		read = 0
	}
	for k := range segs {
		if tokens[k] >= MinCacheTokens {
			s.cache[hashes[k]] = true
		}
	}
	return read, 0
}

// canonicalSegment returns raw as a segment: canonical JSON (sorted keys)
// without a top-level cache_control, which marks a breakpoint.
func canonicalSegment(raw json.RawMessage) segment {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return segment{canonical: raw}
	}
	seg := segment{}
	if m, ok := v.(map[string]any); ok {
		if _, ok := m["cache_control"]; ok {
			seg.breakpoint = true
			delete(m, "cache_control")
		}
	}
	seg.canonical, _ = json.Marshal(v)
	return seg
}

// arraySegments returns the segments of a JSON value that is either a
// string (one segment) or an array (one per element); absent gives none.
func arraySegments(raw json.RawMessage) []segment {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return []segment{canonicalSegment(raw)}
	}
	out := make([]segment, 0, len(items))
	for _, it := range items {
		out = append(out, canonicalSegment(it))
	}
	return out
}
