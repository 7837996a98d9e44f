package authserver

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"

	"github.com/rempart/rempart/internal/oauth"
	"github.com/rempart/rempart/internal/web"
)

// clientForm reads the request of an endpoint whose client authenticates
// as at the token endpoint — introspection (RFC 7662 §2.1) and revocation
// (RFC 7009 §2.1) — with the same envelope: POST only, no parameter in the
// URI (R15), an application/x-www-form-urlencoded body of at most 64 KiB,
// no repeated parameter; then it authenticates the client through the
// jail (R3). The credentials are returned even on failure, for the log.
func (s *Server) clientForm(w http.ResponseWriter, r *http.Request) (url.Values, Client, clientCredentials, error) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return nil, Client{}, clientCredentials{}, &oauth.Error{Code: oauth.CodeInvalidRequest,
			Status: http.StatusMethodNotAllowed, Description: "this endpoint accepts only POST"}
	}
	if r.URL.RawQuery != "" {
		return nil, Client{}, clientCredentials{}, oauth.InvalidRequest("parameters are not accepted in the request URI").
			WithErr(errors.New("query string present"))
	}
	if len(r.Header.Values("Authorization")) > 1 {
		return nil, Client{}, clientCredentials{}, oauth.InvalidRequest("").WithErr(errors.New("several Authorization headers"))
	}
	if err := checkFormContentType(r.Header.Get("Content-Type")); err != nil {
		return nil, Client{}, clientCredentials{}, err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxTokenBody))
	if err != nil {
		return nil, Client{}, clientCredentials{}, oauth.InvalidRequest("the request body is too large or unreadable").
			WithErr(errors.New("reading body failed"))
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, Client{}, clientCredentials{}, oauth.InvalidRequest("the body is not a valid form").
			WithErr(errors.New("malformed form"))
	}
	for name, vs := range form {
		if len(vs) > 1 {
			return nil, Client{}, clientCredentials{}, oauth.InvalidRequest("a parameter is repeated").
				WithErr(errors.New("repeated parameter " + strconv.Quote(truncate(name, 40))))
		}
	}
	cr, err := extractClientCredentials(r.Header.Get("Authorization"), form)
	if err != nil {
		return nil, Client{}, cr, err
	}
	c, err := s.authenticateRequest(r, cr)
	if err != nil {
		return nil, Client{}, cr, err
	}
	return form, c, cr, nil
}

// writeEndpointError counts, logs and renders a failure of the
// introspection or revocation endpoint: the log has the request id, the
// client id and the cause, never a token or credential (R19, R20).
func (s *Server) writeEndpointError(w http.ResponseWriter, r *http.Request, endpoint string, cr clientCredentials, err error) {
	if errors.Is(err, oauth.ErrInvalidClient) {
		s.metrics.AuthFailed("authorization_server", "invalid_client")
	}
	level := slog.LevelWarn
	var oe *oauth.Error
	if !errors.As(err, &oe) || oe.Status >= 500 {
		level = slog.LevelError
	}
	s.log.LogAttrs(r.Context(), level, endpoint+" request refused",
		slog.String("request_id", web.RequestID(r.Context())),
		slog.String("client_id", truncate(cr.id, maxClientIDLen)),
		slog.Any("error", err))
	setRetryAfter(w, err)
	oauth.WriteError(w, err)
}
