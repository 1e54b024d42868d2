package count

import "strconv"

// Noun returns n followed by one when n is 1, else by many: Noun(1,
// "memory", "memories") is "1 memory", Noun(0, …) "0 memories".
func Noun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
