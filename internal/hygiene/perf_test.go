package hygiene

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// findRef is CredentialDetector.Find as first written (a strings.Builder
// per squashed name, every part checked): the allocation-free version
// must answer exactly as it does.
func (d *CredentialDetector) findRef(rawQuery string) (string, bool) {
	for rawQuery != "" {
		var pair string
		if i := strings.IndexAny(rawQuery, "&;"); i >= 0 {
			pair, rawQuery = rawQuery[:i], rawQuery[i+1:]
		} else {
			pair, rawQuery = rawQuery, ""
		}
		name, _, _ := strings.Cut(pair, "=")
		if name == "" {
			continue
		}
		dec, ok := decodeName(name)
		if !ok {
			return MalformedParam, true
		}
		if n, ok := d.matchPartRef(squashRef(dec)); ok {
			return n, true
		}
		for part := range strings.FieldsFuncSeq(dec, isPartSep) {
			if n, ok := d.matchPartRef(squashRef(part)); ok {
				return n, true
			}
		}
	}
	return "", false
}

func (d *CredentialDetector) matchPartRef(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	for _, c := range d.names {
		switch {
		case s == c.squashed, s == "x"+c.squashed:
			return c.name, true
		case len(c.squashed) >= suffixMinLen && strings.HasSuffix(s, c.squashed):
			return c.name, true
		}
	}
	return "", false
}

func squashRef(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r >= utf8.RuneSelf {
			r = asciiFold(r)
		}
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			b.WriteRune(r)
		case 'A' <= r && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		}
	}
	return b.String()
}

var findSeeds = []string{
	"", "x=1", "a=1&b=2;c=3", "token=x", "TOKEN", "x-token=1", "xtoken", "access%5Ftoken=1", "acc%2565ss_token=1",
	"auth[token]=1", "user.password=x", "a.b.c.d.e=1", "new_password=1", "monkey=1", "pageToken=1", "%zz=1",
	"%u0074oken=1", "\u017Fecret=1", "apiKey=1", "x%3Dtoken=1", "a=b=c", "=x", "&&;;", "+token+=1",
	"very_long_parameter_name_that_exceeds_the_stack_buffer_of_sixty_four_bytes_client_secret=1",
	"very_long_parameter_name_that_exceeds_the_stack_buffer_of_sixty_four_bytes_but_is_harmless=1",
	"\xff\xfe=1", "k\u212Aey=1", "[]=1", "x[]=1&y[z]=2",
}

// TestFindMatchesReference compares Find with findRef, with and without
// configured extras.
func TestFindMatchesReference(t *testing.T) {
	for _, d := range []*CredentialDetector{NewCredentialDetector(nil), NewCredentialDetector([]string{"X-Session", "sig", "harmless"})} {
		for _, q := range findSeeds {
			checkFind(t, d, q)
		}
	}
}

// FuzzFindMatchesReference is TestFindMatchesReference on arbitrary
// queries.
func FuzzFindMatchesReference(f *testing.F) {
	for _, q := range findSeeds {
		f.Add(q)
	}
	d := NewCredentialDetector([]string{"X-Session", "sig"})
	f.Fuzz(func(t *testing.T, q string) { checkFind(t, d, q) })
}

func checkFind(t *testing.T, d *CredentialDetector, q string) {
	gp, gf := d.Find(q)
	wp, wf := d.findRef(q)
	if gp != wp || gf != wf {
		t.Errorf("Find(%q) = %q, %v; reference %q, %v", q, gp, gf, wp, wf)
	}
	for _, s := range []string{q, strings.ToUpper(q)} {
		if got, want := squash(s), squashRef(s); got != want {
			t.Errorf("squash(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestFindAllocs checks that ordinary queries cost no allocation.
func TestFindAllocs(t *testing.T) {
	d := NewCredentialDetector(nil)
	for _, q := range []string{"x=1", "page=2&per_page=50&sort=name", "filter[status]=open&fields=id,name"} {
		if n := testing.AllocsPerRun(100, func() { d.Find(q) }); n != 0 {
			t.Errorf("Find(%q) allocates %v times, want 0", q, n)
		}
	}
}

// TestMethodOverrideKeys checks the names StripMethodOverride looks up
// are MethodOverrideHeaders canonicalised.
func TestMethodOverrideKeys(t *testing.T) {
	if len(methodOverrideKeys) != len(MethodOverrideHeaders) {
		t.Fatalf("%d keys for %d headers", len(methodOverrideKeys), len(MethodOverrideHeaders))
	}
	for i, k := range MethodOverrideHeaders {
		if methodOverrideKeys[i] != http.CanonicalHeaderKey(k) {
			t.Errorf("key %q for %q", methodOverrideKeys[i], k)
		}
	}
}
