package providers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// Complete implements Provider: it fills in the default model and token
// cap, then makes attempts until one succeeds or the failure is final. See
// complete.
func (c *client) Complete(ctx context.Context, req chat.Request, onText func(string)) (*chat.Response, error) {
	return c.complete(ctx, req, onText, true)
}

// complete runs the attempts of one turn:
//
//   - each attempt takes the first key of the pool whose targets are not
//     cooling down (see Health); when every key is cooling, it waits for
//     the first to come back if wait is set and that is within the retry
//     delay cap and ctx's deadline, else fails with the class behind the
//     cooldown;
//   - a key-scoped failure (rate_limit, auth, auth_permanent, billing)
//     moves on at once to the next available key;
//   - a retryable failure is retried after the retry policy's delay;
//   - an attempt that failed after streaming text is retried only when the
//     caller's Observer has a Restart function, which is told first.
//
// wait is false when a fallback entry follows, so that a cooling target is
// skipped rather than waited for.
func (c *client) complete(ctx context.Context, req chat.Request, onText func(string), wait bool) (*chat.Response, error) {
	if req.Model == "" {
		req.Model = c.model
	}
	if req.MaxTokens <= 0 {
		req.MaxTokens = c.maxTokens
	}
	obs := observer(ctx)
	streamed := false
	emit := func(delta string) {
		streamed = true
		if onText != nil {
			onText(delta)
		}
	}
	var next *slot
	rotations := 0
	for retry := 0; ; {
		s := next
		if s == nil {
			var err error
			if s, err = c.pick(ctx, req.Model, wait); err != nil {
				return nil, err
			}
		}
		next = nil
		resp, err := c.attempt(ctx, s, req, emit)
		if err == nil {
			c.health.succeed(s)
			resp.Provider = c.name
			if resp.Model == "" {
				resp.Model = req.Model
			}
			return resp, nil
		}
		var pe *Error
		if ctx.Err() != nil || !errors.As(err, &pe) {
			c.health.release(s)
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		c.report(obs, s, pe)
		if streamed && obs.Restart == nil {
			return nil, pe
		}
		if pe.Class.keyScoped() && rotations < len(c.keys)-1 {
			if n, ok := c.tryPick(req.Model); ok {
				rotations++
				next = n
				obs.notify(Notice{Kind: NoticeRotate, Provider: c.name, Model: req.Model, Key: pe.Key, Class: pe.Class, Message: pe.Message})
				streamed = c.restart(obs, streamed, pe)
				continue
			}
		}
		d, ok := c.retry.delay(ctx, retry, pe)
		if !ok {
			return nil, pe
		}
		retry++
		obs.notify(Notice{Kind: NoticeRetry, Provider: c.name, Model: req.Model, Key: pe.Key, Class: pe.Class, Delay: d, Message: pe.Message})
		streamed = c.restart(obs, streamed, pe)
		if err := sleep(ctx, d); err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
	}
}

// restart tells the observer that streamed text is void, and returns the
// new streamed state (false).
func (c *client) restart(obs Observer, streamed bool, pe *Error) bool {
	if streamed {
		obs.notify(Notice{Kind: NoticeRestart, Provider: c.name, Model: pe.Model, Class: pe.Class, Message: pe.Message})
		obs.Restart(pe)
	}
	return false
}

// report records a failed attempt in the shared Health and tells the
// observer about the cooldown or dropped key it caused.
func (c *client) report(obs Observer, s *slot, pe *Error) {
	cooldown, dropped := c.health.fail(s, pe.Class, pe.RetryAfter)
	switch {
	case dropped:
		n := Notice{Kind: NoticeKeyDropped, Provider: c.name, Model: pe.Model, Key: pe.Key, Class: pe.Class,
			Message: fmt.Sprintf("key %s dropped for the life of the process after %s: %s", pe.Key, pe.Class, pe.Message)}
		obs.notify(n)
		if c.health.cfg.Notify != nil {
			c.health.cfg.Notify(n)
		}
	case cooldown > 0:
		obs.notify(Notice{Kind: NoticeCooldown, Provider: c.name, Model: pe.Model, Key: pe.Key, Class: pe.Class, Delay: cooldown})
	}
}

// tryPick returns the first pool key usable now for model, if any.
func (c *client) tryPick(model string) (*slot, bool) {
	for i, k := range c.keys {
		s := &slot{key: k.ref, model: model, index: i}
		if c.health.take(s).ok {
			return s, true
		}
	}
	return nil, false
}

// pick returns the first pool key usable for model, waiting for a cooldown
// or a probe to end when wait allows (see complete). Its failures are
// *Error values naming the cooldown, or ctx's error.
func (c *client) pick(ctx context.Context, model string, wait bool) (*slot, error) {
	for {
		var best availability
		found, dropped := false, 0
		var cause Class
		for i, k := range c.keys {
			s := &slot{key: k.ref, model: model, index: i}
			av := c.health.take(s)
			switch {
			case av.ok:
				return s, nil
			case av.dropped != "":
				dropped++
				cause = av.dropped
			case !found || av.wait < best.wait:
				best, found = av, true
			}
		}
		if !found {
			return nil, &Error{Provider: c.name, Model: model, Class: cause,
				Message: fmt.Sprintf("every key (%d) was dropped after %s failures; add a working key and restart", dropped, cause)}
		}
		if !wait || best.wait > c.retry.maxDelay || !fitsDeadline(ctx, best.wait) {
			return nil, c.coolingError(model, best)
		}
		timer := time.NewTimer(best.wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, fmt.Errorf("%s: %w", c.name, ctx.Err())
		case <-timer.C:
		case <-best.changed:
			timer.Stop()
		}
	}
}

// coolingError is the failure of a call that found no usable key.
func (c *client) coolingError(model string, av availability) *Error {
	msg := fmt.Sprintf("%s is cooling down after %s; next attempt possible in %s", c.what(model), av.cause, av.wait.Round(time.Millisecond))
	if av.wait == 0 {
		msg = fmt.Sprintf("%s is being probed by another call after %s", c.what(model), av.cause)
	}
	return &Error{Provider: c.name, Model: model, Class: av.cause, Message: msg, RetryAfter: av.wait}
}

// what names the cooling target for a message.
func (c *client) what(model string) string {
	if len(c.keys) > 1 {
		return fmt.Sprintf("every key (%d) of model %s", len(c.keys), model)
	}
	return "model " + model
}

// fitsDeadline reports whether d ends before ctx's deadline.
func fitsDeadline(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || time.Until(deadline) > d
}

// attempt makes one call with s's key under the per-attempt timeout and
// returns either the response or an *Error naming this provider, model and
// key fingerprint, its message cleaned of every key of the pool.
func (c *client) attempt(ctx context.Context, s *slot, req chat.Request, onText func(string)) (*chat.Response, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	ex := newExchange(actx, c.maxBody, c.idle, func() { c.health.succeed(s) })
	defer ex.stop()
	key := c.keys[s.index]
	resp, err := c.proto.complete(ex.ctx, req, key.value, onText, ex)
	if err == nil {
		return resp, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	pe := ex.failure(err, actx, c.host, c.timeout)
	pe.Provider, pe.Model = c.name, req.Model
	if key.value != "" {
		pe.Key = key.fp
	}
	pe.Message = cleanMessage(pe.Message, c.secrets)
	return nil, pe
}
