package memory

import (
	"fmt"
	"strings"
	"testing"
)

func TestExpandQuery(t *testing.T) {
	tests := []struct {
		query    string
		lang     Language
		keywords string // joined by "|"
		terms    string // joined by " ", prefix terms with "*"
	}{
		{"what framework do we use?", English, "framework|use", "framework use"},
		{"Remind me: when is my daughter's birthday?", English, "daughter|birthday", "daughter birthday"},
		{"¿Qué base de datos usamos?", Spanish, "base|datos|usamos", "base datos usamos usamo*"},
		{"Qual banco de dados usamos em produção?", Portuguese, "banco|dados|usamos|produção", "banco dados usamos usamo* produção produ*"},
		{"生产环境用的是什么数据库？", Chinese, "生产环境用|数据库", "生产 产环 环境 境用 数据 据库"},
		{"我对什么药过敏？", Chinese, "对|药过敏", "对* 药过 过敏"},
		{"本番のデータベースは何を使っていますか？", Japanese, "本番|データベース|使", "本番 デー ータ タベ ベー ース 使*"},
		{"東京オフィスはどこにありますか？", Japanese, "東京|オフィス", "東京 オフ フィ ィス"},
		{"데이터베이스는 뭐예요?", Korean, "데이터베이스", "데이 이터 터베 베이 이스"},
		{"고객지원 팀은 누가 이끌어요?", Korean, "고객지원|팀|이끌어", "고객 객지 지원 팀* 이끌 끌어"},
		{"ما هي قاعدة البيانات الرئيسية؟", Arabic, "قاعده|البيانات|الرئيسيه", "قاعد بيان رئيس"},
		{"وما هو الموقع؟", Arabic, "الموقع", "موقع"},
		{"what is it?", English, "what|is|it", "what is it"}, // only stopwords: keep them all
		{"PostgreSQL 16", English, "PostgreSQL|16", "PostgreSQL 16"},
	}
	for _, tt := range tests {
		e := expandQuery(tt.query, 0)
		var terms []string
		for _, tm := range e.terms {
			s := tm.text
			if tm.prefix {
				s += "*"
			}
			terms = append(terms, s)
		}
		if e.langs[0] != tt.lang || strings.Join(e.keywords, "|") != tt.keywords || strings.Join(terms, " ") != tt.terms {
			t.Errorf("expandQuery(%q) = %s %q %q, want %s %q %q", tt.query, e.langs[0],
				strings.Join(e.keywords, "|"), strings.Join(terms, " "), tt.lang, tt.keywords, tt.terms)
		}
	}
}

func TestExpandQueryTermLimit(t *testing.T) {
	var words []string
	for i := range 100 {
		words = append(words, fmt.Sprintf("word%d", i))
	}
	q := strings.Join(words, " ")
	if n := len(expandQuery(q, 0).terms); n != DefaultMaxQueryTerms {
		t.Errorf("default limit: %d terms, want %d", n, DefaultMaxQueryTerms)
	}
	if n := len(expandQuery(q, 5).terms); n != 5 {
		t.Errorf("limit 5: %d terms", n)
	}
	dup := expandQuery("deploy deploy DEPLOY deploy", 0)
	if len(dup.terms) != 2 { // "deploy" and "DEPLOY": FTS folds case itself
		t.Errorf("duplicates not removed: %v", dup.terms)
	}
}

func TestFTSQuery(t *testing.T) {
	got := ftsQuery([]term{{text: `a"b`}, {text: "東", prefix: true}, {text: "NEAR"}})
	if want := `"a""b" OR "東"* OR "NEAR"`; got != want {
		t.Errorf("ftsQuery = %s, want %s", got, want)
	}
}
