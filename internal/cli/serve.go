package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rempart/rempart/internal/app"
	"github.com/rempart/rempart/internal/config"
)

// configPath applies the contract's default: --config, else
// $REMPART_CONFIG, else ./rempart.yaml.
func configPath(e *env, flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if p := e.getenv("REMPART_CONFIG"); p != "" {
		return p
	}
	return "rempart.yaml"
}

// loadConfig loads and checks the config; warnings go to stderr, errors
// refuse (each with its key path).
func loadConfig(e *env, flagValue string) (*config.Config, error) {
	path := configPath(e, flagValue)
	cfg, err := config.Load(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	rep := checkConfig(cfg)
	for _, w := range rep.Warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", w.Error())
	}
	if !rep.OK() {
		for _, p := range rep.Errors {
			fmt.Fprintf(e.stderr, "error: %s\n", p.Error())
		}
		return nil, fmt.Errorf("%s: %d configuration error(s); run 'rempart config check'", path, len(rep.Errors))
	}
	return cfg, nil
}

// checkConfig is config.Check plus what only the components can check:
// CEL policies (with line and column), OpenAPI documents and CORS settings,
// compiled exactly as serve would, each at its key path.
func checkConfig(cfg *config.Config) config.Report {
	rep := cfg.Check()
	if rep.OK() {
		rep.Errors = append(rep.Errors, app.GatewayProblems(cfg)...)
	}
	return rep
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

func runServe(e *env, args []string) error {
	fs, cfgFlag := newFlagSet("serve", e.stderr)
	if pos, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	path := configPath(e, *cfgFlag)
	loaded, _ := app.FileSum(path) // before loading: a change in between is then seen
	cfg, err := loadConfig(e, path)
	if err != nil {
		return err
	}
	log := newLogger(e.stderr, slog.LevelInfo)
	ctx, stop := signal.NotifyContext(e.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	// Hot reload: SIGHUP, or a change of the file's content.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	reload := make(chan struct{}, 1)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				select {
				case reload <- struct{}{}:
				default:
				}
			}
		}
	}()
	go a.WatchConfig(ctx, path, loaded, configPollInterval, reload)
	return a.Run(ctx)
}

// configPollInterval is how often serve looks for a changed config file.
const configPollInterval = 2 * time.Second

func runConfig(e *env, args []string) error {
	if len(args) == 0 || args[0] != "check" {
		return usagef("usage: rempart config check [--config FILE]")
	}
	fs, cfgFlag := newFlagSet("config check", e.stderr)
	if pos, err := parseInterspersed(fs, args[1:]); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	path := configPath(e, *cfgFlag)
	cfg, err := config.Load(path)
	if err != nil {
		// Decode errors are joined, one per key path: print each.
		var joined interface{ Unwrap() []error }
		if errors.As(err, &joined) {
			for _, err := range joined.Unwrap() {
				fmt.Fprintf(e.stdout, "error: %v\n", err)
			}
		} else {
			fmt.Fprintf(e.stdout, "error: %v\n", err)
		}
		return fmt.Errorf("%s is not valid", path)
	}
	rep := checkConfig(cfg)
	rep.Warnings = append(rep.Warnings, storedClientWarnings(cfg, rep)...)
	for _, p := range rep.Errors {
		fmt.Fprintf(e.stdout, "error: %s\n", p.Error())
	}
	for _, p := range rep.Warnings {
		fmt.Fprintf(e.stdout, "warning: %s\n", p.Error())
	}
	if !rep.OK() {
		return fmt.Errorf("%s: %d error(s), %d warning(s)", path, len(rep.Errors), len(rep.Warnings))
	}
	fmt.Fprintf(e.stdout, "%s: OK (%d warning(s))\n", path, len(rep.Warnings))
	return nil
}
