package memory

import (
	"context"
	"fmt"
	"testing"

	"github.com/bulkhead-dev/bulkhead/memory/internal/textindex"
)

func TestKeywordBM25Order(t *testing.T) {
	s := openTest(t, Options{})
	ids := storeTexts(t, s,
		"apple pie recipe from grandma",
		"apple banana smoothie",
		"banana bread",
		"the apple orchard is near the river and the apple trees are old",
	)
	hits, pruned, err := keywordSearch(context.Background(), s.st, textindex.Expand("apple banana", 0).Terms, 10, 100)
	if err != nil || pruned {
		t.Fatal(err, pruned)
	}
	if len(hits) != 4 || hits[0].id != ids[1] {
		t.Fatalf("hits %+v: want the memory with both terms (%d) first", hits, ids[1])
	}
	for i := 1; i < len(hits); i++ {
		if hits[i].bm25 > hits[i-1].bm25 || hits[i].bm25 <= 0 {
			t.Fatalf("scores not positive and descending: %+v", hits)
		}
	}
	if hits, _, _ := keywordSearch(context.Background(), s.st, textindex.Expand("apple", 0).Terms, 2, 100); len(hits) != 2 {
		t.Errorf("k=2 returned %d hits", len(hits))
	}
}

// TestKeywordBudget checks the pruning of common terms: with a budget of 5
// rows, a query whose common term matches 30 memories still finds the one
// old memory holding its rare term.
func TestKeywordBudget(t *testing.T) {
	s := openTest(t, Options{})
	target := storeTexts(t, s, "the zanzibar server has a common configuration")[0]
	var many []string
	for i := range 30 {
		many = append(many, fmt.Sprintf("common configuration note %d", i))
	}
	storeTexts(t, s, many...)
	terms := textindex.Expand("zanzibar common", 0).Terms
	// Budget 5: a small store for it, scored first then counted. Budget 1:
	// 31 memories exceed probeFactor·1, so counted first.
	for _, budget := range []int{5, 1} {
		hits, pruned, err := keywordSearch(context.Background(), s.st, terms, 10, budget)
		if err != nil {
			t.Fatal(err)
		}
		if !pruned || len(hits) != 1 || hits[0].id != target {
			t.Fatalf("budget %d: pruned=%v hits=%+v, want only the zanzibar memory %d", budget, pruned, hits, target)
		}
	}
	// A single term over budget: its newest rows are scored, no more.
	hits, pruned, err := keywordSearch(context.Background(), s.st, textindex.Expand("configuration", 0).Terms, 50, 5)
	if err != nil || !pruned || len(hits) != 5 {
		t.Fatalf("single common term: pruned=%v %d hits, err %v; want 5", pruned, len(hits), err)
	}
	// Within budget nothing is pruned.
	if _, pruned, _ := keywordSearch(context.Background(), s.st, terms, 10, 100); pruned {
		t.Error("pruned within budget")
	}
}

// TestKeywordHostileQueries feeds FTS5 query syntax through Search: it must
// be searched as text, never parsed.
func TestKeywordHostileQueries(t *testing.T) {
	s := openTest(t, Options{})
	storeTexts(t, s, "NEAR the body of water", "quoted \"text\" here")
	for _, q := range []string{`"`, `*`, `NEAR(a b)`, `body:water`, `^near`, `a AND OR NOT b`, `)(`, `"quoted`, `-x +y`, `{body}: water`} {
		if _, err := s.Search(context.Background(), q, SearchOptions{}); err != nil {
			t.Errorf("Search(%q): %v", q, err)
		}
	}
	rs, err := s.Search(context.Background(), "body:water", SearchOptions{})
	if err != nil || len(rs) != 1 {
		t.Fatalf("body:water found %d, %v; want the water memory", len(rs), err)
	}
}

func TestFTSQuery(t *testing.T) {
	got := ftsQuery([]textindex.Term{{Text: `a"b`}, {Text: "東", Prefix: true}, {Text: "NEAR"}})
	if want := `"a""b" OR "東"* OR "NEAR"`; got != want {
		t.Errorf("ftsQuery = %s, want %s", got, want)
	}
}
