package gateway

// nameSet is a set of canonical header names (letters, digits and "-")
// matched the way http.CanonicalHeaderKey would match them: a name is in
// the set when it equals a member up to ASCII letter case. That is
// CanonicalHeaderKey(k) == member exactly: canonicalisation changes only
// the case of ASCII letters of a valid name, and leaves a name with any
// other byte (space, non-ASCII) as it is, which no member equals. It
// costs a length check per member instead of canonicalising every name
// on every request.
type nameSet struct {
	byLen [][]string // members indexed by length
}

func newNameSet(names ...string) nameSet {
	var s nameSet
	for _, n := range names {
		for len(s.byLen) <= len(n) {
			s.byLen = append(s.byLen, nil)
		}
		s.byLen[len(n)] = append(s.byLen[len(n)], n)
	}
	return s
}

// has reports whether k names a member, in any ASCII letter case.
func (s nameSet) has(k string) bool {
	if len(k) >= len(s.byLen) {
		return false
	}
	for _, m := range s.byLen[len(k)] {
		if asciiEqualFold(k, m) {
			return true
		}
	}
	return false
}

// asciiEqualFold reports whether a and b, of equal length, are equal up to
// the case of ASCII letters (no Unicode folding: "K", the Kelvin sign, is
// not "k").
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if ca == cb {
			continue
		}
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}
