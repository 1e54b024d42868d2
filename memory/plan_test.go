package memory

import (
	"slices"
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
