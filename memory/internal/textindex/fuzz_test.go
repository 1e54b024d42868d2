package textindex

import (
	"sync"
	"testing"
)

// reproducibleSeeds are texts of every script and token kind the analysis
// treats apart, plus invalid UTF-8.
var reproducibleSeeds = []string{
	"Deployments happen on Fridays after the standup.",
	"set maxRetries in HTTPServer, PostgreSQL 16",
	"¿Qué base de datos usamos? Lucía vive en Madrid.",
	"Qual banco de dados usamos em produção?",
	"我们的前端使用Vue 3和Vite构建。",
	"東京オフィスは渋谷駅から徒歩五分の場所にあります。",
	"운영 데이터베이스는 PostgreSQL이며 AWS 서울 리전에 있습니다.",
	"ما الإطار الذي نستخدمه؟ والمشروع كـتـاب ٢٠٢٤",
	"ΑΘΗΝΑ Σίσυφος, η Θεσσαλονίκη",
	"Launch day 🚀🔥️ and ✈",
	"cafe\u0301 a\u200bb \u202eevil",
	"\xff\xfe bad \xc3 bytes",
	"",
}

// resetStemCache empties the stem cache, as filling it does.
func resetStemCache() {
	stemCache.Lock()
	clear(stemCache.m)
	stemCache.Unlock()
}

// FuzzIndexReproducible checks that Index is a function of its text alone:
// called again, with the stem cache cold or warm, and from several
// goroutines at once while the cache is being emptied, it returns the same
// string. Deleting a row from the full-text index names the row's terms,
// computed again from its text (see the memory package's unindex), so any
// difference would leave terms, and so text, behind.
func FuzzIndexReproducible(f *testing.F) {
	for _, s := range reproducibleSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		want := Index(text)
		if got := Index(text); got != want {
			t.Fatalf("Index(%q) twice: %q, then %q", text, want, got)
		}
		resetStemCache()
		if got := Index(text); got != want {
			t.Fatalf("Index(%q) with a cold stem cache: %q, want %q", text, got, want)
		}
		const workers = 4
		got := make([]string, workers)
		var wg sync.WaitGroup
		for i := range workers {
			wg.Go(func() { got[i] = Index(text) })
		}
		wg.Go(resetStemCache)
		wg.Wait()
		for i, g := range got {
			if g != want {
				t.Fatalf("Index(%q) in goroutine %d: %q, want %q", text, i, g, want)
			}
		}
	})
}
