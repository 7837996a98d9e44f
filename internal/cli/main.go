package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit statuses of the contract.
const (
	exitOK      = 0
	exitRefused = 1
	exitUsage   = 2
)

// env is what a command may touch: its streams and environment lookup.
type env struct {
	ctx            context.Context // cancelled to stop long-running commands (tests); signals also stop them
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// usageError marks an error as a usage error (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

type command struct {
	name    string
	summary string
	run     func(e *env, args []string) error
}

func commands() []command {
	return []command{
		{"quickstart", "run every role, a demo upstream and a demo client on loopback", runQuickstart},
		{"serve", "run the roles configured", runServe},
		{"config", "config check: validate the configuration", runConfig},
		{"client", "client create|list|show|delete|rotate-secret", runClient},
		{"keys", "keys rotate: add a new signing key", runKeys},
		{"apikey", "apikey create|list|revoke: issue and revoke API keys", runAPIKey},
		{"user", "user create|list|disable|mfa enroll: the built-in user directory", runUser},
		{"audit", "audit verify|tail (not available in this version)", notYet("audit")},
		{"version", "print the version", runVersion},
	}
}

// Main runs the command line args and returns the exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return run(&env{ctx: context.Background(), stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}, args)
}

func run(e *env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printUsage(e.stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(e, args[1:])
		var ue usageError
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.As(err, &ue):
			fmt.Fprintf(e.stderr, "rempart %s: %s\n", c.name, ue.msg)
			return exitUsage
		default:
			fmt.Fprintf(e.stderr, "rempart %s: %s\n", c.name, oneLine(err))
			return exitRefused
		}
	}
	fmt.Fprintf(e.stderr, "rempart: unknown command %q (see 'rempart help')\n", args[0])
	return exitUsage
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: rempart <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nEvery command takes --config FILE (default $REMPART_CONFIG, else ./rempart.yaml).")
}

// oneLine folds a (possibly joined) error into one line for stderr.
func oneLine(err error) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
}

func notYet(name string) func(*env, []string) error {
	return func(*env, []string) error {
		return fmt.Errorf("%s commands are not available in this version of rempart yet", name)
	}
}

// version is set at build time with -ldflags "-X …/cli.version=…".
var version = "dev"

func runVersion(e *env, _ []string) error {
	fmt.Fprintln(e.stdout, "rempart", version)
	return nil
}
