package oauth

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
)

// Error codes (RFC 6749 §4.1.2.1, §5.2; RFC 8707 §2 invalid_target).
const (
	CodeInvalidRequest          = "invalid_request"
	CodeInvalidClient           = "invalid_client"
	CodeInvalidGrant            = "invalid_grant"
	CodeUnauthorizedClient      = "unauthorized_client"
	CodeUnsupportedGrantType    = "unsupported_grant_type"
	CodeInvalidScope            = "invalid_scope"
	CodeAccessDenied            = "access_denied"
	CodeServerError             = "server_error"
	CodeTemporarilyUnavailable  = "temporarily_unavailable"
	CodeInvalidTarget           = "invalid_target"
	CodeUnsupportedResponseType = "unsupported_response_type"
)

// BasicRealm is the realm of the WWW-Authenticate challenge sent with a 401
// invalid_client (RFC 6749 §5.2).
const BasicRealm = "rempart"

// Error is an OAuth 2 error response (RFC 6749 §5.2). Code, Description and
// Status go to the caller; Err is the internal cause and goes to the log
// only. Description is always a fixed generic text chosen by Rempart.
type Error struct {
	Code        string // RFC error code, e.g. "invalid_grant"
	Description string // generic public text (error_description)
	Status      int    // HTTP status of the response
	Err         error  // internal cause: logged, never sent
}

// Sentinel errors, one per code, for errors.Is: Is compares only the Code,
// so errors.Is(err, ErrInvalidGrant) holds for every invalid_grant error.
// Never return or modify them: use the constructors, which return fresh
// values.
var (
	ErrInvalidRequest          = &Error{Code: CodeInvalidRequest, Status: http.StatusBadRequest}
	ErrInvalidClient           = &Error{Code: CodeInvalidClient, Status: http.StatusUnauthorized}
	ErrInvalidGrant            = &Error{Code: CodeInvalidGrant, Status: http.StatusBadRequest}
	ErrUnauthorizedClient      = &Error{Code: CodeUnauthorizedClient, Status: http.StatusBadRequest}
	ErrUnsupportedGrantType    = &Error{Code: CodeUnsupportedGrantType, Status: http.StatusBadRequest}
	ErrInvalidScope            = &Error{Code: CodeInvalidScope, Status: http.StatusBadRequest}
	ErrAccessDenied            = &Error{Code: CodeAccessDenied, Status: http.StatusBadRequest}
	ErrServerError             = &Error{Code: CodeServerError, Status: http.StatusInternalServerError}
	ErrTemporarilyUnavailable  = &Error{Code: CodeTemporarilyUnavailable, Status: http.StatusServiceUnavailable}
	ErrInvalidTarget           = &Error{Code: CodeInvalidTarget, Status: http.StatusBadRequest}
	ErrUnsupportedResponseType = &Error{Code: CodeUnsupportedResponseType, Status: http.StatusBadRequest}
)

// defaultDescription is the text sent when an Error has no Description.
var defaultDescription = map[string]string{
	CodeInvalidRequest:          "the request is missing a parameter or is malformed",
	CodeInvalidClient:           "client authentication failed",
	CodeInvalidGrant:            "the grant is invalid, expired or revoked",
	CodeUnauthorizedClient:      "the client is not allowed to use this grant type",
	CodeUnsupportedGrantType:    "the grant type is not supported",
	CodeInvalidScope:            "the requested scope is invalid",
	CodeAccessDenied:            "access denied",
	CodeServerError:             "internal error",
	CodeTemporarilyUnavailable:  "the service is temporarily unavailable",
	CodeInvalidTarget:           "the requested resource or audience is invalid",
	CodeUnsupportedResponseType: "the response type is not supported",
}

func newError(sentinel *Error, desc string) *Error {
	return &Error{Code: sentinel.Code, Status: sentinel.Status, Description: desc}
}

// InvalidRequest returns a fresh invalid_request error (400).
func InvalidRequest(desc string) *Error { return newError(ErrInvalidRequest, desc) }

// InvalidClient returns a fresh invalid_client error (401). RFC 6749 §5.2
// allows 401 for every invalid_client; Rempart always uses it, so the answer
// does not depend on the authentication method the caller tried.
func InvalidClient(desc string) *Error { return newError(ErrInvalidClient, desc) }

// InvalidGrant returns a fresh invalid_grant error (400).
func InvalidGrant(desc string) *Error { return newError(ErrInvalidGrant, desc) }

// UnauthorizedClient returns a fresh unauthorized_client error (400).
func UnauthorizedClient(desc string) *Error { return newError(ErrUnauthorizedClient, desc) }

// UnsupportedGrantType returns a fresh unsupported_grant_type error (400).
func UnsupportedGrantType(desc string) *Error { return newError(ErrUnsupportedGrantType, desc) }

// InvalidScope returns a fresh invalid_scope error (400).
func InvalidScope(desc string) *Error { return newError(ErrInvalidScope, desc) }

// AccessDenied returns a fresh access_denied error (400 at the token
// endpoint, RFC 8628 §3.5; redirect-based flows send it in the redirect).
func AccessDenied(desc string) *Error { return newError(ErrAccessDenied, desc) }

// ServerError returns a fresh server_error error (500).
func ServerError(desc string) *Error { return newError(ErrServerError, desc) }

// TemporarilyUnavailable returns a fresh temporarily_unavailable error (503).
func TemporarilyUnavailable(desc string) *Error {
	return newError(ErrTemporarilyUnavailable, desc)
}

// InvalidTarget returns a fresh invalid_target error (400, RFC 8707 §2).
func InvalidTarget(desc string) *Error { return newError(ErrInvalidTarget, desc) }

// UnsupportedResponseType returns a fresh unsupported_response_type error
// (400).
func UnsupportedResponseType(desc string) *Error {
	return newError(ErrUnsupportedResponseType, desc)
}

// Error returns the code, the description and the internal cause: it is
// for logs, never for a response body.
func (e *Error) Error() string {
	s := e.Code
	if e.Description != "" {
		s += ": " + e.Description
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same Code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && e != nil && t.Code == e.Code
}

// WithErr returns a copy of e whose internal cause is err.
func (e *Error) WithErr(err error) *Error {
	c := *e
	c.Err = err
	return &c
}

// LogValue implements slog.LogValuer: code, status, description and cause.
func (e *Error) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("code", e.Code),
		slog.Int("status", e.Status),
	}
	if e.Description != "" {
		attrs = append(attrs, slog.String("description", e.Description))
	}
	if e.Err != nil {
		attrs = append(attrs, slog.String("cause", e.Err.Error()))
	}
	return slog.GroupValue(attrs...)
}

// errorBody is the RFC 6749 §5.2 JSON body.
type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// WriteError renders err as an RFC 6749 §5.2 JSON error response with
// Cache-Control: no-store and Pragma: no-cache. An *Error anywhere in err's
// chain gives the code and status (a zero Status means 400); a 401 carries
// WWW-Authenticate: Basic realm="rempart". Any other error becomes a
// generic server_error 500: its text is never sent (R19).
func WriteError(w http.ResponseWriter, err error) {
	var oe *Error
	if !errors.As(err, &oe) || oe == nil || oe.Code == "" {
		oe = ErrServerError
	}
	status := oe.Status
	if status < 400 || status > 599 {
		status = http.StatusBadRequest
	}
	desc := oe.Description
	if desc == "" {
		desc = defaultDescription[oe.Code]
	}
	body, mErr := json.Marshal(errorBody{Error: oe.Code, Description: desc})
	if mErr != nil { // unreachable: two strings always marshal
		body = []byte(`{"error":"server_error"}`)
		status = http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	if status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Basic realm="`+BasicRealm+`"`)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
