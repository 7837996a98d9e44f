package config

import (
	"strconv"
	"strings"
	"time"
)

// suggest returns the valid key closest to key, when within 2 edits.
func suggest(key string, fields map[string][]int) string {
	best, bestDist := "", 3
	for name := range fields {
		dist := editDistance(strings.ToLower(key), name)
		if dist < bestDist || (dist == bestDist && name < best) {
			best, bestDist = name, dist
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// parseDuration parses Go duration syntax; it returns a message (without
// the value) when s is not a positive duration with units.
func parseDuration(s string) (time.Duration, string) {
	s = strings.TrimSpace(s)
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return 0, `a unit is required, e.g. "30s", "30m" or "24h"`
	}
	dur, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return 0, `use Go syntax such as "90s", "30m", "24h" (no days)`
	case dur < 0:
		return 0, "must not be negative"
	case dur == 0:
		return 0, "must be greater than zero (omit the key for the default)"
	}
	return dur, ""
}

// parseByteSize parses "1048576", "512KiB", "1MiB", "10MB", "1KB"... Units
// are case-insensitive; KB, MB, GB are powers of 1000, KiB, MiB, GiB of 1024.
func parseByteSize(s string) (ByteSize, string) {
	byteUnits := []struct {
		suffix string
		mult   int64
	}{
		{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30},
		{"kb", 1000}, {"mb", 1000 * 1000}, {"gb", 1000 * 1000 * 1000},
		{"b", 1},
	}
	s = strings.TrimSpace(s)
	num, mult := s, int64(1)
	lower := strings.ToLower(s)
	for _, u := range byteUnits {
		if strings.HasSuffix(lower, u.suffix) {
			num, mult = strings.TrimSpace(s[:len(s)-len(u.suffix)]), u.mult
			break
		}
	}
	if num == "" || strings.TrimLeft(num, "0123456789") != "" {
		return 0, `use a whole number of bytes or a unit: B, KB, MB, GB, KiB, MiB, GiB`
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n > (1<<62)/mult {
		return 0, "too large"
	}
	if n == 0 {
		return 0, "must be greater than zero (omit the key for the default)"
	}
	return ByteSize(n * mult), ""
}
