package memory

import (
	"context"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/memory/internal/textindex"
)

// TestConversationalWordForms checks, keyword-only, that a question finds
// the fact it asks about when its words differ in form from the fact's
// (conjugation, plural, compound), the cases a review found missing. Each
// question searches a store of its fact and near misses in its language.
func TestConversationalWordForms(t *testing.T) {
	tests := []struct {
		query, fact string
		others      []string
	}{
		{"¿qué framework usamos?", "El proyecto usa React y TypeScript.", []string{
			"La reunión semanal es los lunes a las diez.",
			"Los usuarios nuevos reciben un correo de bienvenida.", // "usuarios" shares a prefix with "usamos"
		}},
		{"¿Qué usan en el proyecto?", "El proyecto usa React y TypeScript.", []string{
			"La reunión semanal es los lunes a las diez.",
		}},
		{"qual framework usamos?", "O projeto usa React e TypeScript.", []string{
			"A equipe de suporte responde em até duas horas.",
			"Os usuários novos recebem um e-mail de boas-vindas.",
		}},
		{"狗叫什么？", "邻居的狗名叫旺财。", []string{ // 狗叫 is two words the fact writes apart
			"车停在地下二层B2区。",
			"我们每周五下午开会。",
		}},
		{"我们用什么框架？", "项目使用React和TypeScript。", []string{
			"我们每周五下午开会。",
			"客户支持团队两小时内回复。",
		}},
		{"ما الإطار الذي نستخدمه؟", "المشروع يستخدم React و TypeScript.", []string{
			"يعقد الفريق اجتماعا كل يوم أحد.",
			"الخادم التجريبي يعاد بناؤه كل ليلة.",
		}},
		{"when do we deploy?", "Deployments happen on Fridays after the standup.", []string{
			"The staging server is rebuilt every night.",
		}},
		{"what deployment days do we have?", "Deployments happen on Fridays after the standup.", []string{
			"The staging server is rebuilt every night.",
		}},
		{"どのフレームワークを使っていますか？", "プロジェクトはReactとTypeScriptを使っています。", []string{
			"アリスはチームリーダーです。", // shares the bigram ーム with フレームワーク
			"毎週金曜日にリリースします。",
		}},
		{"어떤 프레임워크를 사용해요?", "프로젝트는 React와 TypeScript를 사용합니다.", []string{
			"팀 회의는 매주 월요일입니다.",
		}},
		{"🚀", "Launch day is marked 🚀 in the team calendar.", []string{
			"The team calendar lives in the shared drive.",
		}},
		// A name or word in the memory is found even when the query is read
		// in another language than the memory (one word: no evidence).
		{"Madrid", "Lucía trabaja como ingeniera de datos en Madrid.", []string{
			"Carlos vive en Barcelona desde 2019.",
		}},
		{"universidades", "Visitamos tres universidades en México.", []string{
			"La conferencia es en diciembre.",
		}},
		{"Lisboa", "O João mora em Lisboa desde 2020.", []string{
			"A Maria trabalha no Porto.",
		}},
		// A Romance prefix must not reach the stopword "como" or "example.com".
		{"¿qué comida le gusta a Ana?", "A Ana le gusta la comida tailandesa.", []string{
			"Lucía trabaja como ingeniera de datos.",
			"El correo de soporte es help@example.com.",
		}},
		// An exact word ranks above a word with the same stem.
		{"¿de qué color es la casa?", "La casa es de color azul.", []string{
			"El caso del cliente está cerrado; el color del logo es rojo.",
		}},
		{"where is maxRetries set?", "max_retries is set to 5 in config.yaml.", []string{
			"The retry budget is documented in the README.",
		}},
	}
	for _, tt := range tests {
		s := openTest(t, Options{})
		ids := storeTexts(t, s, append([]string{tt.fact}, tt.others...)...)
		rs, err := s.Search(context.Background(), tt.query, SearchOptions{})
		if err != nil {
			t.Fatalf("%q: %v", tt.query, err)
		}
		if len(rs) == 0 || rs[0].ID != ids[0] {
			var got []string
			for _, r := range rs {
				got = append(got, r.Text)
			}
			t.Errorf("%q: results %q, want %q first (terms %v)", tt.query, got, tt.fact, textindex.Expand(tt.query, DefaultMaxQueryTerms).Terms)
		}
	}
}

// TestKatakanaWordIsPhrase checks that a Katakana loanword in a question
// matches only memories holding the whole word, not ones sharing one of its
// bigrams (ーム of フレームワーク in チーム).
func TestKatakanaWordIsPhrase(t *testing.T) {
	s := openTest(t, Options{})
	ids := storeTexts(t, s, "アリスはチームリーダーです。", "フレームワークはReactです。")
	rs, err := s.Search(context.Background(), "どのフレームワークですか？", SearchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].ID != ids[1] {
		t.Errorf("results %v, want only memory %d", rs, ids[1])
	}
}

// TestStopwordOnlyQuery checks that a question without content words finds
// nothing rather than every memory sharing its function words.
func TestStopwordOnlyQuery(t *testing.T) {
	s := openTest(t, Options{})
	storeTexts(t, s, "What is it that the team does on Fridays?", "¿Qué es lo que hay?", "这是什么？")
	for _, q := range []string{"what is it?", "¿qué es lo que hay?", "这是什么？", "is it the?"} {
		rs, err := s.Search(context.Background(), q, SearchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 0 {
			t.Errorf("%q found %d results, want none", q, len(rs))
		}
	}
}

// TestMatchedKeywords checks that a result says which of the query's
// keywords it contains, so that a weak best hit shows as one, the same
// for a memory analysed in Go and for one too long for that (over
// maxMatchedText), whose keywords the full-text index reports.
func TestMatchedKeywords(t *testing.T) {
	tests := []struct {
		query, want string
		keywords    int
	}{
		{"what framework do we use?", "use", 2},
		{"which React framework?", "React", 2},
		{"どのフレームワークですか？", "フレームワーク", 1},
		{"¿qué usamos?", "usamos", 1},
	}
	long := strings.Repeat("zzfill ", maxMatchedText/7+1)
	for name, pad := range map[string]string{"short": "", "long": long} {
		s := openTest(t, Options{})
		storeTexts(t, s, pad+"Project uses React and TypeScript.", "フレームワークはReactです。"+pad, pad+"El equipo usa Go.")
		for _, tt := range tests {
			rs, err := s.Search(context.Background(), tt.query, SearchOptions{})
			if err != nil || len(rs) == 0 {
				t.Fatalf("%s %q: %v, %v", name, tt.query, rs, err)
			}
			st := rs[0].Stages
			if strings.Join(st.Matched, ",") != tt.want || st.Keywords != tt.keywords {
				t.Errorf("%s %q: matched %v of %d, want %s of %d", name, tt.query, st.Matched, st.Keywords, tt.want, tt.keywords)
			}
		}
		var b strings.Builder
		rs, _ := s.Search(context.Background(), "what framework do we use?", SearchOptions{})
		FormatResults(&b, rs[:1], 0)
		if !strings.Contains(b.String(), "· matched 1/2: use]") {
			t.Errorf("%s formatted: %.300s", name, b.String())
		}
	}
}

// TestGreekFolding: Greek words match whatever their case, tonos and final
// sigma, which the unicode61 tokenizer alone does not fold.
func TestGreekFolding(t *testing.T) {
	s := openTest(t, Options{})
	storeTexts(t, s, "ΑΘΗΝΑ Σίσυφος", "Η Θεσσαλονίκη είναι πόλη")
	for query, want := range map[string]string{
		"σισυφος": "ΑΘΗΝΑ Σίσυφος", "Σισυφος": "ΑΘΗΝΑ Σίσυφος", "ΣΙΣΥΦΟΣ": "ΑΘΗΝΑ Σίσυφος", "σίσυφος": "ΑΘΗΝΑ Σίσυφος",
		"αθήνα": "ΑΘΗΝΑ Σίσυφος", "θεσσαλονικη": "Η Θεσσαλονίκη είναι πόλη", "ΠΟΛΗ": "Η Θεσσαλονίκη είναι πόλη",
	} {
		rs, err := s.Search(context.Background(), query, SearchOptions{})
		if err != nil || len(rs) != 1 || rs[0].Text != want {
			t.Errorf("%q: %d results, %v; want %q", query, len(rs), err, want)
		}
	}
}
