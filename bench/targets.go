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
	nameDirect  = "direct"
	nameBare    = "bare-proxy"
	nameGateway = "gateway"
	nameToken   = "token-endpoint"
)

// allTargets is the default interleaving order of a round.
var allTargets = []string{nameDirect, nameBare, nameGateway, nameToken}

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
// HTTP Basic client authentication (RFC 6749 §2.3.1, §4.4).
func tokenTarget(info *serveInfo, client *http.Client) *target {
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
		Body:   url.Values{"grant_type": {"client_credentials"}, "scope": {benchScope}}.Encode(),
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

// fetchToken asks the token endpoint for one access token and checks that
// it is a compact ES256 JWS whose claims carry the benchmark scope.
func fetchToken(ctx context.Context, t *target) (string, error) {
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
		Scope string `json:"scope"`
	}
	// Signature checked by the gateway; here only the shape matters.
	if err := tok.UnsafeClaimsWithoutVerification(&c); err != nil {
		return "", fmt.Errorf("token endpoint: claims: %w", err)
	}
	if !strings.Contains(" "+c.Scope+" ", " "+benchScope+" ") {
		return "", fmt.Errorf("token endpoint: scope %q lacks %s", c.Scope, benchScope)
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

// once sends one request and returns the status and (bounded) body.
func (t *target) once(ctx context.Context) (int, []byte, error) {
	var body io.Reader
	if t.Body != "" {
		body = strings.NewReader(t.Body)
	}
	req, err := http.NewRequestWithContext(ctx, t.Method, t.URL, body)
	if err != nil {
		return 0, nil, err
	}
	req.Header = t.Header.Clone()
	resp, err := t.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, b, err
}
