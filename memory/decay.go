package memory

import (
	"math"
	"time"
)

// DefaultHalfLife is the default half-life of temporal decay.
const DefaultHalfLife = 30 * 24 * time.Hour

// decayFactor is the temporal decay stage: exponential decay with a
// half-life, 2^(-age/halfLife), the form used for time-aware ranking by Li
// and Croft ("Time-based language models", CIKM 2003) and Efron and Golovchinsky
// ("Estimation methods for ranking recent information", SIGIR 2011). A
// memory loses half its score every halfLife since it was last updated. It
// returns 1 for evergreen memories, for halfLife <= 0 (decay off) and for
// ages <= 0 (clock skew).
func decayFactor(age, halfLife time.Duration, evergreen bool) float64 {
	if evergreen || halfLife <= 0 || age <= 0 {
		return 1
	}
	return math.Exp2(-age.Hours() / halfLife.Hours())
}
