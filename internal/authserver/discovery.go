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

	// RFC 8414 §2: the signing algorithms of private_key_jwt assertions,
	// and the introspection (RFC 7662) and revocation (RFC 7009)
	// endpoints with their client authentication methods.
	TokenEndpointAuthSigningAlgs         []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	IntrospectionEndpoint                string   `json:"introspection_endpoint"`
	IntrospectionEndpointAuthMethods     []string `json:"introspection_endpoint_auth_methods_supported"`
	IntrospectionEndpointAuthSigningAlgs []string `json:"introspection_endpoint_auth_signing_alg_values_supported"`
	RevocationEndpoint                   string   `json:"revocation_endpoint"`
	RevocationEndpointAuthMethods        []string `json:"revocation_endpoint_auth_methods_supported"`
	RevocationEndpointAuthSigningAlgs    []string `json:"revocation_endpoint_auth_signing_alg_values_supported"`

	// The browser flow (present only when it is served): RFC 8414 §2,
	// OIDC Discovery §3, RFC 7636 §6.2, RFC 9207 §3.
	AuthorizationEndpoint         string   `json:"authorization_endpoint,omitempty"`
	UserinfoEndpoint              string   `json:"userinfo_endpoint,omitempty"`
	ResponseModesSupported        []string `json:"response_modes_supported,omitempty"`
	CodeChallengeMethodsSupported []string `json:"code_challenge_methods_supported,omitempty"`
	ClaimsSupported               []string `json:"claims_supported,omitempty"`
	ACRValuesSupported            []string `json:"acr_values_supported,omitempty"`
	PromptValuesSupported         []string `json:"prompt_values_supported,omitempty"`
	AuthorizationResponseISS      bool     `json:"authorization_response_iss_parameter_supported,omitempty"`
	RequestParameterSupported     *bool    `json:"request_parameter_supported,omitempty"`
	RequestURIParameterSupported  *bool    `json:"request_uri_parameter_supported,omitempty"`
}

// supportedGrantTypes are the grant types the token endpoint serves.
var supportedGrantTypes = []string{GrantClientCredentials,
	GrantRefreshToken, // password stays unadvertised: per client only, for migrations (T4)
}

// supportedAuthMethods are the client authentication methods the token
// endpoint accepts.
var supportedAuthMethods = []string{AuthSecretBasic, AuthSecretPost,
	AuthPrivateKeyJWT,
}

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

		TokenEndpointAuthSigningAlgs:         slices.Clone(assertionAlgNames),
		IntrospectionEndpoint:                s.endpoint("/introspect"),
		IntrospectionEndpointAuthMethods:     slices.Clone(supportedAuthMethods),
		IntrospectionEndpointAuthSigningAlgs: slices.Clone(assertionAlgNames),
		RevocationEndpoint:                   s.endpoint("/revoke"),
		RevocationEndpointAuthMethods:        slices.Clone(supportedAuthMethods),
		RevocationEndpointAuthSigningAlgs:    slices.Clone(assertionAlgNames),
	}
	s.browserMetadata(&d)
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
