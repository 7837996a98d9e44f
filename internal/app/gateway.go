package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/rempart/rempart/internal/config"
	"github.com/rempart/rempart/internal/cors"
	"github.com/rempart/rempart/internal/gateway"
	"github.com/rempart/rempart/internal/policy"
	"github.com/rempart/rempart/internal/validate"
)

// gatewayConfig converts the gateway section of cfg, which passed Check,
// into the gateway package's configuration: limits, the client-address
// rule and every API with its stages (compiled by gateway.New).
func gatewayConfig(cfg *config.Config) (gateway.Config, error) {
	gw := cfg.Gateway
	out := gateway.Config{
		Issuer:           cfg.GatewayIssuer(),
		HTTPS:            !gw.InsecurePlaintext,
		MaxBody:          int64(gw.MaxBody),
		MaxHeaders:       gw.MaxHeaders,
		MaxResponseBody:  int64(gw.MaxResponseBody),
		UpstreamTimeout:  gw.Timeouts.Upstream.Std(),
		TrustedProxies:   gw.TrustedProxies,
		CredentialParams: gw.CredentialParams,
		JSONLimits: validate.JSONLimits{
			MaxDepth:        gw.JSONLimits.MaxDepth,
			MaxStringLength: int(gw.JSONLimits.MaxStringLength),
			MaxArrayLength:  gw.JSONLimits.MaxArrayLength,
			MaxMembers:      gw.JSONLimits.MaxMembers,
		},
	}
	var errs []error
	for i := range gw.APIs {
		api, err := gatewayAPI(&gw.APIs[i])
		if err != nil {
			errs = append(errs, fmt.Errorf("gateway.apis[%d]: %w", i, err))
			continue
		}
		out.APIs = append(out.APIs, api)
	}
	return out, errors.Join(errs...)
}

// gatewayAPI converts one API.
func gatewayAPI(c *config.API) (gateway.API, error) {
	up, err := url.Parse(c.Upstream)
	if err != nil {
		return gateway.API{}, fmt.Errorf("upstream: %w", err)
	}
	api := gateway.API{
		Name: c.Name, PathPrefix: c.PathPrefix, Upstream: up,
		Auth: c.Auth, Scopes: c.Scopes, StripPrefix: c.StripPrefix,
		ContentTypes:       c.ContentTypes,
		OpenAPI:            c.OpenAPI,
		ResponseValidation: c.ResponseValidation,
		RateLimit:          gatewayLimit(c.RateLimit),
		Policy:             c.Policy,
		Disabled:           c.Disabled,
		AllowIPs:           c.AllowIPs,
		DenyIPs:            c.DenyIPs,
		MaxBody:            int64(c.MaxBody),
		UpstreamTimeout:    c.UpstreamTimeout.Std(),
	}
	for _, r := range c.Routes {
		api.Routes = append(api.Routes, gateway.Route{
			Methods: r.Methods, Path: r.Path, Scopes: r.Scopes, Auth: r.Auth,
			Policy: r.Policy, RateLimit: gatewayLimit(r.RateLimit),
		})
	}
	if d := c.Deprecated; d != nil {
		dep := &gateway.Deprecation{Link: d.Link}
		if dep.Sunset, err = config.ParseDate(d.Sunset); err != nil {
			return gateway.API{}, fmt.Errorf("deprecated.sunset: %w", err)
		}
		if d.Since != "" {
			if dep.Since, err = config.ParseDate(d.Since); err != nil {
				return gateway.API{}, fmt.Errorf("deprecated.since: %w", err)
			}
		}
		api.Deprecated = dep
	}
	if c.CORS != nil {
		api.CORS = &gateway.CORS{
			AllowOrigins:     c.CORS.AllowOrigins,
			AllowMethods:     c.CORS.AllowMethods,
			AllowHeaders:     c.CORS.AllowHeaders,
			AllowCredentials: c.CORS.AllowCredentials,
			ExposeHeaders:    c.CORS.ExposeHeaders,
			MaxAge:           c.CORS.MaxAge.Std(),
		}
	}
	return api, nil
}

func gatewayLimit(rl *config.RateLimit) *gateway.RateLimit {
	if rl == nil {
		return nil
	}
	return &gateway.RateLimit{Requests: rl.Requests, Per: rl.Per.Std(), By: rl.By}
}

// configureGatewayServer applies gateway.timeouts (read_header, read,
// write, idle) and gateway.max_header_bytes to the gateway listener's
// server (slow clients and oversized headers: OWASP API4). The upstream
// timeout is the gateway's own (gateway.Config.UpstreamTimeout).
func configureGatewayServer(srv *http.Server, gw *config.Gateway) {
	t := gw.Timeouts
	set := func(dst *time.Duration, d config.Duration) {
		if d > 0 {
			*dst = d.Std()
		}
	}
	set(&srv.ReadHeaderTimeout, t.ReadHeader)
	set(&srv.ReadTimeout, t.Read)
	set(&srv.WriteTimeout, t.Write)
	set(&srv.IdleTimeout, t.Idle)
	if gw.MaxHeaderBytes > 0 {
		srv.MaxHeaderBytes = int(gw.MaxHeaderBytes)
	}
}

// GatewayProblems compiles what config.Check cannot, because the config
// package imports no other: each API's and route's CEL policy (with the
// line and column of an error), OpenAPI document and CORS policy. Each
// failure is reported at its key path, for `rempart config check`; the
// gateway refuses the same configuration at start and on reload.
func GatewayProblems(cfg *config.Config) []config.Problem {
	if cfg == nil || cfg.Gateway == nil {
		return nil
	}
	var out []config.Problem
	add := func(path string, err error) {
		if err != nil {
			out = append(out, config.Problem{Path: path, Message: err.Error()})
		}
	}
	for i := range cfg.Gateway.APIs {
		api := &cfg.Gateway.APIs[i]
		p := fmt.Sprintf("gateway.apis[%d]", i)
		if api.Policy != "" {
			_, err := policy.Compile(api.Policy)
			add(p+".policy", err)
		}
		for j, r := range api.Routes {
			if r.Policy != "" {
				_, err := policy.Compile(r.Policy)
				add(fmt.Sprintf("%s.routes[%d].policy", p, j), err)
			}
		}
		if api.OpenAPI != "" || len(api.ContentTypes) > 0 {
			_, err := validate.New(context.Background(), validate.Options{
				OpenAPIFile: api.OpenAPI, ContentTypes: api.ContentTypes, Response: api.ResponseValidation,
			})
			path := p + ".openapi"
			if api.OpenAPI == "" {
				path = p + ".content_types"
			}
			add(path, err)
		}
		if c := api.CORS; c != nil {
			_, err := cors.New(cors.Config{
				AllowOrigins: c.AllowOrigins, AllowMethods: c.AllowMethods, AllowHeaders: c.AllowHeaders,
				ExposeHeaders: c.ExposeHeaders, AllowCredentials: c.AllowCredentials, MaxAge: c.MaxAge.Std(),
			})
			add(p+".cors", err)
		}
	}
	return out
}
