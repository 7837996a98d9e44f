package validate

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestOpenAPI31Keywords checks that JSON Schema 2020-12 keywords of an
// OpenAPI 3.1 document are enforced, not silently ignored.
func TestOpenAPI31Keywords(t *testing.T) {
	const doc = `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /api/transfers:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              allOf:
                - $ref: "#/components/schemas/Base"
                - type: object
                  properties:
                    kind: {const: transfer}
                    amount: {type: number, exclusiveMinimum: 0}
                    memo: {type: [string, "null"], maxLength: 8}
                  required: [kind, amount]
              unevaluatedProperties: false
      responses:
        "204": {description: ok}
components:
  schemas:
    Base:
      type: object
      properties:
        id: {type: string}
`
	file := filepath.Join(t.TempDir(), "t.yaml")
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	v := mustNew(t, Options{OpenAPIFile: file})
	for _, tc := range []struct {
		name, body, title, location string
	}{
		{name: "ok/full", body: `{"id":"a","kind":"transfer","amount":1.5,"memo":null}`},
		{name: "ok/memo-string", body: `{"kind":"transfer","amount":1,"memo":"hi"}`},
		{name: "fail/const", body: `{"kind":"refund","amount":1}`, title: TitleInvalidValue, location: "body.kind"},
		{name: "fail/exclusive-minimum", body: `{"kind":"transfer","amount":0}`, title: TitleInvalidValue, location: "body.amount"},
		{name: "fail/type-array", body: `{"kind":"transfer","amount":1,"memo":3}`, title: TitleWrongType, location: "body.memo"},
		{name: "fail/unevaluated-property", body: `{"kind":"transfer","amount":1,"role":"admin"}`, title: TitleUnexpectedField, location: "body.role"},
		{name: "fail/missing", body: `{"kind":"transfer"}`, title: TitleMissingProperty, location: "body.amount"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.CheckRequest(newRequest("POST", "/api/transfers", tc.body, jsonCT()...), []byte(tc.body))
			if tc.title == "" {
				if err != nil {
					t.Fatalf("CheckRequest: %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Status != 400 {
				t.Fatalf("CheckRequest = %v, want a 400 *Error", err)
			}
			if e.Title != tc.title || e.Location != tc.location {
				t.Errorf("got %q at %q, want %q at %q (%v)", e.Title, e.Location, tc.title, tc.location, e)
			}
			checkPublic(t, e, "refund", "admin")
		})
	}
}
