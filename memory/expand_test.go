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
		e := expandQuery(tt.query, 0)
		var terms []string
		for _, tm := range e.terms {
			s := tm.text
			if strings.Contains(s, " ") {
				s = `"` + s + `"`
			}
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
	if len(dup.terms) != 1 {
		t.Errorf("duplicates not removed: %v", dup.terms)
	}
}

func TestFTSQuery(t *testing.T) {
	got := ftsQuery([]term{{text: `a"b`}, {text: "東", prefix: true}, {text: "NEAR"}})
	if want := `"a""b" OR "東"* OR "NEAR"`; got != want {
		t.Errorf("ftsQuery = %s, want %s", got, want)
	}
}

func TestPlanQuery(t *testing.T) {
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
