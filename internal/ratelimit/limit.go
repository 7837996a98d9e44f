package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// ErrInvalidLimit is returned (wrapped) by Allow and Limit.Validate for a
// limit that cannot be enforced. Callers fail closed on it.
var ErrInvalidLimit = errors.New("ratelimit: invalid limit")

// Limiter decides whether a request charged to key is within l. It is the
// interface the gateway and the authorization server depend on; [Local]
// and the Redis limiter implement it.
type Limiter interface {
	Allow(ctx context.Context, key string, l Limit) (Decision, error)
}

// Limit allows Requests per Per, with bursts of up to Burst requests.
type Limit struct {
	// Requests is the number of requests allowed per Per; it must be > 0.
	Requests int
	// Per is the period; it must be > 0.
	Per time.Duration
	// Burst is how many requests may arrive at once. Zero means Requests
	// (a full period's worth at once); it must not be negative.
	Burst int
}

// Validate reports whether l can be enforced. It never mutates l.
func (l Limit) Validate() error {
	var errs []error
	if l.Requests <= 0 {
		errs = append(errs, fmt.Errorf("%w: requests must be greater than zero", ErrInvalidLimit))
	}
	if l.Per <= 0 {
		errs = append(errs, fmt.Errorf("%w: per must be greater than zero", ErrInvalidLimit))
	}
	if l.Burst < 0 {
		errs = append(errs, fmt.Errorf("%w: burst must not be negative", ErrInvalidLimit))
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	t := l.interval()
	if t <= 0 {
		return fmt.Errorf("%w: more than one request per nanosecond", ErrInvalidLimit)
	}
	if int64(l.burst()) > math.MaxInt64/4/t {
		return fmt.Errorf("%w: burst times interval overflows", ErrInvalidLimit)
	}
	return nil
}

// interval is GCRA's emission interval T in nanoseconds.
func (l Limit) interval() int64 { return int64(l.Per) / int64(l.Requests) }

// burst is the effective burst B.
func (l Limit) burst() int {
	if l.Burst == 0 {
		return l.Requests
	}
	return l.Burst
}

// Decision is the outcome of one Allow call.
type Decision struct {
	// Allowed reports whether the request is within the limit.
	Allowed bool
	// Limit is the limit the decision was made under.
	Limit Limit
	// Remaining is how many more requests would be allowed right now.
	Remaining int
	// RetryAfter is how long to wait before the next request can be
	// allowed; it is > 0 exactly when Allowed is false.
	RetryAfter time.Duration
	// Reset is how long until the key's full burst is available again.
	Reset time.Duration
}
