package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rempart/rempart/internal/authserver"
	"github.com/rempart/rempart/internal/config"
	"github.com/rempart/rempart/internal/token"
	"github.com/rempart/rempart/internal/users"
)

// buildTokenState creates the long-lived pieces of token handling shared by
// the roles of this process: the user directory, the jti deny-list every
// gateway consults (D1) and the opaque-token verifier (A3). The deny-list
// is loaded before anything serves: until then it refuses every token (D2).
func (a *App) buildTokenState(ctx context.Context, cfg *config.Config) error {
	dir, err := users.New(users.Deps{Store: a.res.Store, Sealer: a.res.Vault, Log: a.log})
	if err != nil {
		return fmt.Errorf("users: %w", err)
	}
	a.users = dir
	a.denyList = authserver.NewDenyList(a.res.Store, time.Now, a.log)
	if err := a.denyList.Refresh(ctx); err != nil {
		return fmt.Errorf("revocation list: %w", err)
	}
	a.opaque = authserver.NewOpaqueVerifier(a.res.Store, a.res.Vault, cfg.GatewayIssuer(), time.Now)
	return nil
}

// accessVerifier checks an access token of either format (A3): opaque
// handles through the store, JWTs locally against the published keys.
type accessVerifier struct {
	jwt    *token.Verifier
	opaque *authserver.OpaqueVerifier
}

func (v accessVerifier) VerifyAccess(raw string) (*token.AccessClaims, error) {
	if strings.HasPrefix(raw, token.PrefixAccess) {
		return v.opaque.VerifyAccess(raw)
	}
	return v.jwt.VerifyAccess(raw)
}
