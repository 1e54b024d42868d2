package egress

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
)

// leakError reports a placeholder found where it may not go. It names
// the entry and the place, never a value.
type leakError struct {
	entry string
	where string
}

func (e *leakError) Error() string {
	return fmt.Sprintf("placeholder of credential %s in the request %s, which may not carry it to this host", e.entry, e.where)
}

// pair is a replacement of old by new in a response.
type pair struct{ old, new []byte }

// masks returns the pairs that turn each secret's value back into its
// placeholder.
func masks(secrets []*secret) []pair {
	out := make([]pair, len(secrets))
	for i, sec := range secrets {
		out[i] = pair{sec.value, []byte(sec.placeholder)}
	}
	return out
}

// injectRequest replaces, in r's headers and URL query, the placeholders
// of the secrets in allowed by their values, and then looks for any
// placeholder of all that remains (in header names, case-insensitively,
// and values, Basic credentials, the path and the query, raw and
// percent-decoded). It returns the entries injected, sorted, and the
// masks that undo the injection in a response (the values, and each
// Basic credential as sent), or a *leakError.
func injectRequest(r *http.Request, allowed, all []*secret) ([]string, []pair, error) {
	used := map[string]bool{}
	undo := masks(allowed)
	replace := func(s string) string {
		for _, sec := range allowed {
			if strings.Contains(s, sec.placeholder) {
				s = strings.ReplaceAll(s, sec.placeholder, string(sec.value))
				used[sec.entry] = true
			}
		}
		return s
	}
	for name, values := range r.Header {
		for _, sec := range all {
			if strings.Contains(strings.ToLower(name), strings.ToLower(sec.placeholder)) {
				return nil, nil, &leakError{sec.entry, "header name"}
			}
		}
		for i, v := range values {
			v = replace(v)
			if basic, ok := basicCredentials(v); ok && findPlaceholder(basic, all) != nil {
				withValue := replace(basic)
				if sec := findPlaceholder(withValue, all); sec != nil {
					return nil, nil, &leakError{sec.entry, "header " + name + " (Basic credentials)"}
				}
				v = "Basic " + base64.StdEncoding.EncodeToString([]byte(withValue))
				undo = append(undo, pair{
					[]byte(base64.StdEncoding.EncodeToString([]byte(withValue))),
					[]byte(base64.StdEncoding.EncodeToString([]byte(basic))),
				})
			}
			if sec := findPlaceholder(v, all); sec != nil {
				return nil, nil, &leakError{sec.entry, "header " + name}
			}
			values[i] = v
		}
	}
	if r.URL.RawQuery != "" {
		r.URL.RawQuery = replace(r.URL.RawQuery)
	}
	for _, part := range []struct{ where, raw string }{
		{"path", r.URL.EscapedPath()}, {"query", r.URL.RawQuery}, {"fragment", r.URL.EscapedFragment()},
	} {
		decoded, err := url.PathUnescape(part.raw)
		if err != nil {
			decoded = part.raw
		}
		for _, s := range []string{part.raw, decoded, strings.ReplaceAll(decoded, "+", " ")} {
			if sec := findPlaceholder(s, all); sec != nil {
				return nil, nil, &leakError{sec.entry, part.where}
			}
		}
	}
	entries := make([]string, 0, len(used))
	for e := range used {
		entries = append(entries, e)
	}
	sort.Strings(entries)
	return entries, undo, nil
}

// basicCredentials returns the decoded user:password of an
// "Authorization: Basic" value (RFC 7617).
func basicCredentials(v string) (string, bool) {
	scheme, cred, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return "", false
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	return string(b), err == nil
}

// findPlaceholder returns the first secret of secrets whose placeholder s
// contains.
func findPlaceholder(s string, secrets []*secret) *secret {
	if !strings.Contains(s, PlaceholderPrefix) {
		return nil
	}
	for _, sec := range secrets {
		if strings.Contains(s, sec.placeholder) {
			return sec
		}
	}
	return nil
}

// maskHeader applies masks to h's values.
func maskHeader(h http.Header, masks []pair) {
	for _, values := range h {
		for i, v := range values {
			for _, m := range masks {
				v = strings.ReplaceAll(v, string(m.old), string(m.new))
			}
			values[i] = v
		}
	}
}

// streamRewriter reads r and replaces each occurrence of olds[i] by
// news[i]; when onMatch returns an error for a match, reading stops with
// that error before the match is returned. It holds back at most
// max(len(olds[i]))-1 bytes until more input shows they start no match.
type streamRewriter struct {
	r       io.Reader
	olds    [][]byte
	news    [][]byte
	onMatch func(i int) error
	keep    int
	pending []byte
	out     []byte
	buf     []byte
	err     error
}

func newStreamRewriter(r io.Reader, olds, news [][]byte, onMatch func(int) error) *streamRewriter {
	keep := 0
	for _, o := range olds {
		keep = max(keep, len(o)-1)
	}
	return &streamRewriter{r: r, olds: olds, news: news, onMatch: onMatch, keep: keep}
}

func (s *streamRewriter) Read(p []byte) (int, error) {
	for len(s.out) == 0 && s.err == nil {
		if s.buf == nil {
			s.buf = make([]byte, 32<<10)
		}
		n, err := s.r.Read(s.buf)
		s.pending = append(s.pending, s.buf[:n]...)
		if err := s.scan(err != nil); err != nil {
			s.err = err
			break
		}
		if err != nil {
			s.err = err
		}
	}
	if len(s.out) > 0 {
		n := copy(p, s.out)
		s.out = s.out[n:]
		return n, nil
	}
	return 0, s.err
}

// scan moves what is settled from pending to out. pending is compacted
// in place and its vacated tail zeroed, since it may hold a secret's
// value (out holds only what may be passed on).
func (s *streamRewriter) scan(eof bool) error {
	from := 0
	for {
		at, which := -1, -1
		for i, o := range s.olds {
			if j := bytes.Index(s.pending[from:], o); j >= 0 && (at < 0 || j < at) {
				at, which = j, i
			}
		}
		if at < 0 {
			break
		}
		if s.onMatch != nil {
			if err := s.onMatch(which); err != nil {
				return err
			}
		}
		s.out = append(s.out, s.pending[from:from+at]...)
		s.out = append(s.out, s.news[which]...)
		from += at + len(s.olds[which])
	}
	settled := len(s.pending) - from - s.keep
	if eof {
		settled = len(s.pending) - from
	}
	if settled > 0 {
		s.out = append(s.out, s.pending[from:from+settled]...)
		from += settled
	}
	n := copy(s.pending, s.pending[from:])
	clear(s.pending[n:])
	s.pending = s.pending[:n]
	return nil
}

// Close zeroes the buffers, which may hold a secret's value, and closes
// the underlying reader when it is an io.Closer.
func (s *streamRewriter) Close() error {
	clear(s.pending)
	clear(s.out)
	clear(s.buf)
	if c, ok := s.r.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// bodyPrescan is the size up to which a request body is read whole and
// checked for placeholders before anything of the request is sent.
const bodyPrescan = 256 << 10

// guardBody checks r's body for the placeholders of all. A body of up to
// bodyPrescan bytes is read whole and checked first, so a refused request
// never reaches the upstream; a longer one is streamed through scanBody,
// which cuts the request before the placeholder (the upstream then sees
// an incomplete request). It returns the streaming scanner, if any, a
// *leakError, or the error of reading the body.
func guardBody(r *http.Request, all []*secret) (*scannedBody, error) {
	if r.Body == nil || r.Body == http.NoBody || len(all) == 0 {
		return nil, nil
	}
	head, err := io.ReadAll(io.LimitReader(r.Body, bodyPrescan+1))
	if err != nil {
		return nil, err
	}
	if len(head) <= bodyPrescan {
		r.Body.Close()
		for _, sec := range all {
			if bytes.Contains(head, []byte(sec.placeholder)) {
				return nil, &leakError{sec.entry, "body"}
			}
		}
		r.Body, r.ContentLength, r.TransferEncoding = io.NopCloser(bytes.NewReader(head)), int64(len(head)), nil
		return nil, nil
	}
	sb := scanBody(readCloser{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}, all)
	r.Body = sb
	return sb, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// scannedBody is a request body that fails with a *leakError before any
// placeholder would pass; leak reports it afterwards, since net/http does
// not always pass the body's error on unwrapped.
type scannedBody struct {
	io.ReadCloser
	found atomic.Pointer[leakError]
}

func (b *scannedBody) leak() *leakError {
	if b == nil {
		return nil
	}
	return b.found.Load()
}

// scanBody wraps body to refuse the placeholders of secrets; it returns
// nil when there is nothing to scan.
func scanBody(body io.ReadCloser, secrets []*secret) *scannedBody {
	if body == nil || body == http.NoBody || len(secrets) == 0 {
		return nil
	}
	olds := make([][]byte, len(secrets))
	for i, sec := range secrets {
		olds[i] = []byte(sec.placeholder)
	}
	sb := &scannedBody{}
	sb.ReadCloser = newStreamRewriter(body, olds, olds, func(i int) error {
		l := &leakError{secrets[i].entry, "body"}
		sb.found.Store(l)
		return l
	})
	return sb
}

// maskBody returns body wrapped so that masks apply: a response that
// echoes a credential back (an error page quoting the URL) shows the jail
// nothing new.
func maskBody(body io.ReadCloser, masks []pair) io.ReadCloser {
	if body == nil || body == http.NoBody || len(masks) == 0 {
		return body
	}
	olds := make([][]byte, len(masks))
	news := make([][]byte, len(masks))
	for i, m := range masks {
		olds[i], news[i] = m.old, m.new
	}
	return newStreamRewriter(body, olds, news, nil)
}
