package providers

import (
	"cmp"
	"crypto/sha256"
	"sync"
	"time"
)

// The defaults NewHealth applies to zero HealthConfig fields.
const (
	// DefaultBaseCooldown is the first cooldown after a rate limit or a
	// provider-side failure without a wait from the provider; it doubles
	// with each consecutive failure.
	DefaultBaseCooldown = time.Second
	// DefaultMaxCooldown caps the doubling cooldown (a wait the provider
	// asks for may be longer, up to a day).
	DefaultMaxCooldown = 5 * time.Minute
	// DefaultAuthCooldown is how long a rejected key rests (class auth).
	DefaultAuthCooldown = 10 * time.Minute
	// DefaultModelCooldown is how long a model that was not found rests.
	DefaultModelCooldown = 10 * time.Minute
	// DefaultProbeTimeout bounds how long one probe holds a target whose
	// cooldown ended before other callers may probe it too.
	DefaultProbeTimeout = 2 * time.Minute
	// DefaultModelFailures is how many consecutive provider-side failures
	// (overloaded, server, timeout, network) a model takes before it cools
	// down for every caller: one may be a blip.
	DefaultModelFailures = 2
)

// maxProviderWait caps a wait asked by a provider when it becomes a
// cooldown.
const maxProviderWait = 24 * time.Hour

// HealthConfig tunes a Health. Zero fields take the defaults above.
type HealthConfig struct {
	BaseCooldown  time.Duration
	MaxCooldown   time.Duration
	AuthCooldown  time.Duration
	ModelCooldown time.Duration
	ProbeTimeout  time.Duration
	ModelFailures int
	// Notify, when set, receives the platform-wide events: a key dropped
	// for the life of the process (NoticeKeyDropped, once per key). It is
	// called without Health's lock held.
	Notify func(Notice)
	// Now is the clock; nil means time.Now. For tests.
	Now func() time.Time
}

// Health is the shared memory of a platform's provider failures: which
// provider+key, provider+key+model and provider+model targets are cooling
// down, which target a probe is testing, and which keys are dropped for
// good. Every Provider built with the same Health shares it, so that one
// run's rate limit spares the others the same failure.
//
// # Notes
//
//   - Safe for concurrent use. Keys are held as SHA-256 digests only.
//   - Scopes: rate_limit cools the key for that model; auth cools the key
//     for every model; auth_permanent and billing drop the key; overloaded,
//     server, timeout and network cool the model for every key;
//     model_not_found cools the model for that key.
//   - A cooldown lasts the wait the provider asked for, else a base that
//     doubles with each consecutive failure of the target, up to a cap.
//     Key-scoped failures start one at once; provider-side failures of a
//     model only from the ModelFailures-th in a row.
//   - When a cooldown ends the target is half-open: the next caller gets it
//     as a probe and the others wait for the probe's verdict (at most
//     ProbeTimeout). A probe's first successful response status closes the
//     target; a failure starts a longer cooldown.
type Health struct {
	cfg HealthConfig
	now func() time.Time

	mu      sync.Mutex
	targets map[target]*targetState
	dropped map[keyRef]Class
}

// keyRef identifies a key of a provider by its digest.
type keyRef struct {
	provider string
	key      [sha256.Size]byte
}

// target is a cooldown scope: key-wide (model ""), key and model, or
// model-wide (noKey).
type target struct {
	keyRef
	model string
}

// noKey is the digest slot of model-wide targets.
var noKey [sha256.Size]byte

// targetState is one target's failure record.
type targetState struct {
	open     bool      // a cooldown started: callers wait or probe
	until    time.Time // cooling until
	failures int       // consecutive failures
	class    Class     // class of the last failure
	// probe is non-nil while a probe is out: closed when it ends.
	probe      chan struct{}
	probeSince time.Time
}

// NewHealth returns an empty Health.
func NewHealth(cfg HealthConfig) *Health {
	cfg.BaseCooldown = cmp.Or(cfg.BaseCooldown, DefaultBaseCooldown)
	cfg.MaxCooldown = cmp.Or(cfg.MaxCooldown, DefaultMaxCooldown)
	cfg.AuthCooldown = cmp.Or(cfg.AuthCooldown, DefaultAuthCooldown)
	cfg.ModelCooldown = cmp.Or(cfg.ModelCooldown, DefaultModelCooldown)
	cfg.ProbeTimeout = cmp.Or(cfg.ProbeTimeout, DefaultProbeTimeout)
	cfg.ModelFailures = cmp.Or(cfg.ModelFailures, DefaultModelFailures)
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Health{cfg: cfg, now: now, targets: map[target]*targetState{}, dropped: map[keyRef]Class{}}
}

// slot is one key of one provider for one model: the three targets an
// attempt with it touches. index is the key's place in its client's pool.
type slot struct {
	key     keyRef
	model   string
	index   int
	probing []target // the targets this holder probes
}

func (s *slot) targets() [3]target {
	return [3]target{
		{keyRef: s.key},
		{keyRef: s.key, model: s.model},
		{keyRef: keyRef{provider: s.key.provider, key: noKey}, model: s.model},
	}
}

// availability is the answer of Health.take for one slot.
type availability struct {
	ok bool
	// dropped is the class that dropped the key, "" when it is not.
	dropped Class
	// wait is how long until a cooldown ends (0 when only a probe is out).
	wait time.Duration
	// changed, when non-nil, is closed when the probe holding a target ends.
	changed <-chan struct{}
	// cause is the class of the failure behind the cooldown.
	cause Class
}

// take checks whether s may be used now and, when it may, marks s as the
// probe of each of its targets whose cooldown has ended.
func (h *Health) take(s *slot) availability {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c, ok := h.dropped[s.key]; ok {
		return availability{dropped: c, cause: c}
	}
	now := h.now()
	var probe []target
	for _, t := range s.targets() {
		st := h.targets[t]
		switch {
		case st == nil || !st.open:
		case now.Before(st.until):
			return availability{wait: st.until.Sub(now), cause: st.class}
		case st.probe != nil && now.Sub(st.probeSince) < h.cfg.ProbeTimeout:
			return availability{changed: st.probe, cause: st.class}
		default:
			probe = append(probe, t)
		}
	}
	for _, t := range probe {
		st := h.targets[t]
		if st.probe != nil {
			close(st.probe)
		}
		st.probe, st.probeSince = make(chan struct{}), now
	}
	s.probing = probe
	return availability{ok: true}
}

// succeed records that s got a successful answer (its response status is
// enough): its targets are healthy again and their probes end. A failure
// reported later (an error inside the stream) still counts.
func (h *Health) succeed(s *slot) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s.probing = nil
	for _, t := range s.targets() {
		if st := h.targets[t]; st != nil {
			if st.probe != nil {
				close(st.probe)
			}
			delete(h.targets, t)
		}
	}
}

// fail records a failure of class c through s and returns the cooldown it
// started (0 for none) and whether it dropped the key for the first time.
// Classes that say nothing about the target (bad_request,
// context_overflow, unknown) only end s's probes. Call it once per attempt.
func (h *Health) fail(s *slot, c Class, retryAfter time.Duration) (cooldown time.Duration, dropped bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.endProbes(s)
	ts := s.targets()
	var t target
	switch c {
	case AuthPermanent, Billing:
		if _, ok := h.dropped[s.key]; ok {
			return 0, false
		}
		h.dropped[s.key] = c
		return 0, true
	case Auth:
		t = ts[0]
	case RateLimit, ModelNotFound:
		t = ts[1]
	case Overloaded, Server, Timeout, Network:
		t = ts[2]
	default:
		return 0, false
	}
	st := h.targets[t]
	if st == nil {
		st = &targetState{}
		h.targets[t] = st
	}
	st.failures++
	st.class = c
	switch c {
	case Auth:
		cooldown = h.cfg.AuthCooldown
	case ModelNotFound:
		cooldown = h.cfg.ModelCooldown
	case RateLimit:
		cooldown = h.backoff(st.failures, retryAfter)
	default:
		n := st.failures - h.cfg.ModelFailures + 1
		if n < 1 {
			return 0, false
		}
		cooldown = h.backoff(n, retryAfter)
	}
	st.open = true
	st.until = h.now().Add(cooldown)
	return cooldown, false
}

// backoff is the cooldown after the n-th failure (from 1): the base doubled
// n-1 times up to the cap, or the provider's wait when longer (up to a
// day).
func (h *Health) backoff(n int, retryAfter time.Duration) time.Duration {
	d := doubled(h.cfg.BaseCooldown, n-1, h.cfg.MaxCooldown)
	return max(d, min(retryAfter, maxProviderWait))
}

// release ends s's probes without a verdict (the call was cancelled, or a
// probe's target was cleared by another caller).
func (h *Health) release(s *slot) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.endProbes(s)
}

// endProbes closes the probes s holds; the caller holds h.mu.
func (h *Health) endProbes(s *slot) {
	for _, t := range s.probing {
		if st := h.targets[t]; st != nil && st.probe != nil {
			close(st.probe)
			st.probe = nil
		}
	}
	s.probing = nil
}

// Dropped returns the fingerprints of the keys of provider dropped for the
// life of the process, with the class that dropped each; keys is the pool
// to look up (Health itself holds only digests).
func (h *Health) Dropped(provider string, keys []string) map[string]Class {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]Class{}
	for _, k := range keys {
		if c, ok := h.dropped[keyRef{provider, sha256.Sum256([]byte(k))}]; ok {
			out[Fingerprint(k)] = c
		}
	}
	return out
}
