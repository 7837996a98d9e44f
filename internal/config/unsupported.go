package config

import "fmt"

// notSupportedYet is the message of every entry of unsupported.
const notSupportedYet = "not supported by this version of rempart yet; remove it"

// unsupported lists the contract keys that the parser accepts but whose
// enforcement is not built yet. Each is an error, never a warning: a user
// must never believe a protection is on when it is not (fail closed).
//
// This is the ONE place to edit when a feature lands: delete its entry.
func unsupported(c *Config) []Problem {
	var out []Problem
	add := func(present bool, path string) {
		if present {
			out = append(out, Problem{Path: path, Message: notSupportedYet})
		}
	}

	add(c.Redis != nil, "redis") // cluster-wide limits, jails, revocations (D1, D3)
	if as := c.AuthorizationServer; as != nil {
		add(as.AccessToken.Format == FormatOpaque, "authorization_server.access_token.format")         // A3
		add(len(as.AuthorizationDetailsTypes) > 0, "authorization_server.authorization_details_types") // A5
	}
	g := c.Gateway
	if g == nil {
		return out
	}
	add(len(g.TrustedProxies) > 0, "gateway.trusted_proxies")
	for i, api := range g.APIs {
		p := fmt.Sprintf("gateway.apis[%d]", i)
		add(len(api.ContentTypes) > 0, p+".content_types")                                            // R13
		add(api.OpenAPI != "", p+".openapi")                                                          // R14
		add(api.ResponseValidation != "", p+".response_validation")                                   // R14
		add(api.RateLimit != nil, p+".rate_limit")                                                    // R11
		add(api.Policy != "", p+".policy")                                                            // BOLA
		add(api.SenderConstraint != "" && api.SenderConstraint != SenderNone, p+".sender_constraint") // A2
		add(api.Deprecated != nil, p+".deprecated")                                                   // A9
		add(api.Disabled, p+".disabled")                                                              // A9
		add(api.CORS != nil, p+".cors")
		add(len(api.AllowIPs) > 0, p+".allow_ips")
		add(len(api.DenyIPs) > 0, p+".deny_ips")
		add(api.MaxBody != 0, p+".max_body")
		for j, r := range api.Routes {
			rp := fmt.Sprintf("%s.routes[%d]", p, j)
			add(r.RateLimit != nil, rp+".rate_limit") // R11
			add(r.Policy != "", rp+".policy")         // BOLA
		}
	}
	return out
}
