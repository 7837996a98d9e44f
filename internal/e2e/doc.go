// Package e2e holds Rempart's end-to-end tests: the whole app in process on
// SQLite, real TLS listeners on loopback, golang.org/x/oauth2 as an
// independent OAuth client and lestrrat-go/jwx as an independent JOSE
// verifier, and the quickstart's printed curl commands run as pasted.
package e2e
