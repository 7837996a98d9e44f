package validate

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func TestNew(t *testing.T) {
	// A server that must never be contacted: references are never fetched (SSRF).
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte("Thing: {type: object}\n"))
	}))
	defer srv.Close()

	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	withRef := func(ref string) string {
		return `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: "` + ref + `"}
      responses:
        "204": {description: ok}
`
	}
	remote := write("remote.yaml", withRef(srv.URL+"/schemas.yaml#/Thing"))
	fileURL := write("fileurl.yaml", withRef("file:///etc/passwd#/x"))
	invalid := write("invalid.yaml", "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\npaths:\n  /x:\n    get: {}\n")
	swagger := write("swagger.yaml", "swagger: \"2.0\"\ninfo: {title: t, version: \"1\"}\npaths: {}\n")
	notYAML := write("garbage.yaml", "{{{")
	if err := os.Symlink("/etc/hostname", filepath.Join(dir, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	symlink := write("symlink.yaml", withRef("link.yaml#/x"))

	for _, tc := range []struct {
		name     string
		o        Options
		sentinel error // nil: success
		mention  string
	}{
		{name: "ok/none", o: Options{}},
		{name: "ok/content-types", o: Options{ContentTypes: []string{"application/json", "application/*+json", "text/*"}}},
		{name: "ok/openapi-3.0", o: Options{OpenAPIFile: "testdata/orders.openapi.yaml", Response: ResponseBlock}},
		{name: "ok/openapi-3.1", o: Options{OpenAPIFile: "testdata/orders31.openapi.yaml", Response: ResponseStrip}},
		{name: "ok/sibling-file-ref", o: Options{OpenAPIFile: "testdata/refs/ok.openapi.yaml"}},
		{name: "fail/response-mode", o: Options{Response: "audit"}, sentinel: ErrOptions, mention: "audit"},
		{name: "fail/response-needs-openapi", o: Options{Response: ResponseBlock}, sentinel: ErrOptions},
		{name: "fail/content-type", o: Options{ContentTypes: []string{"json"}}, sentinel: ErrOptions, mention: "json"},
		{name: "fail/missing-file", o: Options{OpenAPIFile: "testdata/nope.yaml"}, sentinel: ErrOpenAPI, mention: "testdata/nope.yaml"},
		{name: "fail/invalid-document", o: Options{OpenAPIFile: invalid}, sentinel: ErrOpenAPI, mention: invalid},
		{name: "fail/swagger-2", o: Options{OpenAPIFile: swagger}, sentinel: ErrOpenAPI, mention: "version"},
		{name: "fail/not-yaml", o: Options{OpenAPIFile: notYAML}, sentinel: ErrOpenAPI},
		{name: "fail/ref-escapes-directory", o: Options{OpenAPIFile: "testdata/refs/escape.openapi.yaml"}, sentinel: ErrOpenAPI, mention: "directory"},
		{name: "fail/ref-absolute-path", o: Options{OpenAPIFile: "testdata/refs/absolute.openapi.yaml"}, sentinel: ErrOpenAPI, mention: "directory"},
		{name: "fail/ref-url", o: Options{OpenAPIFile: remote}, sentinel: ErrOpenAPI, mention: "directory"},
		{name: "fail/ref-file-url", o: Options{OpenAPIFile: fileURL}, sentinel: ErrOpenAPI},
		{name: "fail/ref-symlink-out", o: Options{OpenAPIFile: symlink}, sentinel: ErrOpenAPI},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := New(context.Background(), tc.o)
			if tc.sentinel == nil {
				if err != nil || v == nil {
					t.Fatalf("New = %v, %v", v, err)
				}
				return
			}
			if err == nil {
				t.Fatal("New succeeded, want an error")
			}
			t.Log(err)
			if !errors.Is(err, tc.sentinel) {
				t.Errorf("New error %v does not wrap %v", err, tc.sentinel)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("New error %q does not mention %q", err, tc.mention)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loader fetched a remote reference %d times", n)
	}
}

// TestSiblingRef checks that a schema loaded from a sibling file is enforced.
func TestSiblingRef(t *testing.T) {
	v := mustNew(t, Options{OpenAPIFile: "testdata/refs/ok.openapi.yaml"})
	for body, want := range map[string]int{`{"name":"ab"}`: 0, `{"name":"ab","x":1}`: 400, `{"name":"far-too-long"}`: 400} {
		_, err := v.CheckRequest(newRequest("POST", "/things", body, jsonCT()...), []byte(body))
		var e *Error
		switch {
		case want == 0 && err != nil:
			t.Errorf("%s: %v", body, err)
		case want != 0 && (!errors.As(err, &e) || e.Status != want):
			t.Errorf("%s: error %v, want status %d", body, err, want)
		}
	}
}
