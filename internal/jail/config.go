package jail

import (
	"errors"
	"time"
)

// Defaults of Config, documented in the configuration reference.
const (
	DefaultMaxFailures = 5
	DefaultWindow      = 5 * time.Minute
	DefaultBan         = 15 * time.Minute
	DefaultMaxKeys     = 100_000
)

// Config sets the jail threshold and duration (R3). Zero fields take the
// defaults.
type Config struct {
	// MaxFailures within Window put a key in jail. Default 5.
	MaxFailures int
	// Window is the sliding window failures are counted in. Default 5m.
	Window time.Duration
	// Ban is how long a key stays jailed after its last failure. Default 15m.
	Ban time.Duration
}

// Validate reports every negative field; zero fields are valid (they take
// the defaults). It never mutates c.
func (c Config) Validate() error {
	var errs []error
	if c.MaxFailures < 0 {
		errs = append(errs, errors.New("jail: max_failures must not be negative"))
	}
	if c.Window < 0 {
		errs = append(errs, errors.New("jail: window must not be negative"))
	}
	if c.Ban < 0 {
		errs = append(errs, errors.New("jail: ban must not be negative"))
	}
	return errors.Join(errs...)
}

// withDefaults returns c with non-positive fields replaced by the defaults.
func (c Config) withDefaults() Config {
	if c.MaxFailures <= 0 {
		c.MaxFailures = DefaultMaxFailures
	}
	if c.Window <= 0 {
		c.Window = DefaultWindow
	}
	if c.Ban <= 0 {
		c.Ban = DefaultBan
	}
	return c
}
