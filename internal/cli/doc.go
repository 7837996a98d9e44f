// Package cli implements rempart's subcommands on the standard flag package.
//
// Contract (interface.md, "Commands"): every command takes --config FILE
// (default $REMPART_CONFIG, else ./rempart.yaml); `create` commands print
// JSON on stdout and nothing else, human messages go to stderr; exit status
// is 0 on success, 1 when the request was refused or invalid (one-line
// reason on stderr), 2 on a usage error. A secret is printed once, when it
// is created, and never again (R5).
package cli
