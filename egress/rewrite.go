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

// injectRequest replaces, in r's headers and URL query, the placeholders
// of the secrets in allowed by their values, and then looks for any
// placeholder of all that remains (in header names and values, Basic
// credentials, the path and the query, raw and percent-decoded). It
// returns the entries injected, sorted, or a *leakError.
func injectRequest(r *http.Request, allowed, all []*secret) ([]string, error) {
	used := map[string]bool{}
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
		if sec := findPlaceholder(name, all); sec != nil {
			return nil, &leakError{sec.entry, "header name " + name}
		}
		for i, v := range values {
			v = replace(v)
			if basic, ok := basicCredentials(v); ok && findPlaceholder(basic, all) != nil {
				basic = replace(basic)
				if sec := findPlaceholder(basic, all); sec != nil {
					return nil, &leakError{sec.entry, "header " + name + " (Basic credentials)"}
				}
				v = "Basic " + base64.StdEncoding.EncodeToString([]byte(basic))
			}
			if sec := findPlaceholder(v, all); sec != nil {
				return nil, &leakError{sec.entry, "header " + name}
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
				return nil, &leakError{sec.entry, part.where}
			}
		}
	}
	entries := make([]string, 0, len(used))
	for e := range used {
		entries = append(entries, e)
	}
	sort.Strings(entries)
	return entries, nil
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

// maskHeader replaces every secret value in h's values by its placeholder.
func maskHeader(h http.Header, secrets []*secret) {
	for _, values := range h {
		for i, v := range values {
			for _, sec := range secrets {
				if strings.Contains(v, string(sec.value)) {
					v = strings.ReplaceAll(v, string(sec.value), sec.placeholder)
				}
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

// scan moves what is settled from pending to out.
func (s *streamRewriter) scan(eof bool) error {
	for {
		at, which := -1, -1
		for i, o := range s.olds {
			if j := bytes.Index(s.pending, o); j >= 0 && (at < 0 || j < at) {
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
		s.out = append(s.out, s.pending[:at]...)
		s.out = append(s.out, s.news[which]...)
		s.pending = s.pending[at+len(s.olds[which]):]
	}
	settled := len(s.pending) - s.keep
	if eof {
		settled = len(s.pending)
	}
	if settled > 0 {
		s.out = append(s.out, s.pending[:settled]...)
		s.pending = append(s.pending[:0], s.pending[settled:]...)
	}
	return nil
}

// Close closes the underlying reader when it is an io.Closer.
func (s *streamRewriter) Close() error {
	clear(s.pending)
	clear(s.out)
	if c, ok := s.r.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// scanBody returns body wrapped so that reading fails with a *leakError
// before any placeholder of secrets would pass.
func scanBody(body io.ReadCloser, secrets []*secret) io.ReadCloser {
	if body == nil || body == http.NoBody || len(secrets) == 0 {
		return body
	}
	olds := make([][]byte, len(secrets))
	for i, sec := range secrets {
		olds[i] = []byte(sec.placeholder)
	}
	return newStreamRewriter(body, olds, olds, func(i int) error {
		return &leakError{secrets[i].entry, "body"}
	})
}

// maskBody returns body wrapped so that every secret value reads as its
// placeholder: a response that echoes a credential back (an error page
// quoting the URL) shows the jail nothing new.
func maskBody(body io.ReadCloser, secrets []*secret) io.ReadCloser {
	if body == nil || body == http.NoBody || len(secrets) == 0 {
		return body
	}
	olds := make([][]byte, len(secrets))
	news := make([][]byte, len(secrets))
	for i, sec := range secrets {
		olds[i], news[i] = sec.value, []byte(sec.placeholder)
	}
	return newStreamRewriter(body, olds, news, nil)
}
