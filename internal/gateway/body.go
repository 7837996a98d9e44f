package gateway

import (
	"bytes"
	"errors"
	"io"
	"net/http"
)

var errBodyTooLarge = errors.New("gateway: request body over max_body")

// readBody reads the request body whole, bounded by max (413 beyond,
// refused before reading when Content-Length says so), and replaces it
// with the bytes read, now framed by Content-Length. Reading everything
// before forwarding anything is what makes invalid chunking a 400 here
// rather than a half-sent request upstream (RFC 9112 §7.1), and what lets
// validation and policies see the body the upstream will get.
func (g *Gateway) readBody(w http.ResponseWriter, r *http.Request, x *exchange, max int64) *failure {
	if r.Body == nil || r.Body == http.NoBody || (r.ContentLength == 0 && len(r.TransferEncoding) == 0) {
		return nil
	}
	if r.ContentLength > max {
		return &failure{status: http.StatusRequestEntityTooLarge, reason: "body_too_large", closeConn: true, err: errBodyTooLarge}
	}
	var (
		body []byte
		err  error
	)
	if r.ContentLength > 0 {
		body = make([]byte, r.ContentLength)
		_, err = io.ReadFull(r.Body, body)
	} else {
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	}
	_ = r.Body.Close()
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return &failure{status: http.StatusRequestEntityTooLarge, reason: "body_too_large", closeConn: true, err: errBodyTooLarge}
		}
		return &failure{status: http.StatusBadRequest, reason: "body_read", closeConn: true, err: err}
	}
	r.TransferEncoding = nil
	r.GetBody = nil
	if len(body) == 0 {
		r.Body, r.ContentLength = http.NoBody, 0
		return nil
	}
	x.body = body
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return nil
}
