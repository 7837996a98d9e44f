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
		add(len(as.AuthorizationDetailsTypes) > 0, "authorization_server.authorization_details_types") // A5
	}
	g := c.Gateway
	if g == nil {
		return out
	}
	for i, api := range g.APIs {
		p := fmt.Sprintf("gateway.apis[%d]", i)
		add(api.SenderConstraint != "" && api.SenderConstraint != SenderNone, p+".sender_constraint") // A2
	}
	return out
}
