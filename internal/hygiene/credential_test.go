package hygiene

import "testing"

func TestFind(t *testing.T) {
	d := NewCredentialDetector([]string{"session_id", "", "API-KEY"})
	rows := []struct {
		name  string
		query string
		want  string // "" = not found
	}{
		{"ok/empty", "", ""},
		{"ok/benign", "q=hello&page=2", ""},
		{"ok/tokens-count", "tokens_count=3", ""},
		{"ok/monkey", "monkey=1", ""},
		{"ok/keyword", "keyword=token", ""},
		{"ok/page-token", "pageToken=abc&nextPageToken=def", ""},
		{"ok/sort-key", "sort_key=name", ""},
		{"ok/value-looks-like-name", "q=access_token%3Dx", ""},
		{"ok/passwordless", "passwordless=true", ""},
		{"ok/empty-pairs", "&&;;=x", ""},
		{"fail/access-token", "access_token=abc", "access_token"},
		{"fail/second-pair", "a=1&token=abc", "token"},
		{"fail/uppercase", "ACCESS_TOKEN=abc", "access_token"},
		{"fail/dash", "access-token=abc", "access_token"},
		{"fail/camel", "accessToken=abc", "access_token"},
		{"fail/dot", "access.token=abc", "access_token"},
		{"fail/spaces", "%20token%20=abc", "token"},
		{"fail/plus-space", "+token+=abc", "token"},
		{"fail/encoded-letter", "acc%65ss_token=abc", "access_token"},
		{"fail/encoded-underscore", "api%5Fkey=abc", "api_key"},
		{"fail/double-encoded", "acc%2565ss_token=abc", "access_token"},
		{"fail/invalid-escape", "%zztoken=abc", MalformedParam},
		{"fail/iis-u-escape", "%u0074oken=abc", MalformedParam},
		{"fail/trailing-percent", "token%=abc", MalformedParam},
		{"fail/api-key-dash", "api-key=abc", "api_key"},
		{"fail/apiKey", "apiKey=abc", "api_key"},
		{"fail/x-api-key", "x-api-key=abc", "api_key"},
		{"fail/x-token", "X-Token=abc", "token"},
		{"fail/key", "key=AIza", "key"},
		{"fail/brackets", "token[]=abc", "token"},
		{"fail/indexed", "token[0]=abc", "token"},
		{"fail/nested", "auth[token]=abc", "token"},
		{"fail/nested-secret", "client[client_secret]=abc", "client_secret"},
		{"fail/dotted-nesting", "user.password=abc", "password"},
		{"fail/suffix-password", "new_password=abc", "password"},
		{"fail/suffix-secret", "app_secret=abc", "secret"},
		{"fail/semicolon", "a=1;token=x", "token"},
		{"fail/leading-semicolon", ";token=x", "token"},
		{"fail/no-value", "token", "token"},
		{"fail/empty-value", "password=", "password"},
		{"fail/long-s", "ſecret=abc", "secret"},
		{"fail/kelvin", "\u212Aey=abc", "key"},
		{"fail/nul", "to%00ken=abc", "token"},
		{"fail/extra", "Session-ID=abc", "session_id"},
		{"fail/same-squashed-form", "apikey=abc", "api_key"},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			got, found := d.Find(tc.query)
			if found != (tc.want != "") || got != tc.want {
				t.Errorf("Find(%q) = %q, %v; want %q, %v", tc.query, got, found, tc.want, tc.want != "")
			}
		})
	}
}

func TestFindDefaultsOnly(t *testing.T) {
	d := NewCredentialDetector(nil)
	if p, found := d.Find("session_id=abc"); found {
		t.Errorf("Find(session_id) = %q, true; want not found without the extra", p)
	}
	for _, n := range DefaultCredentialParams {
		if _, found := d.Find("x=1&" + n + "=v"); !found {
			t.Errorf("default %q not found", n)
		}
	}
}
