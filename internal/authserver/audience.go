package authserver

import (
	"errors"
	"slices"

	"github.com/rempart/rempart/internal/oauth"
)

// scopeAndAudience decides the scope and audience of a token for client c
// (interface contract "Audience"):
//
//   - a requested scope must be a subset of what c may hold (RFC 6749 §3.3,
//     else invalid_scope); without one, c gets every scope it may hold,
//     narrowed to the requested audiences' scopes when it asked for some;
//   - audience=NAME and resource=URL (RFC 8707 §2, exact match with an
//     API's Resource) name the audiences; each must be an API that c may
//     use, else invalid_target;
//   - without requested audiences, aud is every API c may use whose scopes
//     the granted scope touches, sorted by name;
//   - an empty aud is invalid_scope: the token would be valid nowhere.
func (s *Server) scopeAndAudience(c Client, req tokenRequest) (scope, aud []string, err error) {
	requested, err := oauth.ParseScope(req.scope)
	if err != nil {
		return nil, nil, err
	}
	for _, name := range req.audiences {
		i, ok := s.byName[name]
		if !ok || !mayUseAPI(c, name) {
			return nil, nil, oauth.InvalidTarget("").WithErr(errors.New("audience unknown or not allowed"))
		}
		aud = appendUnique(aud, s.apis[i].Name)
	}
	for _, res := range req.resources {
		if checkResource(res) != nil {
			return nil, nil, oauth.InvalidTarget("").WithErr(errors.New("malformed resource"))
		}
		i, ok := s.byRes[res]
		if !ok || !mayUseAPI(c, s.apis[i].Name) {
			return nil, nil, oauth.InvalidTarget("").WithErr(errors.New("resource unknown or not allowed"))
		}
		aud = appendUnique(aud, s.apis[i].Name)
	}

	if requested != nil {
		for _, sc := range requested {
			if !s.scopeAllowed(c, sc) {
				return nil, nil, oauth.InvalidScope("").WithErr(errors.New("scope not allowed for client"))
			}
		}
		scope = requested
	} else {
		for _, sc := range c.Scopes {
			if s.scopeAllowed(c, sc) && (aud == nil || s.anyAPIUses(aud, sc)) {
				scope = appendUnique(scope, sc)
			}
		}
	}

	if aud == nil {
		for _, a := range s.apis {
			if mayUseAPI(c, a.Name) && intersects(a.Scopes, scope) {
				aud = append(aud, a.Name)
			}
		}
	} else {
		slices.Sort(aud)
	}
	if len(aud) == 0 {
		return nil, nil, oauth.InvalidScope("the requested scope grants access to no API").
			WithErr(errors.New("empty audience"))
	}
	return scope, aud, nil
}

// mayUseAPI reports whether c may hold tokens for the API name (an empty
// Client.APIs means every API).
func mayUseAPI(c Client, name string) bool {
	return len(c.APIs) == 0 || slices.Contains(c.APIs, name)
}

// scopeAllowed reports whether c may hold scope sc: sc is one of c's
// scopes and, when c is restricted to some APIs, sc is either used by one
// of them or by no API at all (openid, offline_access, …).
func (s *Server) scopeAllowed(c Client, sc string) bool {
	if !slices.Contains(c.Scopes, sc) {
		return false
	}
	if len(c.APIs) == 0 {
		return true
	}
	apiScope := false
	for _, a := range s.apis {
		if slices.Contains(a.Scopes, sc) {
			if mayUseAPI(c, a.Name) {
				return true
			}
			apiScope = true
		}
	}
	return !apiScope
}

// anyAPIUses reports whether one of the APIs named in names uses sc.
func (s *Server) anyAPIUses(names []string, sc string) bool {
	for _, n := range names {
		if slices.Contains(s.apis[s.byName[n]].Scopes, sc) {
			return true
		}
	}
	return false
}

func intersects(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

func appendUnique(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}
