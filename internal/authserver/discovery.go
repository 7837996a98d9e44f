package authserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
)

// metadataDoc is the authorization server metadata (RFC 8414 §2), with the
// OpenID Connect Discovery 1.0 §3 members in the OIDC variant. Only what
// works is advertised: response_types_supported is empty until the
// authorization endpoint exists (RFC 8414 requires the member).
type metadataDoc struct {
	Issuer                            string   `json:"issuer"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	ScopesSupported                   []string `json:"scopes_supported,omitempty"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported,omitempty"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported,omitempty"`
}

// supportedGrantTypes are the grant types the token endpoint serves.
var supportedGrantTypes = []string{GrantClientCredentials}

// supportedAuthMethods are the client authentication methods the token
// endpoint accepts.
var supportedAuthMethods = []string{AuthSecretBasic, AuthSecretPost}

// metadata builds the RFC 8414 and OIDC documents once, at New.
func (s *Server) metadata() (oauthDoc, oidcDoc []byte, err error) {
	var scopes []string
	for _, a := range s.apis {
		for _, sc := range a.Scopes {
			if !slices.Contains(scopes, sc) {
				scopes = append(scopes, sc)
			}
		}
	}
	slices.Sort(scopes)
	d := metadataDoc{
		Issuer:                            s.issuer,
		TokenEndpoint:                     s.endpoint("/token"),
		JWKSURI:                           s.endpoint("/jwks"),
		ScopesSupported:                   scopes,
		ResponseTypesSupported:            []string{},
		GrantTypesSupported:               slices.Clone(supportedGrantTypes),
		TokenEndpointAuthMethodsSupported: slices.Clone(supportedAuthMethods),
	}
	if oauthDoc, err = json.Marshal(d); err != nil {
		return nil, nil, fmt.Errorf("authserver: encode metadata: %w", err)
	}
	d.SubjectTypesSupported = []string{"public"}
	d.IDTokenSigningAlgValuesSupported = []string{"ES256"}
	if oidcDoc, err = json.Marshal(d); err != nil {
		return nil, nil, fmt.Errorf("authserver: encode metadata: %w", err)
	}
	return oauthDoc, oidcDoc, nil
}

func (s *Server) serveOAuthMetadata(w http.ResponseWriter, _ *http.Request) {
	writeCacheable(w, "application/json", s.oauthMetadata)
}

func (s *Server) serveOIDCMetadata(w http.ResponseWriter, _ *http.Request) {
	writeCacheable(w, "application/json", s.oidcMetadata)
}

// writeCacheable writes a public document that caches may keep 5 minutes.
func writeCacheable(w http.ResponseWriter, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "public, max-age=300")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}
