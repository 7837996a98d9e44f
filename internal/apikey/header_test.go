package apikey

import (
	"errors"
	"net/http"
	"testing"
)

func TestFromRequest(t *testing.T) {
	const key = "rpk_" + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
	for _, tc := range []struct {
		name    string
		h       http.Header
		want    string
		wantOK  bool
		wantErr error
	}{
		{name: "ok/none", h: http.Header{}},
		{name: "ok/x-api-key", h: hdr("X-API-Key", key), want: key, wantOK: true},
		{name: "ok/x-api-key-lowercase-name", h: hdr("x-api-key", key), want: key, wantOK: true},
		{name: "ok/x-api-key-trimmed", h: hdr("X-API-Key", " \t"+key+" "), want: key, wantOK: true},
		{name: "ok/authorization", h: hdr("Authorization", "ApiKey "+key), want: key, wantOK: true},
		{name: "ok/authorization-scheme-case", h: hdr("Authorization", "apikey "+key), want: key, wantOK: true},
		{name: "ok/authorization-upper", h: hdr("Authorization", "APIKEY "+key), want: key, wantOK: true},
		{name: "ok/authorization-spaces", h: hdr("Authorization", "ApiKey   "+key+"  "), want: key, wantOK: true},
		{name: "ok/authorization-tab", h: hdr("Authorization", "ApiKey\t"+key), want: key, wantOK: true},
		{name: "ok/empty-x-api-key", h: hdr("X-API-Key", ""), want: "", wantOK: true},
		{name: "ok/scheme-without-key", h: hdr("Authorization", "ApiKey"), want: "", wantOK: true},
		{name: "ok/bearer-is-not-a-key", h: hdr("Authorization", "Bearer "+key)},
		{name: "ok/scheme-prefix-is-not-the-scheme", h: hdr("Authorization", "ApiKeys "+key)},
		{name: "ok/x-api-key-with-bearer", h: hdr("X-API-Key", key, "Authorization", "Bearer tok"), want: key, wantOK: true},
		{name: "ok/underscore-header-ignored", h: http.Header{"X_api_key": {key}}},
		{name: "fail/two-x-api-key", h: http.Header{"X-Api-Key": {key, key}}, wantErr: ErrAmbiguous},
		{name: "fail/both-places", h: hdr("X-API-Key", key, "Authorization", "ApiKey "+key), wantErr: ErrAmbiguous},
		{name: "fail/two-authorization-keys", h: http.Header{"Authorization": {"ApiKey " + key, "apikey " + key}}, wantErr: ErrAmbiguous},
		{name: "fail/apikey-and-bearer", h: http.Header{"Authorization": {"Bearer tok", "ApiKey " + key}}, wantErr: ErrAmbiguous},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.h.Clone()
			got, ok, err := FromRequest(tc.h)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("FromRequest() err = %v, want %v", err, tc.wantErr)
			}
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("FromRequest() = %q, %v; want %q, %v", got, ok, tc.want, tc.wantOK)
			}
			if err != nil && (got != "" || ok) {
				t.Error("FromRequest() returned a key with an error")
			}
			if len(before) != len(tc.h) {
				t.Error("FromRequest() changed the header")
			}
		})
	}
}

// hdr builds a header from name, value pairs with Header.Add.
func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}
