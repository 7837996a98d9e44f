package authserver

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"
)

// Deny-list timing (D1, D2).
const (
	// DefaultDenyListPoll is how often Run polls the store: a revocation
	// reaches every node within one poll plus the store's latency, well
	// within D1's 1 s.
	DefaultDenyListPoll = 250 * time.Millisecond
	// DenyListMaxStale is how old the last successful poll may be: past
	// it, Revoked answers true for every jti (fail closed, D2) and Ready
	// reports the problem.
	DenyListMaxStale = 3 * time.Second
	// denyListOverlap re-reads the entries revoked shortly before the
	// previous poll: a revocation written by a node whose clock lags, or
	// committed after that poll read, is still seen.
	denyListOverlap = 10 * time.Second
	// denyListPruneEvery bounds how long expired entries stay in memory.
	denyListPruneEvery = 30 * time.Second
)

// DenyList is the gateway's copy of the jti deny-list (D1, A3): the jtis
// of revoked access tokens (JWT and opaque) that have not expired yet, and
// the ids of deleted clients whose tokens may still be unexpired (their
// client_credentials JWTs are not recorded, so they are refused by client).
// Run loads it and then polls the store for new revocations; Revoked and
// ClientRevoked are the gateway's Deps.Revoked and Deps.ClientRevoked,
// asked on every request.
//
// Revoked and ClientRevoked never block: they read immutable maps through
// an atomic pointer, replaced whole by each poll that brings a change. They
// fail closed (D2): before the first successful poll, or when none
// succeeded in the last DenyListMaxStale, every jti and client counts as
// revoked.
type DenyList struct {
	feed RevocationFeed
	now  func() time.Time
	log  *slog.Logger

	snap atomic.Pointer[denySnapshot]

	mu        sync.Mutex // serialises Refresh; guards the fields below
	lastPrune time.Time
	failing   bool // the last poll failed (logged once per outage)
}

// denySnapshot is one immutable state of the deny-list.
type denySnapshot struct {
	jtis      map[string]time.Time // jti → expiry; never modified once published
	clients   map[string]time.Time // revoked client id → entry expiry; likewise
	refreshed time.Time            // start of the poll that produced it
}

// NewDenyList returns an empty deny-list fed by feed; it answers Revoked
// with true until its first successful Refresh. now and log may be nil.
func NewDenyList(feed RevocationFeed, now func() time.Time, log *slog.Logger) *DenyList {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &DenyList{feed: feed, now: now, log: log}
}

// Revoked reports whether the access token with this jti must be refused:
// it is on the deny-list, or the deny-list is stale (D2).
func (d *DenyList) Revoked(jti string) bool {
	s := d.snap.Load()
	if s == nil || d.now().Sub(s.refreshed) > DenyListMaxStale {
		return true
	}
	_, ok := s.jtis[jti]
	return ok
}

// ClientRevoked reports whether every access token of clientID must be
// refused: the client was deleted (D1), or the deny-list is stale (D2).
func (d *DenyList) ClientRevoked(clientID string) bool {
	s := d.snap.Load()
	if s == nil || d.now().Sub(s.refreshed) > DenyListMaxStale {
		return true
	}
	_, ok := s.clients[clientID]
	return ok
}

// Ready reports an error while the deny-list is stale (never loaded, or
// not refreshed for DenyListMaxStale); /readyz shows it.
func (d *DenyList) Ready() error {
	s := d.snap.Load()
	if s == nil {
		return fmt.Errorf("authserver: deny-list not loaded yet")
	}
	if age := d.now().Sub(s.refreshed); age > DenyListMaxStale {
		return fmt.Errorf("authserver: deny-list not refreshed for %s", age.Round(time.Millisecond))
	}
	return nil
}

// Len returns the number of jtis held (expired ones included until they
// are pruned).
func (d *DenyList) Len() int {
	if s := d.snap.Load(); s != nil {
		return len(s.jtis)
	}
	return 0
}

// Refresh polls the store once: the first call loads every entry, later
// ones what was revoked since shortly before the previous poll. Expired
// entries are dropped now and then. On error the current state is kept
// (and goes stale).
func (d *DenyList) Refresh(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	start := d.now()
	cur := d.snap.Load()
	var since time.Time
	var jtis, clients map[string]time.Time
	if cur != nil {
		since = cur.refreshed.Add(-denyListOverlap)
		jtis, clients = cur.jtis, cur.clients
	}
	entries, err := d.feed.RevokedJTIsSince(ctx, since)
	var revokedClients []RevokedClient
	if err == nil {
		revokedClients, err = d.feed.RevokedClientsSince(ctx, since)
	}
	if err != nil {
		if !d.failing {
			d.log.LogAttrs(ctx, slog.LevelError, "deny-list refresh failed", slog.Any("error", err))
		}
		d.failing = true
		return fmt.Errorf("authserver: deny-list refresh: %w", err)
	}
	if d.failing {
		d.log.LogAttrs(ctx, slog.LevelInfo, "deny-list refresh recovered")
		d.failing = false
	}
	var fresh []RevokedJTI
	for _, e := range entries {
		if _, ok := jtis[e.JTI]; !ok && e.ExpiresAt.After(start) {
			fresh = append(fresh, e)
		}
	}
	var freshClients []RevokedClient
	for _, c := range revokedClients {
		if _, ok := clients[c.ClientID]; !ok && c.ExpiresAt.After(start) {
			freshClients = append(freshClients, c)
		}
	}
	prune := cur == nil || start.Sub(d.lastPrune) >= denyListPruneEvery
	if len(fresh) > 0 || prune {
		next := make(map[string]time.Time, len(jtis)+len(fresh))
		for jti, exp := range jtis {
			if exp.After(start) {
				next[jti] = exp
			}
		}
		for _, e := range fresh {
			next[e.JTI] = e.ExpiresAt
		}
		jtis = next
	}
	if len(freshClients) > 0 || prune {
		next := make(map[string]time.Time, len(clients)+len(freshClients))
		for id, exp := range clients {
			if exp.After(start) {
				next[id] = exp
			}
		}
		for _, c := range freshClients {
			next[c.ClientID] = c.ExpiresAt
		}
		clients = next
	}
	if prune {
		d.lastPrune = start
	}
	d.snap.Store(&denySnapshot{jtis: jtis, clients: clients, refreshed: start})
	return nil
}

// Run refreshes the deny-list now and then every every (DefaultDenyListPoll
// when zero or negative) until ctx ends. Each poll has DenyListMaxStale to
// finish.
func (d *DenyList) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = DefaultDenyListPoll
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		pctx, cancel := context.WithTimeout(ctx, DenyListMaxStale)
		_ = d.Refresh(pctx) // logged by Refresh
		cancel()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// snapshotJTIs returns a copy of the held jtis (tests).
func (d *DenyList) snapshotJTIs() map[string]time.Time {
	if s := d.snap.Load(); s != nil {
		return maps.Clone(s.jtis)
	}
	return nil
}
