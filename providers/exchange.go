package providers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// exchange observes one HTTP attempt from inside an SDK, through the SDK's
// middleware hook, so that failures are classified from what went over the
// wire rather than from each SDK's error types.
type exchange struct {
	// ctx is the attempt's context, cancelled with errIdle when no byte
	// arrived for idle; the adapter makes the request with it.
	ctx   context.Context
	idle  time.Duration
	timer *time.Timer
	// limit caps the bytes read from a response body.
	limit int64
	// status and header are those of the response, when one arrived.
	status int
	header http.Header
	// body is the (capped) body of an error response (status >= 400).
	body []byte
	// onSuccess, when set, is called once a response with a 2xx status
	// arrives, before its body is read.
	onSuccess func()
}

// errIdle is the cause of an attempt's context cancelled by its idle timer.
var errIdle = errors.New("idle")

// newExchange returns the exchange of one attempt running in attempt,
// whose idle timer starts now; onSuccess may be nil.
func newExchange(attempt context.Context, limit int64, idle time.Duration, onSuccess func()) *exchange {
	ctx, cancel := context.WithCancelCause(attempt)
	ex := &exchange{ctx: ctx, idle: idle, limit: limit, onSuccess: onSuccess}
	ex.timer = time.AfterFunc(idle, func() { cancel(errIdle) })
	return ex
}

// alive restarts the idle timer: a byte arrived.
func (ex *exchange) alive() { ex.timer.Reset(ex.idle) }

// stop ends the idle timer once the attempt is over.
func (ex *exchange) stop() { ex.timer.Stop() }

// observe is the middleware: it passes the request on and keeps a copy of
// an error response's body, putting an identical body back for the SDK.
func (ex *exchange) observe(req *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	resp, err := next(req)
	if err != nil || resp == nil {
		return resp, err
	}
	ex.alive()
	ex.status, ex.header = resp.StatusCode, resp.Header
	if resp.StatusCode < 300 && ex.onSuccess != nil {
		ex.onSuccess()
	}
	if resp.StatusCode >= 400 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		ex.body = body
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return resp, nil
	}
	resp.Body = &cappedBody{ReadCloser: resp.Body, left: ex.limit, limit: ex.limit, alive: ex.alive}
	return resp, nil
}

// cappedBody fails reads once limit bytes have been read, and reports
// each read that brought bytes to alive.
type cappedBody struct {
	io.ReadCloser
	left, limit int64
	alive       func()
}

// errBodyLimit is the error of a read past a cappedBody's limit.
type errBodyLimit struct{ limit int64 }

func (e *errBodyLimit) Error() string {
	return fmt.Sprintf("response body reached the %d-byte limit", e.limit)
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, &errBodyLimit{b.limit}
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	if n > 0 {
		b.alive()
	}
	return n, err
}

// failure turns the error of one attempt into an *Error. attempt is the
// attempt's context (carrying the per-attempt timeout), host names the
// endpoint for network errors. Errors that already are *Error (built by the
// adapters) pass through. A body over the size cap is class unknown: a
// retry would most likely get the same, another model may not.
func (ex *exchange) failure(err error, attempt context.Context, host string, timeout time.Duration) *Error {
	var pe *Error
	var limit *errBodyLimit
	switch {
	case errors.As(err, &pe):
		return pe
	case ex.status >= 400:
		return statusError(ex.status, ex.header, ex.body)
	case errors.Is(context.Cause(ex.ctx), errIdle):
		return &Error{Class: Network, Message: fmt.Sprintf("no data from %s for %s (the idle timeout)", host, ex.idle)}
	case errors.Is(attempt.Err(), context.DeadlineExceeded):
		return &Error{Class: Timeout, Message: fmt.Sprintf("no complete answer from %s within %s", host, timeout)}
	case errors.As(err, &limit):
		return &Error{Class: Unknown, Message: limit.Error()}
	}
	var ue *url.Error
	if ex.status == 0 && errors.As(err, &ue) {
		return &Error{Class: Network, Message: fmt.Sprintf("cannot reach %s: %s", host, netCause(ue.Err))}
	}
	if ex.status != 0 {
		return &Error{Class: Network, Message: "reading response: " + err.Error()}
	}
	return badResponse("%s", err.Error())
}

// netCause returns the innermost useful text of a transport error, e.g.
// "connect: connection refused", without the URL the SDK request had.
func netCause(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Op + ": " + op.Err.Error()
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "lookup " + dns.Name + ": " + dns.Err
	}
	return err.Error()
}
