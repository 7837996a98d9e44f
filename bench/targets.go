package main

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Target names, in the interleaving order of a round.
const (
	nameDirect   = "direct"
	nameBare     = "bare-proxy"
	nameGateway  = "gateway"
	nameBarePost = "bare-proxy-post"
	namePipeline = "gateway-pipeline"
	nameToken    = "token-endpoint"
)

// allTargets is the default interleaving order of a round.
var allTargets = []string{nameDirect, nameBare, nameGateway, nameBarePost, namePipeline, nameToken}

// loadRoots reads the local CA certificate the child's TLS servers chain to.
func loadRoots(caFile string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("CA file: no certificate")
	}
	return pool, nil
}

// tokenTarget is the token endpoint driven with client_credentials and
// HTTP Basic client authentication (RFC 6749 §2.3.1, §4.4), asking for
// scope (which decides the token's aud).
func tokenTarget(info *serveInfo, client *http.Client, scope string) *target {
	cred := url.QueryEscape(info.ClientID) + ":" + url.QueryEscape(info.ClientSecret)
	return &target{
		Name:   nameToken,
		Method: http.MethodPost,
		URL:    info.Token,
		Header: http.Header{
			"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(cred))},
			"Content-Type":  {"application/x-www-form-urlencoded"},
			"Accept":        {"application/json"},
		},
		Body:   url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}.Encode(),
		client: client,
	}
}

// httpTargets are the three GET targets, each sending the same bearer
// token so that requests are byte-for-byte alike.
func httpTargets(info *serveInfo, bearer string, direct, bare, gateway *http.Client) []*target {
	h := http.Header{"Authorization": {"Bearer " + bearer}, "Accept": {"application/json"}}
	return []*target{
		{Name: nameDirect, Method: http.MethodGet, URL: info.Direct + benchPath, Header: h, client: direct},
		{Name: nameBare, Method: http.MethodGet, URL: info.Bare + benchPath, Header: h, client: bare},
		{Name: nameGateway, Method: http.MethodGet, URL: info.Gateway + benchPath, Header: h, client: gateway},
	}
}

// pipelineTargets are the two POST targets: the bare proxy and the
// gateway's pipeline API, each sending the same headers (bearer token for
// the pipeline API, JSON content type) and the same small JSON body.
func pipelineTargets(info *serveInfo, bearer string, bare, gateway *http.Client) []*target {
	h := http.Header{
		"Authorization": {"Bearer " + bearer},
		"Accept":        {"application/json"},
		"Content-Type":  {"application/json"},
	}
	return []*target{
		{Name: nameBarePost, Method: http.MethodPost, URL: info.Bare + pipelinePath, Header: h, Body: pipelineBody, client: bare},
		{Name: namePipeline, Method: http.MethodPost, URL: info.Gateway + pipelinePath, Header: h, Body: pipelineBody, client: gateway},
	}
}

// fetchToken asks the token endpoint for one access token and checks that
// it is a compact ES256 JWS whose claims carry scope and name aud in their
// audience.
func fetchToken(ctx context.Context, t *target, scope, aud string) (string, error) {
	status, body, err := t.once(ctx)
	if err != nil {
		return "", fmt.Errorf("token endpoint: %w", err)
	}
	if status != http.StatusOK {
		return "", fmt.Errorf("token endpoint: HTTP %d: %.300s", status, body)
	}
	var tr struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.Unmarshal(body, &tr); err != nil {
		return "", fmt.Errorf("token endpoint: %w", err)
	}
	if !strings.EqualFold(tr.TokenType, "Bearer") {
		return "", fmt.Errorf("token endpoint: token_type %q, want Bearer", tr.TokenType)
	}
	tok, err := jwt.ParseSigned(tr.AccessToken, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return "", fmt.Errorf("token endpoint: access_token is not an ES256 JWT: %w", err)
	}
	var c struct {
		Scope    string       `json:"scope"`
		Audience jwt.Audience `json:"aud"`
	}
	// Signature checked by the gateway; here only the shape matters.
	if err := tok.UnsafeClaimsWithoutVerification(&c); err != nil {
		return "", fmt.Errorf("token endpoint: claims: %w", err)
	}
	if !strings.Contains(" "+c.Scope+" ", " "+scope+" ") {
		return "", fmt.Errorf("token endpoint: scope %q lacks %s", c.Scope, scope)
	}
	if !c.Audience.Contains(aud) {
		return "", fmt.Errorf("token endpoint: aud %q lacks %s", []string(c.Audience), aud)
	}
	return tr.AccessToken, nil
}

// checkTarget sends one request and fails unless it is answered 2xx with
// want as body (want "" accepts any body).
func checkTarget(ctx context.Context, t *target, want string) error {
	status, body, err := t.once(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", t.Name, err)
	}
	if status < 200 || status > 299 {
		return fmt.Errorf("%s: HTTP %d: %.300s", t.Name, status, body)
	}
	if want != "" && string(body) != want {
		return fmt.Errorf("%s: body %.100q, want %q", t.Name, body, want)
	}
	return nil
}

// checkPipeline shows, before any load, that the gateway-pipeline target
// goes through every stage it claims to: its valid request is answered 2xx
// with the upstream's body and carries the rate limiter's RateLimit-Policy
// and RateLimit headers; an undeclared body member is refused by OpenAPI
// validation (400); a quantity the schema allows but the policy does not is
// refused by the policy (403).
func checkPipeline(ctx context.Context, t *target) error {
	status, h, body, err := t.send(ctx, t.Body)
	if err != nil {
		return fmt.Errorf("%s: %w", t.Name, err)
	}
	if status != http.StatusOK || string(body) != upstreamBody {
		return fmt.Errorf("%s: HTTP %d: %.300s, want 200 and %s", t.Name, status, body, upstreamBody)
	}
	if h.Get("RateLimit-Policy") == "" || h.Get("RateLimit") == "" {
		return fmt.Errorf("%s: no RateLimit-Policy or RateLimit header: is the rate limit on?", t.Name)
	}
	for _, c := range []struct {
		stage, body string
		want        int
	}{
		{"OpenAPI validation", pipelineUndeclared, http.StatusBadRequest},
		{"the policy", pipelineDenied, http.StatusForbidden},
	} {
		status, _, body, err := t.send(ctx, c.body)
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		if status != c.want {
			return fmt.Errorf("%s: %s is not on: %s answered HTTP %d (%.200s), want %d", t.Name, c.stage, c.body, status, body, c.want)
		}
	}
	return nil
}

// once sends one request and returns the status and (bounded) body.
func (t *target) once(ctx context.Context) (int, []byte, error) {
	status, _, body, err := t.send(ctx, t.Body)
	return status, body, err
}

// send sends one request with reqBody (none when "") and returns the
// status, the response header and the (bounded) body.
func (t *target) send(ctx context.Context, reqBody string) (int, http.Header, []byte, error) {
	var body io.Reader
	if reqBody != "" {
		body = strings.NewReader(reqBody)
	}
	req, err := http.NewRequestWithContext(ctx, t.Method, t.URL, body)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header = t.Header.Clone()
	resp, err := t.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, resp.Header, b, err
}
