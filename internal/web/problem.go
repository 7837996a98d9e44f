package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
)

// Problem is an RFC 9457 problem details body. Title is generic text chosen
// by Rempart; it never carries an internal error message (R19).
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail,omitempty"`
	RequestID string `json:"request_id"`
}

// WriteProblem writes an application/problem+json response with a generic
// title for status (http.StatusText when title is empty).
func WriteProblem(w http.ResponseWriter, r *http.Request, status int, title string) {
	if title == "" {
		title = http.StatusText(status)
	}
	p := Problem{Type: "about:blank", Title: title, Status: status, RequestID: RequestID(r.Context())}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

// Error is an error with a public face: Status, Title and Header go to the
// caller, Err goes to the log only.
type Error struct {
	Status int
	Title  string      // generic public text; "" means http.StatusText(Status)
	Header http.Header // extra response headers (WWW-Authenticate, Allow, Retry-After)
	Err    error       // internal cause, logged, never sent
}

func (e *Error) Error() string {
	if e.Err != nil {
		return http.StatusText(e.Status) + ": " + e.Err.Error()
	}
	return http.StatusText(e.Status)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a generic title and an internal cause.
func Errorf(status int, title string, cause error) *Error {
	return &Error{Status: status, Title: title, Err: cause}
}

// HandlerFunc is an HTTP handler that returns its error instead of writing it.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Handle adapts h: a returned *Error is rendered as problem+json with its
// headers; any other error becomes a generic 500. Errors are logged once,
// with the request id, at warn (4xx) or error (5xx) level.
func Handle(log *slog.Logger, h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		var we *Error
		if !errors.As(err, &we) {
			we = &Error{Status: http.StatusInternalServerError, Err: err}
		}
		for k, vs := range we.Header {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		if log != nil {
			level := slog.LevelWarn
			if we.Status >= 500 {
				level = slog.LevelError
			}
			log.LogAttrs(r.Context(), level, "request failed",
				slog.String("request_id", RequestID(r.Context())),
				slog.Int("status", we.Status),
				slog.Any("error", we.Err))
		}
		WriteProblem(w, r, we.Status, we.Title)
	})
}

// WriteJSON writes v as a JSON response with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
