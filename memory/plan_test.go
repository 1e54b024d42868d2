package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestQueryPlanNotes: the notes count the words a long query left out in
// the singular or the plural.
func TestQueryPlanNotes(t *testing.T) {
	tests := []struct {
		plan QueryPlan
		want []string
	}{
		{QueryPlan{Keywords: []string{"cat"}}, nil},
		{QueryPlan{Keywords: []string{"cat"}, Dropped: []string{"dog"}}, []string{"The query is too long: 1 word was not searched (dog)."}},
		{QueryPlan{Keywords: []string{"cat"}, Dropped: []string{"dog", "owl"}}, []string{"The query is too long: 2 words were not searched (dog, owl)."}},
	}
	for _, tt := range tests {
		if got := tt.plan.Notes(); !slices.Equal(got, tt.want) {
			t.Errorf("%+v: notes %q, want %q", tt.plan, got, tt.want)
		}
	}
}

// TestPlanQueryWordsAndRepeats: a query without words gets its own note,
// and a repeated keyword is listed once.
func TestPlanQueryWordsAndRepeats(t *testing.T) {
	s := openTest(t, Options{})
	p := s.PlanQuery(`" ?!`)
	if notes := p.Notes(); p.Words != 0 || len(notes) != 1 || !strings.Contains(notes[0], "no words") {
		t.Errorf("punctuation: %+v, notes %q", p, notes)
	}
	p = s.PlanQuery("what is it?")
	if notes := p.Notes(); p.Words != 3 || len(notes) != 1 || !strings.Contains(notes[0], "only common words") {
		t.Errorf("stopwords: %+v, notes %q", p, notes)
	}
	p = s.PlanQuery("server to Server SERVER backup")
	if got := strings.Join(p.Keywords, " "); got != "server backup" {
		t.Errorf("keywords %q, want each once", got)
	}
	storeTexts(t, s, "server backup runs nightly")
	rs, err := s.Search(context.Background(), "server to server backup", SearchOptions{})
	if err != nil || len(rs) != 1 || strings.Join(rs[0].Stages.Matched, ",") != "server,backup" || rs[0].Stages.Keywords != 2 {
		t.Errorf("results %+v, %v", rs, err)
	}
}

// TestPlanQuery: the plan shows the FTS5 terms searched and the keywords
// left out by Limits.MaxQueryTerms, which has a default.
func TestPlanQuery(t *testing.T) {
	var words []string
	for i := range 100 {
		words = append(words, fmt.Sprintf("word%d", i))
	}
	if p := openTest(t, Options{}).PlanQuery(strings.Join(words, " ")); len(p.Terms) != DefaultMaxQueryTerms || len(p.Dropped) != 100-DefaultMaxQueryTerms {
		t.Errorf("default limit: %d terms, %d words dropped", len(p.Terms), len(p.Dropped))
	}
	s := openTest(t, Options{Limits: Limits{MaxQueryTerms: 3}})
	p := s.PlanQuery("car staging servers nightly backups")
	if got := strings.Join(p.Terms, " "); got != `"car" "stage" "staging"` {
		t.Errorf("terms %s", got)
	}
	if got := strings.Join(p.Dropped, " "); got != "servers nightly backups" {
		t.Errorf("dropped %q, want the three words beyond the limit", got)
	}
	if p := s.PlanQuery("what is it?"); len(p.Keywords) != 0 || len(p.Terms) != 0 {
		t.Errorf("stopword-only query planned %v", p)
	}
	if p := s.PlanQuery("東京オフィス"); strings.Join(p.Terms, " ") != `"東京" "東" "京"` || strings.Join(p.Dropped, " ") != "オフィス" {
		t.Errorf("CJK terms %v, dropped %v (limit 3)", p.Terms, p.Dropped)
	}
}
