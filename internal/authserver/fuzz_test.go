package authserver

import (
	"encoding/base64"
	"errors"
	"testing"

	"github.com/rempart/rempart/internal/oauth"
)

// FuzzTokenRequest checks that form decoding and client-credential
// extraction never panic, fail only with OAuth errors, and never return
// credentials from two methods.
func FuzzTokenRequest(f *testing.F) {
	basicAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte("id%3A1:s%2Bcr"))
	seeds := []struct{ ct, body, auth string }{
		{"application/x-www-form-urlencoded", "grant_type=client_credentials&scope=a+b", basicAuth},
		{"application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=x&client_secret=y", ""},
		{"application/x-www-form-urlencoded; charset=UTF-8", "grant_type=x&audience=a&audience=b&resource=https://r", ""},
		{"application/x-www-form-urlencoded", "grant_type=x&scope=a&scope=b", basicAuth},
		{"application/x-www-form-urlencoded", "grant_type=x&client_assertion=a.b.c&client_assertion_type=t", ""},
		{"application/x-www-form-urlencoded", "grant_type=%zz;a", "Basic !!"},
		{"application/json", `{"grant_type":"x"}`, "Bearer x"},
		{"", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.ct, s.body, s.auth)
	}
	f.Fuzz(func(t *testing.T, ct, body, auth string) {
		req, err := parseTokenRequest(ct, []byte(body), auth)
		if err != nil {
			var oe *oauth.Error
			if !errors.As(err, &oe) || (oe.Code != oauth.CodeInvalidRequest && oe.Code != oauth.CodeInvalidClient) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if req.grantType == "" {
			t.Fatal("accepted a request without grant_type")
		}
		switch req.creds.method {
		case AuthSecretBasic:
			if auth == "" || req.creds.id == "" {
				t.Fatalf("basic credentials without header: %+v", req.creds)
			}
		case AuthSecretPost:
			if auth != "" || req.creds.secret == "" {
				t.Fatalf("post credentials with a header: %+v", req.creds)
			}
		case AuthPrivateKeyJWT, "":
			if req.creds.secret != "" {
				t.Fatalf("secret with method %q", req.creds.method)
			}
		default:
			t.Fatalf("method %q", req.creds.method)
		}
	})
}
