package wasmhost

import (
	"cmp"
	"time"

	"golang.org/x/time/rate"
)

// Limits bound one guest instance. Zero fields take the defaults below.
type Limits struct {
	// Timeout is the wall-clock limit of the whole run. Default 30 minutes.
	Timeout time.Duration
	// MaxPayload caps the bytes of one host-call payload. Default 16 MiB.
	MaxPayload int
	// MaxResult caps the bytes of one host-call answer. Default 16 MiB.
	MaxResult int
	// Rate and Burst configure the per-method token bucket of each run
	// (calls per second). Defaults 200/s, burst 400.
	Rate  rate.Limit
	Burst int
}

// Defaults of Limits.
const (
	DefaultTimeout    = 30 * time.Minute
	DefaultMaxPayload = 16 << 20
	DefaultMaxResult  = 16 << 20
	DefaultRate       = rate.Limit(200)
	DefaultBurst      = 400
)

// withDefaults returns l with zero fields set to their defaults.
func (l Limits) withDefaults() Limits {
	l.Timeout = cmp.Or(max(l.Timeout, 0), DefaultTimeout)
	l.MaxPayload = cmp.Or(max(l.MaxPayload, 0), DefaultMaxPayload)
	l.MaxResult = cmp.Or(max(l.MaxResult, 0), DefaultMaxResult)
	l.Rate = cmp.Or(max(l.Rate, 0), DefaultRate)
	l.Burst = cmp.Or(max(l.Burst, 0), DefaultBurst)
	return l
}
