package memory

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// storeTagged stores text with tags and returns its id.
func storeTagged(t *testing.T, s *Store, text string, tags ...string) int64 {
	t.Helper()
	m, err := s.Store(context.Background(), NewMemory{Text: text, Tags: tags})
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// TestListTag: List with a Tag keeps exactly the memories that have it.
func TestListTag(t *testing.T) {
	s := openTest(t, Options{DisableBackfill: true})
	ops := storeTagged(t, s, "restart the queue", "ops")
	both := storeTagged(t, s, "roll back a release", "deploy", "ops")
	storeTagged(t, s, "ops is a word in the text, not a tag", "opsx")
	storeTagged(t, s, "no tags at all")
	ctx := context.Background()
	for tag, want := range map[string][]int64{"ops": {both, ops}, "deploy": {both}, "op": nil, "": nil} {
		ms, err := s.List(ctx, ListOptions{Tag: tag})
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, m := range ms {
			got = append(got, m.ID)
		}
		if tag == "" {
			if len(got) != 4 {
				t.Errorf("no tag: %d memories, want all 4", len(got))
			}
			continue
		}
		if !slices.Equal(got, want) {
			t.Errorf("tag %q: ids %v, want %v", tag, got, want)
		}
	}
}

// TestSearchTag: Search with a Tag ranks only the tagged memories, in both
// stages, so a tagged memory that unfiltered search would leave out of its
// candidates is found.
func TestSearchTag(t *testing.T) {
	es := newEmbedServer(t, 64)
	s := openTest(t, Options{Embedder: es.embedder(t, "m"), DisableBackfill: true})
	for i := range 40 {
		storeTagged(t, s, fmt.Sprintf("deploy train %d", i))
	}
	tagged := storeTagged(t, s, "the deploy train checklist lists many other steps: freeze, announce, verify, tag, build, publish, watch", "ops")
	ctx := context.Background()
	all, err := s.Search(ctx, "deploy train", SearchOptions{MaxResults: 20, KeywordOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		if r.ID == tagged {
			t.Fatalf("precondition: the tagged memory ranks among the top 20 keyword hits (%+v)", r.Stages)
		}
	}
	rs, err := s.Search(ctx, "deploy train", SearchOptions{Tag: "ops"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].ID != tagged || rs[0].Stages.KeywordRank != 1 || rs[0].Stages.VectorRank != 1 {
		t.Fatalf("tag ops: %+v, want only memory %d, first in both stages", rs, tagged)
	}
	if rs, err := s.Search(ctx, "deploy train", SearchOptions{Tag: "nobody"}); err != nil || len(rs) != 0 {
		t.Fatalf("unused tag: %v, %v", rs, err)
	}
}
