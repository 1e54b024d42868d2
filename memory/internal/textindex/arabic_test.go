package textindex

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

func TestArabicIndexForm(t *testing.T) {
	tests := map[string]string{
		"نستخدمه":   "استخدم", // verb prefix ن and object suffix ه
		"يستخدم":    "استخدم", // verb prefix ي
		"يستخدمون":  "استخدم",
		"والمشروع":  "مشروع", // conjunction + article
		"مشروعنا":   "مشروع", // possessive suffix
		"الكتابات":  "كتاب",  // article + plural suffix
		"بالمدرسة":  "مدرس",  // preposition-article + ta marbuta
		"المعلمون":  "معلم",  // masculine plural
		"البيانات":  "بيان",
		"موظفين":    "موظف",
		"مُحَمَّد":  "محمد", // harakat removed
		"كتب":       "كتب",  // three letters: nothing removed
		"وطن":       "وطن",  // و kept: no article follows
		"الاجتماع":  "اجتماع",
		"فالاجتماع": "اجتماع",
		"المستشفى":  "مستشفي",
	}
	for in, want := range tests {
		if got := arabicIndexForm(in); got != want {
			t.Errorf("arabicIndexForm(%q) = %q, want %q", in, got, want)
		}
	}
}
