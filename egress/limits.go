package egress

import (
	"errors"
	"fmt"
	"time"
)

// Limits bound what one run's jails may do through the proxy. Zero fields
// take the defaults of DefaultLimits; negative ones are an error.
type Limits struct {
	// MaxConns caps the connections open at once from the run's jails to
	// the proxy. Default 32.
	MaxConns int
	// MaxBytesUp and MaxBytesDown cap the bytes the whole run sends to
	// and receives from upstreams. Defaults 256 MiB and 2 GiB.
	MaxBytesUp, MaxBytesDown int64
	// ConnRate is the sustained rate of new upstream connections per
	// second, with bursts of ConnBurst (a token bucket,
	// golang.org/x/time/rate). Defaults 10 and 50.
	ConnRate  float64
	ConnBurst int
	// IdleTimeout closes a connection that moved no byte in either
	// direction for this long. Default 60 s.
	IdleTimeout time.Duration
	// MaxHeaderBytes caps a request head (request line and headers), a
	// TLS ClientHello, and an upstream's response head. Default 64 KiB.
	MaxHeaderBytes int
}

// DefaultLimits are the limits a zero Limits means.
var DefaultLimits = Limits{
	MaxConns:       32,
	MaxBytesUp:     256 << 20,
	MaxBytesDown:   2 << 30,
	ConnRate:       10,
	ConnBurst:      50,
	IdleTimeout:    60 * time.Second,
	MaxHeaderBytes: 64 << 10,
}

// withDefaults fills zero fields and refuses negative ones.
func (l Limits) withDefaults() (Limits, error) {
	d := DefaultLimits
	var errs []error
	check := func(name string, negative bool) {
		if negative {
			errs = append(errs, fmt.Errorf("egress limits: %s is negative", name))
		}
	}
	check("MaxConns", l.MaxConns < 0)
	check("MaxBytesUp", l.MaxBytesUp < 0)
	check("MaxBytesDown", l.MaxBytesDown < 0)
	check("ConnRate", l.ConnRate < 0)
	check("ConnBurst", l.ConnBurst < 0)
	check("IdleTimeout", l.IdleTimeout < 0)
	check("MaxHeaderBytes", l.MaxHeaderBytes < 0)
	if len(errs) > 0 {
		return Limits{}, errors.Join(errs...)
	}
	if l.MaxConns == 0 {
		l.MaxConns = d.MaxConns
	}
	if l.MaxBytesUp == 0 {
		l.MaxBytesUp = d.MaxBytesUp
	}
	if l.MaxBytesDown == 0 {
		l.MaxBytesDown = d.MaxBytesDown
	}
	if l.ConnRate == 0 {
		l.ConnRate = d.ConnRate
	}
	if l.ConnBurst == 0 {
		l.ConnBurst = d.ConnBurst
	}
	if l.IdleTimeout == 0 {
		l.IdleTimeout = d.IdleTimeout
	}
	if l.MaxHeaderBytes == 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	return l, nil
}
