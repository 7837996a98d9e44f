package validate

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// Content negotiation (R13; RFC 9110 §8.3 Content-Type, §12.5.1 Accept,
// §15.5.16 415, §15.5.7 406).

// mediaRange is a lowercased type/subtype pair; either may be "*".
type mediaRange struct{ typ, sub string }

func (m mediaRange) String() string { return m.typ + "/" + m.sub }

// parseMediaRange parses s ("application/json; charset=utf-8") into its range
// and parameters (keys lowercased by mime.ParseMediaType).
func parseMediaRange(s string) (mediaRange, map[string]string, error) {
	mt, params, err := mime.ParseMediaType(s)
	if err != nil {
		return mediaRange{}, nil, err
	}
	typ, sub, ok := strings.Cut(mt, "/")
	if !ok || typ == "" || sub == "" || (typ == "*" && sub != "*") {
		return mediaRange{}, nil, fmt.Errorf("not a media type: %q", mt)
	}
	return mediaRange{typ: typ, sub: sub}, params, nil
}

// parseMediaRanges parses a configured list (content_types, an OpenAPI
// content map's keys).
func parseMediaRanges(list []string) ([]mediaRange, error) {
	out := make([]mediaRange, 0, len(list))
	for _, s := range list {
		m, _, err := parseMediaRange(s)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// covers reports whether range m includes media type t (t may itself hold
// wildcards, as an OpenAPI "application/*" key does: then the two overlap).
// Besides RFC 9110's "*/*" and "type/*", a structured-syntax wildcard such as
// "application/*+json" (RFC 6839) is understood in configured types.
func (m mediaRange) covers(t mediaRange) bool {
	if m.typ != "*" && t.typ != "*" && m.typ != t.typ {
		return false
	}
	switch {
	case m.sub == "*" || t.sub == "*" || m.sub == t.sub:
		return true
	case strings.HasPrefix(m.sub, "*+"): // "application/*+json": any +json type
		return strings.HasSuffix(t.sub, m.sub[1:])
	case strings.HasPrefix(t.sub, "*+"):
		return strings.HasSuffix(m.sub, t.sub[1:])
	}
	return false
}

// specificity ranks how precisely m names t: exact 2, type/* 1, */* 0.
func (m mediaRange) specificity() int {
	switch {
	case m.typ == "*":
		return 0
	case m.sub == "*":
		return 1
	}
	return 2
}

// isJSON reports whether t is application/json or a +json structured syntax
// suffix type (RFC 6839 §3.1).
func (m mediaRange) isJSON() bool {
	return m.typ == "application" && (m.sub == "json" || strings.HasSuffix(m.sub, "+json"))
}

// checkContentType enforces that a request body's Content-Type is one of
// consumes. An absent or unparsable Content-Type, a wildcard one, or a JSON
// type with a charset other than UTF-8 (RFC 8259 §8.1) is refused with 415.
func checkContentType(header string, consumes []mediaRange) (mediaRange, *Error) {
	if header == "" {
		return mediaRange{}, mediaError(http.StatusUnsupportedMediaType, "body without Content-Type")
	}
	t, params, err := parseMediaRange(header)
	if err != nil || t.typ == "*" || t.sub == "*" {
		return mediaRange{}, mediaError(http.StatusUnsupportedMediaType, "unparsable Content-Type")
	}
	if cs, ok := params["charset"]; ok && t.isJSON() && !strings.EqualFold(cs, "utf-8") {
		return mediaRange{}, mediaError(http.StatusUnsupportedMediaType, "JSON body not in UTF-8")
	}
	for _, c := range consumes {
		if c.covers(t) {
			return t, nil
		}
	}
	return mediaRange{}, mediaError(http.StatusUnsupportedMediaType, "Content-Type "+t.String()+" not consumed")
}

// acceptRange is one element of an Accept header.
type acceptRange struct {
	mediaRange
	q float64
}

// parseAccept parses the Accept field values. Elements that don't parse are
// ignored (RFC 9110 §12.5.1 lets a server disregard an invalid field).
func parseAccept(values []string) []acceptRange {
	var out []acceptRange
	for _, v := range values {
		for el := range strings.SplitSeq(v, ",") {
			el = strings.TrimSpace(el)
			if el == "" {
				continue
			}
			m, params, err := parseMediaRange(el)
			if err != nil {
				continue
			}
			q := 1.0
			if qs, ok := params["q"]; ok {
				f, err := strconv.ParseFloat(qs, 64)
				if err != nil || f < 0 || f > 1 {
					continue
				}
				q = f
			}
			out = append(out, acceptRange{mediaRange: m, q: q})
		}
	}
	return out
}

// checkAccept enforces that the Accept header, if any, admits at least one of
// produces. For each produced type the most specific matching range decides
// its quality, so "application/json;q=0, */*" excludes application/json.
func checkAccept(values []string, produces []mediaRange) *Error {
	ranges := parseAccept(values)
	if len(ranges) == 0 {
		return nil // absent, empty or unparsable: anything is acceptable
	}
	for _, p := range produces {
		best, q := -1, 0.0
		for _, r := range ranges {
			if !r.covers(p) {
				continue
			}
			if p.typ == "*" || p.sub == "*" {
				// A wildcard product overlaps the range: take the best quality.
				best, q = 0, max(q, r.q)
				continue
			}
			if s := r.specificity(); s > best {
				best, q = s, r.q
			}
		}
		if best >= 0 && q > 0 {
			return nil
		}
	}
	return mediaError(http.StatusNotAcceptable, "no produced type is acceptable")
}

func mediaError(status int, cause string) *Error {
	title := TitleUnsupportedMedia
	loc := "header.Content-Type"
	if status == http.StatusNotAcceptable {
		title, loc = TitleNotAcceptable, "header.Accept"
	}
	return newError(status, title, loc, causef(ErrMediaType, "%s", cause))
}
