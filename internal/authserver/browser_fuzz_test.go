package authserver

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/rempart/rempart/internal/oauth"
)

// fuzzClient is the registered client of FuzzAuthorizeRequest.
var fuzzClient = Client{
	ID: "c1", Name: "app", GrantTypes: []string{GrantAuthorizationCode},
	Scopes:       []string{"openid", "profile", "orders:read"},
	RedirectURIs: []string{"https://app.example/cb", "https://app.example/cb?x=1", "http://127.0.0.1/native"},
}

// FuzzAuthorizeRequest feeds arbitrary query strings to the authorization
// request parsing and checks (readAuthzParams, checkFront, checkAuthz):
// they never panic, an accepted request has a registered redirect URI,
// response_type=code, an S256 challenge and a non-empty scope within the
// client's, it re-parses to itself from its encoded form (the pages carry
// it), and every error has a code and a status.
func FuzzAuthorizeRequest(f *testing.F) {
	ok := url.Values{"client_id": {"c1"}, "redirect_uri": {"https://app.example/cb"}, "response_type": {"code"},
		"scope": {"openid orders:read"}, "state": {"s"}, "nonce": {"n"},
		"code_challenge": {oauth.S256Challenge(strings.Repeat("v", 43))}, "code_challenge_method": {"S256"}}
	f.Add(ok.Encode())
	for k, v := range map[string]string{
		"redirect_uri": "https://app.example/cb#x", "response_type": "token", "scope": "", "prompt": "none login",
		"max_age": "+1", "code_challenge_method": "plain", "request": "x", "state": strings.Repeat("s", maxStateLen+1),
	} {
		q := url.Values{}
		for kk, vv := range ok {
			q[kk] = vv
		}
		q.Set(k, v)
		f.Add(q.Encode())
	}
	f.Add("redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fnative&client_id=c1&response_type=code&scope=openid")
	f.Add("client_id=c1&client_id=c1")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		p, fe := readAuthzParams(q)
		if fe != nil {
			return
		}
		uri, fe := checkFront(p, fuzzClient)
		if fe != nil {
			if fe.text == "" || fe.err == nil {
				t.Fatalf("front error without text or cause: %+v", fe)
			}
			return
		}
		if _, ok := oauth.MatchRedirect(fuzzClient.RedirectURIs, uri); !ok {
			t.Fatalf("accepted redirect URI %q is not registered", uri)
		}
		ar, oe := checkAuthz(p, fuzzClient, uri)
		if oe != nil {
			if oe.Code == "" || oe.Status < 400 {
				t.Fatalf("error without code or status: %+v", oe)
			}
			if len(ar.state) > maxStateLen {
				t.Fatalf("echoed state of %d bytes", len(ar.state))
			}
			redir, err := url.Parse(authzRedirectURL(uri, url.Values{"error": {oe.Code}, "state": {ar.state}}))
			if err != nil || redir.Query().Get("error") != oe.Code {
				t.Fatalf("error redirect for %q does not parse: %v", uri, err)
			}
			return
		}
		if p.responseType != "code" || p.challengeMethod != oauth.PKCEMethodS256 || oauth.ValidateChallenge(ar.challenge, "S256") != nil {
			t.Fatalf("accepted response_type %q challenge %q/%q", p.responseType, ar.challenge, p.challengeMethod)
		}
		if len(ar.scope) == 0 {
			t.Fatal("accepted an empty scope")
		}
		for _, sc := range ar.scope {
			if !slices.Contains(fuzzClient.Scopes, sc) {
				t.Fatalf("granted scope %q the client may not hold", sc)
			}
		}
		if ar.state != p.state {
			t.Fatalf("state %q changed to %q", p.state, ar.state)
		}
		q2, err := url.ParseQuery(ar.encoded)
		if err != nil {
			t.Fatalf("encoded request does not parse: %v", err)
		}
		p2, fe2 := readAuthzParams(q2)
		if fe2 != nil || p2 != p {
			t.Fatalf("encoded request re-parses to %+v, want %+v", p2, p)
		}
	})
}

// FuzzOriginOf: a CSP source built from a URL never holds a character that
// would end or extend the directive.
func FuzzOriginOf(f *testing.F) {
	for _, s := range []string{"https://app.example/cb", "http://127.0.0.1:8080/x", "com.example.app:/cb",
		"https://a;b.example/", "https://a b/", "javascript:alert(1)", "https://[::1]:443/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		o := originOf(raw)
		if strings.ContainsAny(o, "; ,'\"\t\r\n*") {
			t.Fatalf("originOf(%q) = %q", raw, o)
		}
	})
}
