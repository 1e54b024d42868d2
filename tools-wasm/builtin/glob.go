package builtin

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// maxAlternatives bounds how many patterns brace expansion may produce.
const maxAlternatives = 64

// glob is a compiled find pattern or grep glob filter. The syntax is that of
// path.Match within one path element ('*', '?', '[...]', '\' escapes), plus
// '**' as a whole element matching zero or more directories and '{a,b}'
// alternatives, as in bash and gitignore(5). An alternative without '/'
// matches the last element of a path at any depth.
type glob struct {
	alts []globAlt
}

// globAlt is one brace-expanded alternative split into path elements.
type globAlt struct {
	elems    []string
	basename bool
}

// compileGlob checks and compiles pattern, which is relative to the search
// directory.
func compileGlob(pattern string) (*glob, error) {
	if pattern == "" {
		return nil, errors.New("pattern is empty")
	}
	if path.IsAbs(pattern) {
		return nil, fmt.Errorf("pattern %q is absolute; patterns are relative to path, so pass the directory as path", pattern)
	}
	expanded, err := expandBraces(pattern)
	if err != nil {
		return nil, err
	}
	g := &glob{}
	for _, p := range expanded {
		p = path.Clean(p)
		if p == ".." || strings.HasPrefix(p, "../") {
			return nil, fmt.Errorf("pattern %q leaves the search directory", pattern)
		}
		elems := strings.Split(p, "/")
		for _, e := range elems {
			if _, err := path.Match(e, ""); err != nil {
				return nil, fmt.Errorf("pattern %q: malformed element %q", pattern, e)
			}
		}
		g.alts = append(g.alts, globAlt{elems: elems, basename: !strings.Contains(p, "/")})
	}
	return g, nil
}

// match reports whether rel, a slash-separated path relative to the search
// directory, matches the pattern.
func (g *glob) match(rel string) bool {
	elems := strings.Split(rel, "/")
	for _, a := range g.alts {
		if a.basename && matchElems(a.elems, elems[len(elems)-1:]) || !a.basename && matchElems(a.elems, elems) {
			return true
		}
	}
	return false
}

// matchElems matches path elements against pattern elements, where "**"
// matches any number of elements, including none.
func matchElems(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for len(pat) > 0 && pat[0] == "**" {
				pat = pat[1:]
			}
			for i := 0; i <= len(name); i++ {
				if matchElems(pat, name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// expandBraces expands the first top-level "{a,b,...}" group of p and,
// recursively, the groups in each result. A '{' without a matching '}' or
// without a comma is literal. It fails if more than maxAlternatives patterns
// would result.
func expandBraces(p string) ([]string, error) {
	open, end, parts := braceGroup(p)
	if open < 0 {
		return []string{p}, nil
	}
	var out []string
	for _, part := range parts {
		sub, err := expandBraces(p[:open] + part + p[end+1:])
		if err != nil {
			return nil, err
		}
		out = append(out, sub...)
		if len(out) > maxAlternatives {
			return nil, fmt.Errorf("pattern %q expands to more than %d alternatives", p, maxAlternatives)
		}
	}
	return out, nil
}

// braceGroup finds the first brace group in p with at least one top-level
// comma. It returns the indexes of its braces and its comma-separated parts,
// or open -1 if there is none.
func braceGroup(p string) (open, end int, parts []string) {
	for open = 0; open < len(p); open++ {
		if p[open] != '{' {
			continue
		}
		depth, start := 0, open+1
		parts = parts[:0]
		for end = open; end < len(p); end++ {
			switch p[end] {
			case '{':
				depth++
			case '}':
				depth--
			case ',':
				if depth == 1 {
					parts = append(parts, p[start:end])
					start = end + 1
				}
			}
			if depth == 0 {
				break
			}
		}
		if depth == 0 && len(parts) > 0 {
			return open, end, append(parts, p[start:end])
		}
	}
	return -1, 0, nil
}
