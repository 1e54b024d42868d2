package memory

import (
	"context"
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
