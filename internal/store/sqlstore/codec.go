package sqlstore

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// Times are stored as UTC Unix nanoseconds; these bound what an int64 holds.
var (
	minTime = time.Unix(0, math.MinInt64).UTC()
	maxTime = time.Unix(0, math.MaxInt64).UTC()
)

var (
	errZeroTime     = errors.New("time not set")
	errTimeRange    = errors.New("time out of range")
	errCorruptValue = errors.New("corrupt stored value")
	errBadText      = errors.New("text is not valid UTF-8 or contains NUL")
)

// checkText rejects what PostgreSQL TEXT cannot hold (invalid UTF-8, NUL) so
// that both databases accept and return the same strings.
func checkText(ss ...string) error {
	for _, s := range ss {
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			return errBadText
		}
	}
	return nil
}

// nanos encodes a required time; the zero time is an error.
func nanos(t time.Time) (int64, error) {
	if t.IsZero() {
		return 0, errZeroTime
	}
	if t.Before(minTime) || t.After(maxTime) {
		return 0, errTimeRange
	}
	return t.UnixNano(), nil
}

// optNanos encodes an optional time: the zero time becomes NULL.
func optNanos(t time.Time) (sql.NullInt64, error) {
	if t.IsZero() {
		return sql.NullInt64{}, nil
	}
	n, err := nanos(t)
	if err != nil {
		return sql.NullInt64{}, err
	}
	return sql.NullInt64{Int64: n, Valid: true}, nil
}

// fromNanos decodes a stored time; NULL becomes the zero time.
func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

// optBytes encodes an optional byte string: empty becomes NULL, otherwise
// the bytes are passed as they are (a BLOB / BYTEA, never text).
func optBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// readBytes normalises a scanned optional byte string: empty becomes nil.
func readBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// encodeList encodes a string list as a JSON array; nil becomes "[]".
func encodeList(l []string) (string, error) {
	if len(l) == 0 {
		return "[]", nil
	}
	if err := checkText(l...); err != nil {
		return "", err
	}
	b, err := json.Marshal(l)
	if err != nil {
		return "", fmt.Errorf("encode list: %w", err)
	}
	return string(b), nil
}

// decodeList decodes a JSON array of strings; an empty array becomes nil.
func decodeList(s string) ([]string, error) {
	var l []string
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return nil, errCorruptValue
	}
	if len(l) == 0 {
		return nil, nil
	}
	return l, nil
}
