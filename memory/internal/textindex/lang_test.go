package textindex

import "testing"

func TestDetectLanguage(t *testing.T) {
	tests := []struct {
		text string
		want Language
	}{
		{"The production database runs PostgreSQL 16 on a dedicated host.", English},
		{"Remind me what the user said about the deadline", English},
		{"La reunión semanal de ventas es los lunes a las diez.", Spanish},
		{"¿Cuándo caduca el dominio de la tienda?", Spanish},
		{"Mañana el niño va al médico", Spanish},
		{"O atendimento ao cliente funciona vinte e quatro horas por dia.", Portuguese},
		{"Quando vence o aluguel do apartamento?", Portuguese},
		{"A aplicação não está disponível", Portuguese},
		{"我们的前端使用Vue 3和Vite构建。", Chinese},
		{"公司总部在哪里？", Chinese},
		{"東京オフィスは渋谷駅から徒歩五分の場所にあります。", Japanese},
		{"給料日はいつですか？", Japanese},
		{"テスト", Japanese},
		{"운영 데이터베이스는 PostgreSQL이며 AWS 서울 리전에 있습니다.", Korean},
		{"고양이 이름이 뭐야?", Korean},
		{"قاعدة البيانات الرئيسية هي SQL Server في مركز بيانات دبي.", Arabic},
		{"متى موعد طبيب الأسنان؟", Arabic},
		{"PostgreSQL 16", English}, // no evidence: English
		{"", English},
	}
	for _, tt := range tests {
		if got := DetectLanguage(tt.text); got != tt.want {
			t.Errorf("DetectLanguage(%q) = %s, want %s", tt.text, got, tt.want)
		}
	}
}

func TestDetectLanguagesTies(t *testing.T) {
	// "de" and "que" are Spanish and Portuguese stopwords alike.
	got := detectLanguages("dados de que", tokenize("dados de que"))
	if len(got) != 2 || got[0] != Spanish || got[1] != Portuguese {
		t.Fatalf("detectLanguages = %v, want [es pt]", got)
	}
}
