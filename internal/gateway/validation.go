package gateway

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/rempart/rempart/internal/validate"
)

// validateRequest checks the request against what the API declares: media
// types (415, 406: R13), its OpenAPI operation (404, 405 with Allow, 400:
// R14) and the JSON threat limits (400). The problem's detail names the
// failing location with a generic title, never a schema internal or a
// value (R19). The parsed body and the OpenAPI path parameters are kept
// for the policies.
func (g *Gateway) validateRequest(r *http.Request, x *exchange) *failure {
	res, err := x.route.api.validator.CheckRequest(canonicalRequest(r, x.path), x.body)
	if err != nil {
		var ve *validate.Error
		if !errors.As(err, &ve) {
			return badRequest("validation", err)
		}
		return &failure{status: ve.Status, allow: ve.Allow, detail: ve.Detail(), reason: "validation", err: ve}
	}
	x.parsed = res.Body
	if x.params == nil && len(res.PathParams) > 0 {
		x.params = res.PathParams
	}
	return nil
}

// canonicalRequest returns r, or a shallow copy whose URL carries the
// canonical path when the client sent another spelling of it, so that the
// validator matches the operation the router matched.
func canonicalRequest(r *http.Request, path string) *http.Request {
	if r.URL.RawPath == "" && r.URL.Path == path {
		return r
	}
	c := *r
	u := *r.URL
	u.Path, u.RawPath = unescapePath(path), path
	c.URL = &u
	return &c
}

// errResponseTooLarge is an upstream response over max_response_body: 502.
var errResponseTooLarge = errors.New("gateway: upstream response over max_response_body")

// checkResponse applies the API's response validation (block or strip:
// OWASP API3 excessive data exposure, API10 unsafe consumption) to an
// upstream response: the body is read whole, bounded by max_response_body,
// validated (and stripped of undeclared properties) and replaced. A
// response that does not match is refused (502).
func (g *Gateway) checkResponse(res *http.Response, x *exchange) error {
	body, err := io.ReadAll(io.LimitReader(res.Body, g.maxResponseBody+1))
	_ = res.Body.Close()
	if err != nil {
		return err
	}
	if int64(len(body)) > g.maxResponseBody {
		return errResponseTooLarge
	}
	out, err := x.route.api.validator.CheckResponse(canonicalRequest(x.in, x.path), res.StatusCode, res.Header, body)
	if err != nil {
		return err
	}
	res.Body = io.NopCloser(bytes.NewReader(out))
	res.ContentLength = int64(len(out))
	res.Header.Set("Content-Length", strconv.Itoa(len(out)))
	res.TransferEncoding = nil
	return nil
}
