package apikey

import "strings"

// WellFormed reports whether raw has the shape of a key: Prefix, then
// exactly 43 base64url characters that are the canonical encoding of 32
// bytes (the last character carries 4 data bits and 2 zero bits). It is
// cheap and touches no store, so the gateway can refuse garbage at once.
// The shape is not secret: its check need not be constant-time.
func WellFormed(raw string) bool {
	if len(raw) != Len || !strings.HasPrefix(raw, Prefix) {
		return false
	}
	body := raw[len(Prefix):]
	for i := 0; i < len(body); i++ {
		if b64Value(body[i]) < 0 {
			return false
		}
	}
	// 43 characters hold 258 bits; the last two must be zero.
	return b64Value(body[len(body)-1])&3 == 0
}

// b64Value returns the value of a base64url character, -1 for any other
// byte (RFC 4648 §5).
func b64Value(c byte) int {
	switch {
	case 'A' <= c && c <= 'Z':
		return int(c - 'A')
	case 'a' <= c && c <= 'z':
		return int(c-'a') + 26
	case '0' <= c && c <= '9':
		return int(c-'0') + 52
	case c == '-':
		return 62
	case c == '_':
		return 63
	}
	return -1
}
