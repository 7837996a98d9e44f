package config

import (
	"os"
	"reflect"
	"testing"
)

// FuzzParse: Parse never panics; when it succeeds, Validate and Check do
// not panic, and parsing again gives the same result.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/example.yaml", "testdata/contract.yaml"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, tc := range strictCases {
		f.Add(tc.src)
	}
	for _, tc := range refCases {
		f.Add(tc.src)
	}
	f.Add("gateway:\n  apis:\n    - &a {name: a, upstream: http://u, auth: public}\n    - {<<: *a, name: b}\n")
	env, files := refEnv(), refFiles() // no real environment or files
	f.Fuzz(func(t *testing.T, src string) {
		c, err := parse([]byte(src), "/etc/rempart", env, files)
		c2, err2 := parse([]byte(src), "/etc/rempart", env, files)
		if (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
			t.Fatalf("parse is not deterministic: %v then %v", err, err2)
		}
		if err != nil {
			if c != nil {
				t.Fatalf("parse returned a config and an error")
			}
			_ = problems(t, err) // every error is a *Problem
			return
		}
		if !reflect.DeepEqual(c, c2) {
			t.Fatalf("parse is not deterministic:\n%+v\n%+v", c, c2)
		}
		_ = c.Validate()
		r := c.Check()
		if r.OK() != (c.Validate() == nil) {
			t.Fatalf("Check().OK() = %v disagrees with Validate", r.OK())
		}
	})
}
