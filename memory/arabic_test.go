package memory

import "testing"

func TestArabicNormalize(t *testing.T) {
	tests := map[string]string{
		"مُحَمَّد": "محمد",   // harakat removed
		"أحمد":     "احمد",   // hamza on alef
		"إسلام":    "اسلام",  // hamza under alef
		"آخر":      "اخر",    // madda
		"مدرسة":    "مدرسه",  // ta marbuta
		"مستشفى":   "مستشفي", // alef maqsura
		"كـتـاب":   "كتاب",   // tatweel
		"٢٠٢٤":     "2024",   // Arabic-Indic digits
		"قاعدة":    "قاعده",
	}
	for in, want := range tests {
		if got := arabicNormalize(in); got != want {
			t.Errorf("arabicNormalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestArabicStem(t *testing.T) {
	tests := map[string]string{
		"والكتاب":  "كتاب", // conjunction + article
		"الكتابات": "كتاب", // article + plural suffix
		"بالمدرسه": "مدرس", // preposition-article + ta marbuta (normalised)
		"المعلمون": "معلم", // masculine plural
		"البيانات": "بيان",
		"كتب":      "كتب", // three letters: nothing removed
		"ال":       "ال",  // too short to strip
		"وطن":      "وطن", // و kept: only two letters would remain
		"موظفين":   "موظف",
	}
	for in, want := range tests {
		if got := arabicStem(in); got != want {
			t.Errorf("arabicStem(%q) = %q, want %q", in, got, want)
		}
	}
}
