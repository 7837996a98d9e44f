// Package config decodes, defaults, validates and checks Rempart's YAML
// configuration file (the "Configuration (YAML)" section of the contract).
// It is a leaf: it imports no other internal package, and no domain
// package imports it; the app translates a Config into each component's
// options.
//
// Lifecycle: decode → default → validate → check.
//
//   - Decode (Parse, Load) is strict: the yaml.v3 node tree is walked by
//     hand so that every unknown or misspelled key, duplicate key and type
//     error is reported with its full key path, e.g.
//     "gateway.apis[0].upstrem: unknown key; did you mean "upstream"?".
//     All decode problems are returned at once (errors.Join of *Problem).
//     Anchors, aliases and "<<" merge keys are allowed. Durations use Go
//     syntax ("30m", a unit is required) and sizes accept bytes or units
//     ("512KiB", "1MiB", "10MB"); zero and negative values are refused
//     (omit a key to get its default). An absent list is nil and an
//     explicit empty list ("scopes: []") is empty: a route's nil Scopes
//     inherit the API's, an empty one requires none. A null section
//     ("admin:") is present, with defaults.
//   - ApplyDefaults holds every default, and is the only place that does.
//     Parse calls it, then makes relative paths (data_dir, audit.dir, TLS
//     files, openapi, schema) absolute against the config file's directory.
//   - Validate never mutates and reports every error at once as *Problem
//     values. Keys of the contract whose enforcement is not built yet are
//     errors ("not supported by this version of rempart yet"): see
//     unsupported.go, the one list to shrink as features land. Parse does
//     not validate: callers run Validate (or Check) before using a Config.
//   - Check returns a Report: Validate's errors plus warnings (T1, T2
//     lifetimes, plaintext listeners, generated encryption key, ...) for
//     "rempart config check".
//
// References (R5). Any scalar may be exactly "${env:NAME}" or
// "${file:PATH}"; only whole values are references, and a value containing
// "${" that is not one is an error. An unset or empty variable, a missing,
// unreadable, empty or over-1MiB file is an error naming the key path and
// the variable or file. A relative PATH is resolved against the config
// file's directory and one trailing newline is trimmed. A resolved value
// is never resolved again and never appears in an error message, nor does
// any configured value in a Validate or Check message (R20): problems are
// located by key path. Secrets must come from references:
// encryption_key written in the file itself, and a store.dsn or redis.url
// embedding a password, are errors.
//
// Token lifetimes (T1, T2, R8): access tokens default to 30m, are warned
// about above 30m and refused above 1h; refresh tokens default to 24h and
// are refused above 720h; authorization_server.allow_long_lifetimes turns
// the refusals into warnings. A refresh lifetime that is not a multiple of
// the access lifetime is a warning. audit.retention below 4380h (6 months,
// R18) is an error.
package config
