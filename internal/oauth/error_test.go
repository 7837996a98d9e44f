package oauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestConstructorsFresh(t *testing.T) {
	ctors := []struct {
		name     string
		f        func(string) *Error
		sentinel *Error
		status   int
	}{
		{"invalid_request", InvalidRequest, ErrInvalidRequest, 400},
		{"invalid_client", InvalidClient, ErrInvalidClient, 401},
		{"invalid_grant", InvalidGrant, ErrInvalidGrant, 400},
		{"unauthorized_client", UnauthorizedClient, ErrUnauthorizedClient, 400},
		{"unsupported_grant_type", UnsupportedGrantType, ErrUnsupportedGrantType, 400},
		{"invalid_scope", InvalidScope, ErrInvalidScope, 400},
		{"access_denied", AccessDenied, ErrAccessDenied, 400},
		{"server_error", ServerError, ErrServerError, 500},
		{"temporarily_unavailable", TemporarilyUnavailable, ErrTemporarilyUnavailable, 503},
		{"invalid_target", InvalidTarget, ErrInvalidTarget, 400},
		{"unsupported_response_type", UnsupportedResponseType, ErrUnsupportedResponseType, 400},
	}
	for _, tc := range ctors {
		t.Run("ok/"+tc.name, func(t *testing.T) {
			a, b := tc.f("x"), tc.f("x")
			if a == b || a == tc.sentinel {
				t.Fatal("constructor returned a shared value")
			}
			if a.Code != tc.name || a.Status != tc.status || a.Description != "x" {
				t.Errorf("got %+v", a)
			}
			a.Description = "changed"
			if tc.sentinel.Description != "" {
				t.Error("sentinel was modified")
			}
			wrapped := fmt.Errorf("ctx: %w", a)
			if !errors.Is(wrapped, tc.sentinel) {
				t.Errorf("errors.Is(%v, sentinel %s) = false", wrapped, tc.name)
			}
			if _, ok := defaultDescription[tc.name]; !ok {
				t.Errorf("no default description for %s", tc.name)
			}
		})
	}
	if errors.Is(InvalidGrant(""), ErrInvalidClient) {
		t.Error("Is matched a different code")
	}
}

func TestWithErr(t *testing.T) {
	cause := errors.New("db down")
	base := ServerError("")
	e := base.WithErr(cause)
	if base.Err != nil {
		t.Error("WithErr modified the receiver")
	}
	if !errors.Is(e, cause) || !errors.Is(e, ErrServerError) {
		t.Error("WithErr lost the cause or the code")
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", slog.Any("error", e))
	if !strings.Contains(buf.String(), `"cause":"db down"`) || !strings.Contains(buf.String(), `"code":"server_error"`) {
		t.Errorf("LogValue output = %s", buf.String())
	}
}

func TestWriteError(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   string
		wantDesc   string
		wantAuth   bool
	}{
		{"ok/invalid-request", InvalidRequest("bad"), 400, "invalid_request", "bad", false},
		{"ok/default-description", InvalidGrant(""), 400, "invalid_grant", defaultDescription[CodeInvalidGrant], false},
		{"ok/invalid-client-401", InvalidClient("nope"), 401, "invalid_client", "nope", true},
		{"ok/wrapped", fmt.Errorf("x: %w", InvalidScope("s")), 400, "invalid_scope", "s", false},
		{"ok/internal-cause-hidden", ServerError("").WithErr(errors.New("secret-sql")), 500, "server_error", defaultDescription[CodeServerError], false},
		{"ok/plain-error", errors.New("pq: password=hunter2"), 500, "server_error", defaultDescription[CodeServerError], false},
		{"ok/zero-status", &Error{Code: "invalid_request"}, 400, "invalid_request", defaultDescription[CodeInvalidRequest], false},
		{"ok/custom-status", &Error{Code: "invalid_request", Status: 405}, 405, "invalid_request", defaultDescription[CodeInvalidRequest], false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteError(rec, tc.err)
			if rec.Code != tc.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tc.wantStatus)
			}
			h := rec.Header()
			if h.Get("Cache-Control") != "no-store" || h.Get("Pragma") != "no-cache" {
				t.Errorf("cache headers = %q %q", h.Get("Cache-Control"), h.Get("Pragma"))
			}
			if h.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type = %q", h.Get("Content-Type"))
			}
			gotAuth := h.Get("WWW-Authenticate")
			if tc.wantAuth && gotAuth != `Basic realm="rempart"` {
				t.Errorf("WWW-Authenticate = %q", gotAuth)
			}
			if !tc.wantAuth && gotAuth != "" {
				t.Errorf("unexpected WWW-Authenticate %q", gotAuth)
			}
			var body map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", rec.Body.String(), err)
			}
			if body["error"] != tc.wantCode || body["error_description"] != tc.wantDesc || len(body) != 2 {
				t.Errorf("body = %v", body)
			}
			for _, leak := range []string{"secret-sql", "hunter2"} {
				if strings.Contains(rec.Body.String(), leak) {
					t.Errorf("body leaks %q: %s", leak, rec.Body.String())
				}
			}
		})
	}
}

func TestErrorStatusesAreHTTP(t *testing.T) {
	for code := range defaultDescription {
		rec := httptest.NewRecorder()
		WriteError(rec, &Error{Code: code, Status: http.StatusTeapot})
		if rec.Code != http.StatusTeapot {
			t.Errorf("%s: status %d", code, rec.Code)
		}
	}
}
