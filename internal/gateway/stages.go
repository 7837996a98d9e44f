package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/rempart/rempart/internal/hygiene"
	"github.com/rempart/rempart/internal/policy"
	"github.com/rempart/rempart/internal/ratelimit"
	"github.com/rempart/rempart/internal/validate"
)

// headerField is one precomputed response header field.
type headerField struct{ name, value string }

// limitRule is one compiled rate limit (R11).
type limitRule struct {
	name         string // the RateLimit-Policy name: "orders" or "orders.routes[2]"
	prefix       string // of every bucket key: "api:" + name + "|" (apart from other users of a shared limiter)
	by           string // ByClient, ByAPIKey, ByUser or ByIP
	limit        ratelimit.Limit
	policyHeader string // RateLimit-Policy value, sent on every response of the route
}

// compileStages compiles what the API's requests go through besides
// routing and authentication: exposure (disabled, IP filter, CORS,
// deprecation), rate limits, validation and policies. Everything is built
// here, once, so that a request only evaluates.
func compileStages(ca *api, a API, cfg Config) error {
	var errs []error
	ca.disabled = a.Disabled
	if len(a.AllowIPs) > 0 || len(a.DenyIPs) > 0 {
		f, err := hygiene.NewIPFilter(a.AllowIPs, a.DenyIPs)
		if err != nil {
			errs = append(errs, fmt.Errorf("allow_ips/deny_ips: %w", err))
		}
		ca.ipFilter = f
	}
	if a.CORS != nil {
		c, err := newCORS(*a.CORS)
		if err != nil {
			errs = append(errs, fmt.Errorf("cors: %w", err))
		}
		ca.cors = c
	}
	if a.Deprecated != nil {
		d, err := deprecationFields(*a.Deprecated)
		if err != nil {
			errs = append(errs, fmt.Errorf("deprecated: %w", err))
		}
		ca.deprecation = d
	}
	v, err := validate.New(context.Background(), validate.Options{
		OpenAPIFile:  a.OpenAPI,
		ContentTypes: a.ContentTypes,
		Limits:       cfg.JSONLimits,
		Response:     a.ResponseValidation,
	})
	if err != nil {
		errs = append(errs, err)
	}
	ca.validator = v
	ca.validateAlways = a.OpenAPI != "" || len(a.ContentTypes) > 0
	ca.validateResp = a.ResponseValidation == validate.ResponseBlock || a.ResponseValidation == validate.ResponseStrip
	if a.Policy != "" {
		if ca.policy, err = policy.Compile(a.Policy); err != nil {
			errs = append(errs, fmt.Errorf("policy: %w", err))
		}
	}
	if a.MaxBody < 0 || a.UpstreamTimeout < 0 {
		errs = append(errs, errors.New("negative max_body or upstream timeout"))
	}
	ca.maxBody = orDefault(a.MaxBody, orDefault(cfg.MaxBody, DefaultMaxBody))
	ca.upstreamTimeout = a.UpstreamTimeout

	apiLimit, err := newLimitRule(a.Name, a.RateLimit)
	if err != nil {
		errs = append(errs, fmt.Errorf("rate_limit: %w", err))
	}
	ca.all.limit = apiLimit
	for _, r := range ca.routes {
		cr := a.Routes[r.index]
		r.limit = apiLimit
		if cr.RateLimit != nil {
			if r.limit, err = newLimitRule(a.Name+".routes["+strconv.Itoa(r.index)+"]", cr.RateLimit); err != nil {
				errs = append(errs, fmt.Errorf("route %d: rate_limit: %w", r.index, err))
			}
		}
		if cr.Policy != "" {
			if r.policy, err = policy.Compile(cr.Policy); err != nil {
				errs = append(errs, fmt.Errorf("route %d: policy: %w", r.index, err))
			}
		}
	}
	return errors.Join(errs...)
}

// newLimitRule compiles rl (nil: no limit) under the policy name.
func newLimitRule(name string, rl *RateLimit) (*limitRule, error) {
	if rl == nil {
		return nil, nil
	}
	switch rl.By {
	case ByClient, ByAPIKey, ByUser, ByIP:
	default:
		return nil, fmt.Errorf("by %q: want client, api_key, user or ip", rl.By)
	}
	lim := ratelimit.Limit{Requests: rl.Requests, Per: rl.Per}
	if err := lim.Validate(); err != nil {
		return nil, err
	}
	h := http.Header{}
	ratelimit.SetHeaders(h, name, ratelimit.Decision{Allowed: true, Limit: lim})
	return &limitRule{name: name, prefix: "api:" + name + "|", by: rl.By, limit: lim, policyHeader: h.Get("RateLimit-Policy")}, nil
}

// deprecationFields precomputes the headers of a deprecated API:
// Deprecation (RFC 9745 §2.1: an RFC 9651 Date, "@" and seconds since the
// epoch, in the past or the future), Sunset (RFC 8594: an HTTP-date) and,
// with a link, Link rel="deprecation" (RFC 9745 §3).
func deprecationFields(d Deprecation) ([]headerField, error) {
	if d.Sunset.IsZero() {
		return nil, errors.New("sunset is required")
	}
	var since int64
	if !d.Since.IsZero() {
		since = d.Since.Unix()
		if d.Sunset.Before(d.Since) {
			// RFC 9745: the sunset should not be earlier than the deprecation.
			return nil, errors.New("sunset is earlier than since")
		}
	}
	fields := []headerField{
		{"Deprecation", "@" + strconv.FormatInt(since, 10)},
		{"Sunset", d.Sunset.UTC().Format(http.TimeFormat)},
	}
	if d.Link != "" {
		u, err := url.Parse(d.Link)
		if err != nil || !u.IsAbs() || u.Host == "" {
			return nil, errors.New("link must be an absolute URL")
		}
		// The URL goes between < and > (RFC 8288 §3): escape what would end it.
		fields = append(fields, headerField{"Link", "<" + u.String() + `>; rel="deprecation"`})
	}
	return fields, nil
}
