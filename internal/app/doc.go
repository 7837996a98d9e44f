// Package app is Rempart's composition root: it builds every component from
// a validated config snapshot (store, data key, signing keys, authorization
// server, gateway, admin), binds their TLS listeners and runs them until the
// context ends, then shuts them down gracefully. It holds no protocol logic.
package app
