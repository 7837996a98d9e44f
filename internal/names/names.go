// Package names checks the human-readable names operators give to what
// they register (clients, API keys): printable text of bounded length, no
// leading or trailing space, so a name is safe to print in a terminal, a log
// line or a consent page (escaped there as any text).
package names

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Check returns a message saying what is wrong with name, or "" when it is
// 1 to max printable characters without leading or trailing space.
func Check(name string, max int) string {
	switch {
	case name == "":
		return "a name is required"
	case !utf8.ValidString(name) || utf8.RuneCountInString(name) > max:
		return fmt.Sprintf("the name must be at most %d characters", max)
	case strings.ContainsFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }):
		return "the name must be printable text"
	case strings.TrimSpace(name) != name:
		return "the name must not start or end with a space"
	}
	return ""
}
