package providers

import (
	"context"
	"time"
)

// NoticeKind names what a Notice reports.
type NoticeKind string

// The notices the provider layer sends.
const (
	// NoticeRetry: an attempt failed and the same model is tried again
	// after Delay.
	NoticeRetry NoticeKind = "retry"
	// NoticeRotate: a key failed (Key) and the next key of the pool is
	// tried at once.
	NoticeRotate NoticeKind = "rotate"
	// NoticeCooldown: a target started cooling down for Delay.
	NoticeCooldown NoticeKind = "cooldown"
	// NoticeKeyDropped: a key (Key) is dropped for the life of the process
	// after an auth_permanent or billing failure. A warning.
	NoticeKeyDropped NoticeKind = "key_dropped"
	// NoticeFallback: Provider/Model failed and the turn goes on with the
	// next entry of the chain (To).
	NoticeFallback NoticeKind = "fallback"
	// NoticeRestart: text already streamed for this turn is void and the
	// turn starts again (see Observer.Restart).
	NoticeRestart NoticeKind = "restart"
)

// Notice reports one decision of the provider layer, for events and logs.
// It holds no secret: Key is a fingerprint and Message is redacted.
type Notice struct {
	Kind     NoticeKind    `json:"kind"`
	Provider string        `json:"provider"`
	Model    string        `json:"model,omitempty"`
	Key      string        `json:"key,omitempty"`
	Class    Class         `json:"class,omitempty"`
	Delay    time.Duration `json:"delay,omitempty"`
	To       string        `json:"to,omitempty"`
	Message  string        `json:"message,omitempty"`
}

// Observer receives, for one Complete call, what happened besides the
// answer. Either field may be nil.
type Observer struct {
	// Notice receives each retry, key rotation, cooldown, dropped key,
	// fallback and restart, in order, on the calling goroutine.
	Notice func(Notice)
	// Restart is called before a turn that already passed text to onText
	// is retried or continued on a fallback model: the text delivered so
	// far is void, and the caller should discard it (the final Response
	// holds only the answer of the attempt that succeeded). Without a
	// Restart function, a turn that has streamed text is never retried
	// nor fallen back: its failure is returned.
	Restart func(cause *Error)
}

type observerKey struct{}

// WithObserver returns a context carrying o for the Complete calls made
// with it. The Provider interface has no place for it: it is implemented
// outside this package too, and a caller that does not listen must keep
// the safe behaviour (no replay of streamed text).
func WithObserver(ctx context.Context, o Observer) context.Context {
	return context.WithValue(ctx, observerKey{}, o)
}

// observer returns the Observer of ctx, or the zero Observer.
func observer(ctx context.Context) Observer {
	o, _ := ctx.Value(observerKey{}).(Observer)
	return o
}

// notify sends n to o.Notice when there is one.
func (o Observer) notify(n Notice) {
	if o.Notice != nil {
		o.Notice(n)
	}
}
