package textindex

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
		{"When are the deployments?", English, "deployments", "deploy deployments"},
		{"Remind me: when is my daughter's birthday?", English, "daughter|birthday", "daughter birthday"},
		{"¿Qué base de datos usamos?", Spanish, "base|datos|usamos", "bas base dat datos dato usam usamos usamo usa*"},
		{"¿qué framework usamos?", Spanish, "framework|usamos", "framework frame* usam usamos usamo usa*"},
		{"Qual banco de dados usamos em produção?", Portuguese, "banco|dados|usamos|produção", "banc banco dad dados dado usam usamos usamo usa* produçã produção produ*"},
		{"生产环境用的是什么数据库？", Chinese, "生产环境用|数据库", "生产 产环 环境 境用 数据 据库 数 据 库"},
		{"我对什么药过敏？", Chinese, "对|药过敏", "对 药过 过敏 药 过 敏"},
		{"本番のデータベースは何を使っていますか？", Japanese, "本番|データベース|使", `本番 本 番 "デー ータ タベ ベー ース" 使`},
		{"我们用什么框架？", Chinese, "用|框架", "用 框架 框 架"},
		{"東京オフィスはどこにありますか？", Japanese, "東京|オフィス", `東京 東 京 "オフ フィ ィス"`},
		{"데이터베이스는 뭐예요?", Korean, "데이터베이스", "데이 이터 터베 베이 이스"},
		{"고객지원 팀은 누가 이끌어요?", Korean, "고객지원|팀|이끌어", "고객 객지 지원 팀* 이끌 끌어"},
		{"ما هي قاعدة البيانات الرئيسية؟", Arabic, "قاعدة|البيانات|الرئيسية", "قاعد بيان رييس"},
		{"ما الإطار الذي نستخدمه؟", Arabic, "الإطار|نستخدمه", "اطار استخدم"},
		{"وما هو الموقع؟", Arabic, "الموقع", "موقع"},
		{"what is it?", English, "", ""}, // only stopwords: nothing to search for
		{"PostgreSQL 16", English, "PostgreSQL|16", "postgresql 16"},
		{"🚀 launch", English, "🚀|launch", "u1f680 launch"},
	}
	for _, tt := range tests {
		e := Expand(tt.query, 0)
		var terms []string
		for _, tm := range e.Terms {
			s := tm.Text
			if strings.Contains(s, " ") {
				s = `"` + s + `"`
			}
			if tm.Prefix {
				s += "*"
			}
			terms = append(terms, s)
		}
		if e.Languages[0] != tt.lang || strings.Join(e.Keywords, "|") != tt.keywords || strings.Join(terms, " ") != tt.terms {
			t.Errorf("Expand(%q) = %s %q %q, want %s %q %q", tt.query, e.Languages[0],
				strings.Join(e.Keywords, "|"), strings.Join(terms, " "), tt.lang, tt.keywords, tt.terms)
		}
	}
}

func TestExpandTermLimit(t *testing.T) {
	var words []string
	for i := range 100 {
		words = append(words, fmt.Sprintf("word%d", i))
	}
	q := strings.Join(words, " ")
	if e := Expand(q, 0); len(e.Terms) != 100 || len(e.Dropped) != 0 || len(e.Searched) != 100 {
		t.Errorf("no limit: %d terms, %d keywords dropped", len(e.Terms), len(e.Dropped))
	}
	e := Expand(q, 5)
	if len(e.Terms) != 5 || len(e.Dropped) != 95 || e.Dropped[0] != "word5" || len(e.Searched) != 5 {
		t.Errorf("limit 5: %d terms, %d dropped (first %q)", len(e.Terms), len(e.Dropped), e.Dropped[0])
	}
	dup := Expand("deploy deploy DEPLOY deploy", 0)
	if len(dup.Terms) != 1 || len(dup.Keywords) != 1 || dup.Words != 4 {
		t.Errorf("duplicates not removed: %+v", dup)
	}
}
