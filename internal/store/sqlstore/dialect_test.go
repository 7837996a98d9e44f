package sqlstore

import "testing"

func TestRebind(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"ok/none", "SELECT 1", "SELECT 1"},
		{"ok/numbered", "UPDATE t SET a = ?, b = ? WHERE id = ?", "UPDATE t SET a = $1, b = $2 WHERE id = $3"},
		{"ok/single-quoted", "SELECT '?', ? FROM t WHERE x = 'it''s?'", "SELECT '?', $1 FROM t WHERE x = 'it''s?'"},
		{"ok/double-quoted", `SELECT "a?b" FROM t WHERE c = ?`, `SELECT "a?b" FROM t WHERE c = $1`},
		{"ok/comment", "SELECT ? -- why?\nFROM t WHERE a = ?", "SELECT $1 -- why?\nFROM t WHERE a = $2"},
		{"ok/trailing-comment", "SELECT ? -- why?", "SELECT $1 -- why?"},
		{"ok/unterminated-literal", "SELECT ? 'x?", "SELECT $1 'x?"},
		{"ok/minus", "SELECT ? - ?", "SELECT $1 - $2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := postgresDialect.rebind(tc.in); got != tc.want {
				t.Errorf("postgres rebind(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if got := sqliteDialect.rebind(tc.in); got != tc.in {
				t.Errorf("sqlite rebind(%q) = %q, want it unchanged", tc.in, got)
			}
		})
	}
}
