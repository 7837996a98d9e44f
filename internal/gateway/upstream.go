package gateway

import (
	"context"
	"io"
	"net/http"
	"time"
)

// upstreamTimeouts applies an API's own upstream timeout (the wait for the
// response headers, 504 beyond) on top of any transport: the request's
// context is cancelled if the headers have not arrived in time; once they
// have, the body streams without this deadline (the listener's write
// timeout bounds it). APIs without their own timeout go straight through.
type upstreamTimeouts struct{ rt http.RoundTripper }

// timeoutError is the net.Error of an API's upstream timeout.
type timeoutError struct{}

func (timeoutError) Error() string   { return "gateway: upstream response headers timed out" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

func (u upstreamTimeouts) RoundTrip(req *http.Request) (*http.Response, error) {
	x := exchangeOf(req.Context())
	if x == nil || x.route.api.upstreamTimeout <= 0 {
		return u.rt.RoundTrip(req)
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	timer := time.AfterFunc(x.route.api.upstreamTimeout, func() { cancel(timeoutError{}) })
	res, err := u.rt.RoundTrip(req.WithContext(ctx))
	if !timer.Stop() {
		if res != nil {
			_ = res.Body.Close()
		}
		cancel(nil)
		return nil, timeoutError{}
	}
	if err != nil {
		cancel(nil)
		return nil, err
	}
	res.Body = &cancelOnClose{ReadCloser: res.Body, cancel: cancel}
	return res, nil
}

// cancelOnClose releases the request's context once the body is done.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelCauseFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel(nil)
	return err
}
