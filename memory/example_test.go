package memory_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bulkhead-dev/bulkhead/memory"
)

// A keyword-only store: a conversational question finds the fact that
// answers it.
func ExampleStore_Search() {
	dir, _ := os.MkdirTemp("", "memory-example")
	defer os.RemoveAll(dir)
	s, err := memory.Open(filepath.Join(dir, "memory.db"), memory.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	ctx := context.Background()
	for _, fact := range []string{
		"Project uses React and TypeScript",
		"The staging database is PostgreSQL 16",
		"Deploys happen on Thursdays",
	} {
		s.Store(ctx, memory.NewMemory{Text: fact, Source: memory.SourceAgent})
	}
	results, _ := s.Search(ctx, "what framework do we use?", memory.SearchOptions{MaxResults: 1})
	for _, r := range results {
		fmt.Println(r.Text)
	}
	// Output: Project uses React and TypeScript
}

func ExampleDetectLanguage() {
	for _, s := range []string{
		"What framework do we use?",
		"¿Qué base de datos usamos?",
		"Qual banco de dados usamos em produção?",
		"我们用什么数据库？",
		"本番のデータベースは何ですか？",
		"데이터베이스는 뭐예요?",
		"ما هي قاعدة البيانات؟",
	} {
		fmt.Println(memory.DetectLanguage(s))
	}
	// Output:
	// en
	// es
	// pt
	// zh
	// ja
	// ko
	// ar
}
