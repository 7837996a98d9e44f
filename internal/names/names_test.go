package names

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string // want: substring of the message, "" for ok
	}{
		{"ok/plain", "billing b", ""},
		{"ok/unicode", "été à 2", ""},
		{"ok/max", strings.Repeat("é", 10), ""},
		{"fail/empty", "", "required"},
		{"fail/too-long", strings.Repeat("a", 11), "at most 10"},
		{"fail/invalid-utf8", "a\xffb", "at most 10"},
		{"fail/control", "a\nb", "printable"},
		{"fail/escape", "a\x1b[31mb", "printable"},
		{"fail/leading-space", " a", "space"},
		{"fail/trailing-space", "a ", "space"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Check(tc.in, 10)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("Check(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
