package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/bulkhead-dev/bulkhead/runtime"
)

// transferView shows an export's or import's progress as the console's
// status line while stderr is a terminal that can erase it: bytes and
// entries so far, the totals when known, and the rate. Nothing is drawn
// otherwise (piped, redirected, a dumb terminal).
type transferView struct {
	con   *console
	start time.Time

	mu    sync.Mutex
	drawn time.Time // when the line was drawn last
}

// transferTick is how often the status line is drawn at most.
const transferTick = 100 * time.Millisecond

func newTransferView(con *console) *transferView {
	return &transferView{con: con, start: time.Now()}
}

// update is the runtime's Progress function.
func (v *transferView) update(p runtime.TransferProgress) {
	if !v.con.live {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	now := time.Now()
	if now.Sub(v.drawn) < transferTick {
		return
	}
	v.drawn = now
	v.con.SetStatus(fit(transferLine(p, now.Sub(v.start)), v.con.Width()-1))
}

// done erases the status line.
func (v *transferView) done() { v.con.SetStatus("") }

// transferLine is the status line of progress p after elapsed:
//
//	export · 1,204 entries · 412.5 MiB read · 96.1 MiB/s
//	write · 80.2 MiB of 120.0 MiB (66%) · 310.4 MiB/s
//	import · 1,204 of 3,000 entries · 412.5 MiB of 1.0 GiB (40%) · 96.1 MiB/s
func transferLine(p runtime.TransferProgress, elapsed time.Duration) string {
	rate := func(n int64) string {
		if elapsed <= 0 {
			return ""
		}
		return " · " + humanSize(int64(float64(n)/elapsed.Seconds())) + "/s"
	}
	of := func(n, total int64) string {
		return fmt.Sprintf("%s of %s (%d%%)", humanSize(n), humanSize(total), n*100/max(total, 1))
	}
	switch p.Phase {
	case "write":
		return "write · " + of(p.Compressed, p.TotalCompressed) + rate(p.Compressed)
	case "import":
		return fmt.Sprintf("import · %s of %s entries · %s", thousands(p.Entries), thousands(p.TotalEntries), of(p.Bytes, p.TotalBytes)) + rate(p.Bytes)
	}
	return fmt.Sprintf("export · %s entries · %s read", thousands(p.Entries), humanSize(p.Bytes)) + rate(p.Bytes)
}

// humanSize renders a byte count in binary units with one decimal:
// "512 B", "12.3 KiB", "1.0 GiB".
func humanSize(n int64) string {
	const units = "KMGTPE"
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n)/1024, 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, units[i])
}

// thousands renders n with commas between groups of three digits.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
