package validate

import (
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func nest(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

func object(n int) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"k` + strconv.Itoa(i) + `":0`)
	}
	b.WriteByte('}')
	return b.String()
}

func array(n int) string {
	return "[" + strings.TrimSuffix(strings.Repeat("0,", n), ",") + "]"
}

func TestCheckJSON(t *testing.T) {
	small := JSONLimits{MaxDepth: 2, MaxStringLength: 3, MaxArrayLength: 2, MaxMembers: 2}
	for _, tc := range []struct {
		name     string
		body     string
		lim      JSONLimits
		title    string // "" for ok
		location string
	}{
		{name: "ok/scalar", body: `"x"`},
		{name: "ok/null", body: ` null `},
		{name: "ok/depth-32", body: nest(32)},
		{name: "ok/string-65536", body: `"` + strings.Repeat("a", 65536) + `"`},
		{name: "ok/array-10000", body: array(10_000)},
		{name: "ok/members-1000", body: object(1000)},
		{name: "ok/escapes-count-decoded", body: `"\u00e9\u00e9"`, lim: JSONLimits{MaxStringLength: 4}},
		{name: "ok/small", body: `{"ab":[1,2],"c":"xyz"}`, lim: small},

		{name: "fail/depth-33", body: nest(33), title: TitleJSONTooDeep},
		{name: "fail/string-65537", body: `"` + strings.Repeat("a", 65537) + `"`, title: TitleJSONStringTooLong, location: "body"},
		{name: "fail/key-too-long", body: `{"abcd":1}`, lim: small, title: TitleJSONStringTooLong, location: "body"},
		{name: "fail/array-10001", body: array(10_001), title: TitleJSONArrayTooLong, location: "body"},
		{name: "fail/members-1001", body: object(1001), title: TitleJSONTooManyFields, location: "body"},
		{name: "fail/small-depth", body: `{"a":{"b":{}}}`, lim: small, title: TitleJSONTooDeep, location: "body.a.b"},
		{name: "fail/small-string", body: `{"a":["ok","long"]}`, lim: small, title: TitleJSONStringTooLong, location: "body.a[1]"},
		{name: "fail/small-array", body: `{"a":[{"b":[1,2,3]}]}`, lim: JSONLimits{MaxArrayLength: 2}, title: TitleJSONArrayTooLong, location: "body.a[0].b"},
		{name: "fail/small-members", body: `{"a":{"x":1,"y":2,"z":3}}`, lim: small, title: TitleJSONTooManyFields, location: "body.a"},
		{name: "fail/location-deep", body: `{"items":[{},{},{},{"price":"123456"}]}`, lim: JSONLimits{MaxStringLength: 5}, title: TitleJSONStringTooLong, location: "body.items[3].price"},
		{name: "fail/duplicate-key", body: `{"a":1,"b":{"c":1,"c":2}}`, title: TitleDuplicateProperty, location: "body.b.c"},
		{name: "fail/duplicate-key-container", body: `{"a":{},"a":[]}`, title: TitleDuplicateProperty, location: "body.a"},
		{name: "fail/empty", body: ``, title: TitleMalformedJSON},
		{name: "fail/truncated", body: `{"a":[1,`, title: TitleMalformedJSON},
		{name: "fail/trailing", body: `{} x`, title: TitleMalformedJSON, location: "body"},
		{name: "fail/two-values", body: `1 2`, title: TitleMalformedJSON},
		{name: "fail/trailing-comma", body: `[1,]`, title: TitleMalformedJSON},
		{name: "fail/missing-colon", body: `{"a" 1}`, title: TitleMalformedJSON},
		{name: "fail/invalid-utf8", body: "\"\xff\"", title: TitleMalformedJSON},
		{name: "fail/huge-number", body: `1e400`, title: TitleMalformedJSON},
		{name: "fail/single-quotes", body: `{'a':1}`, title: TitleMalformedJSON},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckJSON([]byte(tc.body), tc.lim)
			if tc.title == "" {
				if err != nil {
					t.Fatalf("CheckJSON: %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("CheckJSON = %v, want *Error %q", err, tc.title)
			}
			if e.Status != http.StatusBadRequest || e.Title != tc.title || !errors.Is(err, ErrJSON) {
				t.Errorf("CheckJSON = %+v, want 400 %q wrapping ErrJSON", e, tc.title)
			}
			if tc.location != "" && e.Location != tc.location {
				t.Errorf("location = %q, want %q", e.Location, tc.location)
			}
		})
	}
}

func TestParseJSONValue(t *testing.T) {
	got, err := parseJSON([]byte(`{"a":[1,2.5,"x",true,null,{}],"b":[]}`), JSONLimits{}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": []any{1.0, 2.5, "x", true, nil, map[string]any{}}, "b": []any{}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseJSON = %#v, want %#v", got, want)
	}
}

func TestLocationRendering(t *testing.T) {
	for _, tc := range []struct {
		steps []step
		want  string
	}{
		{nil, "body"},
		{[]step{keyStep("items"), indexStep(3), keyStep("price")}, "body.items[3].price"},
		{[]step{keyStep("a.b")}, `body["a.b"]`},
		{[]step{keyStep("x\u202e\n")}, `body["x\u202e\n"]`},
		{[]step{keyStep("")}, `body[""]`},
		{[]step{keyStep("9lives")}, `body["9lives"]`},
		{[]step{keyStep(strings.Repeat("k", 1000))}, `body["` + strings.Repeat("k", maxLocation-len(`body["`)) + "…"},
	} {
		if got := renderSteps("body", tc.steps); got != tc.want {
			t.Errorf("renderSteps(%v) = %q, want %q", tc.steps, got, tc.want)
		}
	}
}
