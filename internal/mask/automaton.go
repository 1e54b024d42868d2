package mask

// automaton is an Aho–Corasick automaton (Aho and Corasick, 1975) compiled
// to a deterministic one: every state has a transition for every byte class,
// failure links folded in at build time.
//
// States are numbered so that those where at least one pattern ends come
// last: reaching a state numbered firstMatch or above is the only check the
// scanning loop makes.
type automaton struct {
	// class maps a byte to its class: 0 for bytes in no pattern, else 1 to
	// classes-1.
	class [256]uint8
	// classes is the number of byte classes, the width of a delta row.
	classes int32
	// delta holds one row of classes entries per state; an entry is the
	// next state's row offset (state number times classes).
	delta []int32
	// firstMatch is the row offset of the first state where a pattern ends.
	firstMatch int32
	// ends[s-firstMatch/classes] lists the lengths of the patterns ending
	// in match state s, longest first.
	ends [][]int32
	// live[s] is the length of the longest suffix of the text read so far
	// that is a proper prefix of some pattern, when the automaton is in
	// state s: no occurrence still in progress starts earlier.
	live []int32
	// longest is the length of the longest pattern.
	longest int
}

// compile builds the automaton for patterns, none of them empty. It returns
// nil when there are none.
func compile(patterns [][]byte) *automaton {
	if len(patterns) == 0 {
		return nil
	}
	a := &automaton{}
	var used [256]bool
	size := 1
	for _, p := range patterns {
		for _, c := range p {
			used[c] = true
		}
		a.longest = max(a.longest, len(p))
		size += len(p)
	}
	a.classes = 1
	for c := range 256 {
		if used[c] {
			a.class[c] = uint8(a.classes)
			a.classes++
		}
	}
	nc := a.classes

	// The keyword trie: node u's child for class k is next[u*nc+k], 0
	// meaning none (the root is nobody's child). Its nodes number about a
	// quarter of the pattern bytes, the forms of a value sharing prefixes.
	next := make([]int32, nc, int(nc)*(size/4+1))
	depth := make([]int32, 1, size)
	terminal := make([]bool, 1, size)
	for _, p := range patterns {
		u := int32(0)
		for _, c := range p {
			k := u*nc + int32(a.class[c])
			if next[k] == 0 {
				next[k] = int32(len(depth))
				next = append(next, make([]int32, nc)...)
				depth = append(depth, depth[u]+1)
				terminal = append(terminal, false)
			}
			u = next[k]
		}
		terminal[u] = true
	}
	n := len(depth)

	// Breadth-first: failure links, full transitions, pattern ends and
	// live prefixes, each from the node's failure target, already done.
	fail := make([]int32, n)
	ends := make([][]int32, n)
	live := make([]int32, n)
	order := make([]int32, 1, n)
	for i := 0; i < len(order); i++ {
		u := order[i]
		f := fail[u]
		if terminal[u] {
			ends[u] = []int32{depth[u]}
		}
		if u != 0 {
			ends[u] = append(ends[u], ends[f]...)
			live[u] = live[f]
		}
		row, frow := next[u*nc:(u+1)*nc], next[f*nc:(f+1)*nc]
		hasChild := false
		for k, v := range row {
			switch {
			case v != 0:
				hasChild = true
				if u != 0 {
					fail[v] = frow[k]
				}
				order = append(order, v)
			case u != 0:
				row[k] = frow[k]
			}
		}
		if hasChild {
			live[u] = depth[u]
		}
	}

	// Number non-match states first, in breadth-first order (the root
	// stays 0), then match states.
	number := make([]int32, n)
	count := int32(0)
	for pass := range 2 {
		for _, u := range order {
			if (len(ends[u]) > 0) == (pass == 1) {
				number[u] = count
				count++
			}
		}
		if pass == 0 {
			a.firstMatch = count * nc
		}
	}
	a.delta = make([]int32, len(next))
	a.live = make([]int32, n)
	a.ends = make([][]int32, n-int(a.firstMatch/nc))
	for u := range int32(n) {
		row := number[u] * nc
		for k, v := range next[u*nc : (u+1)*nc] {
			a.delta[row+int32(k)] = number[v] * nc
		}
		a.live[number[u]] = live[u]
		if row >= a.firstMatch {
			a.ends[(row-a.firstMatch)/nc] = ends[u]
		}
	}
	clear(next)
	return a
}
