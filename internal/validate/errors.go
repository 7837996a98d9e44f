package validate

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
)

// Sentinel errors. Every *Error wraps one of them through Err, so callers and
// tests can classify refusals with errors.Is.
var (
	// ErrOptions reports an invalid Options value given to New.
	ErrOptions = errors.New("invalid validation options")
	// ErrOpenAPI reports an OpenAPI document that cannot be loaded or is invalid.
	ErrOpenAPI = errors.New("invalid OpenAPI document")
	// ErrNoRoute reports a request that matches no OpenAPI operation (404/405).
	ErrNoRoute = errors.New("no matching operation")
	// ErrMediaType reports a refused Content-Type (415) or Accept (406).
	ErrMediaType = errors.New("media type not acceptable")
	// ErrJSON reports a body that is not well-formed JSON or exceeds a JSON limit.
	ErrJSON = errors.New("malformed or oversized JSON")
	// ErrSchema reports a request or response that does not match its schema.
	ErrSchema = errors.New("schema mismatch")
)

// Public titles. They are fixed strings chosen here: never a library message,
// never a schema keyword, pattern or enum list (R14, R19).
const (
	TitleNotFound          = "no such resource"
	TitleMethodNotAllowed  = "method not allowed"
	TitleUnsupportedMedia  = "unsupported content type"
	TitleNotAcceptable     = "no acceptable representation"
	TitleMalformedJSON     = "malformed JSON"
	TitleJSONTooDeep       = "JSON nesting too deep"
	TitleJSONStringTooLong = "JSON string too long"
	TitleJSONArrayTooLong  = "JSON array too long"
	TitleJSONTooManyFields = "too many JSON object members"
	TitleDuplicateProperty = "duplicate property"
	TitleInvalidValue      = "invalid value"
	TitleWrongType         = "wrong type"
	TitleMissingProperty   = "missing required property"
	TitleUnexpectedField   = "unexpected property"
	TitleMissingParameter  = "missing required parameter"
	TitleMalformedParam    = "malformed parameter"
	TitleMissingBody       = "missing request body"
	TitleBadResponse       = "upstream response does not match its declared schema"
)

// maxLocation bounds Error.Location: JSON keys come from the caller and can be
// long (up to JSONLimits.MaxStringLength).
const maxLocation = 256

// Error is a refusal with a public face and a private cause.
//
// Status, Title, Location and Allow may be shown to the caller: Title is one
// of the Title* constants and Location names where the problem is
// ("query.limit", "header.X-Trace", "path.id", "body.items[3].price", "body")
// without any schema internals. Err is the cause for the log only: it wraps a
// sentinel (ErrSchema, ErrJSON, …) and names the failing schema keyword, never
// a request value (R20).
type Error struct {
	Status   int      // 400, 404, 405, 406, 415, or 502 for a refused upstream response
	Title    string   // generic reason, safe to show
	Location string   // where, safe to show; "" when the whole request is concerned
	Allow    []string // methods allowed on the path, for 405
	Err      error    // private cause, for logs only
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("validate: ")
	b.WriteString(http.StatusText(e.Status))
	if e.Title != "" {
		b.WriteString(": ")
		b.WriteString(e.Title)
	}
	if e.Location != "" {
		b.WriteString(" at ")
		b.WriteString(e.Location)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the private cause.
func (e *Error) Unwrap() error { return e.Err }

// Detail is the text a gateway may put in a problem+json "detail": the title
// and the location, nothing else.
func (e *Error) Detail() string {
	if e.Location == "" {
		return e.Title
	}
	return e.Title + ": " + e.Location
}

// LogValue implements slog.LogValuer.
func (e *Error) LogValue() slog.Value {
	attrs := []slog.Attr{slog.Int("status", e.Status), slog.String("title", e.Title)}
	if e.Location != "" {
		attrs = append(attrs, slog.String("location", e.Location))
	}
	if e.Err != nil {
		attrs = append(attrs, slog.String("cause", e.Err.Error()))
	}
	return slog.GroupValue(attrs...)
}

// newError builds an *Error, bounding the location's length.
func newError(status int, title, location string, cause error) *Error {
	return &Error{Status: status, Title: title, Location: clip(location), Err: cause}
}

func clip(s string) string {
	if len(s) <= maxLocation {
		return s
	}
	// Cut on a rune boundary.
	i := maxLocation
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}

// causef wraps a sentinel with a log-only explanation.
func causef(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}

var _ slog.LogValuer = (*Error)(nil)
