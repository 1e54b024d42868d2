package textindex

import (
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want string // kind:text tokens joined by spaces
	}{
		{"Project uses React 18.", "w:Project w:uses w:React w:18"},
		{"node_modules/v1.2", "w:node w:modules w:v1 w:2"},
		{"東京都の事務所", "c:東京都の事務所"},
		{"React를 사용합니다", "w:React c:를 c:사용합니다"},
		{"Vue 3和Vite构建。", "w:Vue w:3 c:和 w:Vite c:构建"},
		{"مُحَمَّد café", "a:مُحَمَّد w:café"},
		{"フレームワーク", "c:フレームワーク"},
		{"go 🚀️!", "w:go s:🚀️"},
		{"", ""},
	}
	kinds := map[tokenKind]string{wordToken: "w", cjkToken: "c", arabicToken: "a", symbolToken: "s"}
	for _, tt := range tests {
		var got []string
		for _, tok := range tokenize(tt.in) {
			got = append(got, kinds[tok.kind]+":"+tok.text)
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("tokenize(%q) = %q, want %q", tt.in, strings.Join(got, " "), tt.want)
		}
	}
}

func TestBigrams(t *testing.T) {
	tests := map[string]string{
		"東京都":    "東京 京都",
		"日":      "日",
		"데이터베이스": "데이 이터 터베 베이 이스",
		"ab":     "ab",
	}
	for in, want := range tests {
		if got := strings.Join(bigrams(in), " "); got != want {
			t.Errorf("bigrams(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIndexText(t *testing.T) {
	tests := map[string]string{
		"Project uses React":            "project use uses react",
		"Deployments happen on Fridays": "deploy deployments happen on friday fridays",
		"우리 프로젝트는 React를":               "우리 프로 로젝 젝트 트는 react 를", // no Han: no unigrams
		"東京都の事務所":                       "東京 京都 都の の事 事務 務所 東 京 都 事 務 所",
		"项目使用React":                     "项目 目使 使用 react 项 目 使 用",
		"والكتاب الجديد":                "كتاب جديد",
		"Configuración del servidor":    "configur configuración del servidor",
		"El proyecto usa React":         "el proyect proyecto usa react",
		"set maxRetries in HTTPServer":  "set maxretri maxretries max retri retries in httpserver",
		"Lucía vive en Madrid":          "luc lucía viv vive en madr madrid",
		"Launch day 🚀🔥":                 "launch day u1f680 u1f525",
	}
	for in, want := range tests {
		if got := strings.Join(strings.Fields(Index(in)), " "); got != want {
			t.Errorf("Index(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFold(t *testing.T) {
	tests := map[string]string{
		"Configuración": "configuracion",
		"São Paulo":     "sao paulo",
		"ÉCOLE Ñandú":   "ecole nandu",
		"Ação é já":     "acao e ja",
		"cafe\u0301":    "cafe", // decomposed accent
		"東京":            "東京",
	}
	for in, want := range tests {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCamelParts(t *testing.T) {
	tests := map[string]string{
		"maxRetries":       "max Retries",
		"PostgreSQL":       "PostgreSQL",
		"HTTPServer":       "HTTPServer",
		"parseHTTPRequest": "parseHTTPRequest", // capitals run into the next part: kept whole
		"getUserByID":      "get User ByID",
		"plain":            "plain",
	}
	for in, want := range tests {
		if got := strings.Join(camelParts(in), " "); got != want {
			t.Errorf("camelParts(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestGreekFolding: Greek words take one index form whatever their case,
// tonos and final sigma, which the unicode61 tokenizer alone does not fold.
func TestGreekFolding(t *testing.T) {
	want := Index("σισυφος αθηνα")
	for _, in := range []string{"Σίσυφος ΑΘΗΝΑ", "ΣΙΣΥΦΟΣ Αθήνα", "σίσυφος αθήνα"} {
		if got := Index(in); got != want {
			t.Errorf("Index(%q) = %q, want %q", in, got, want)
		}
	}
}
