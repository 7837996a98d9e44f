package validate

import (
	"net/http"
	"sync"
	"testing"
)

// TestConcurrentUse runs requests and responses through shared Validators
// (run with -race): a Validator is immutable after New.
func TestConcurrentUse(t *testing.T) {
	body := []byte(`{"item":"pen","quantity":2}`)
	resp := []byte(`{"id":"` + orderID + `","item":"pen","quantity":2,"extra":1}`)
	h := http.Header{"Content-Type": {"application/json"}}
	for _, sp := range specs {
		v := mustNew(t, Options{OpenAPIFile: sp.file, Response: ResponseStrip})
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				for range 20 {
					r := newRequest("POST", "/api/orders", string(body), jsonCT("X-Trace", trace)...)
					if _, err := v.CheckRequest(r, body); err != nil {
						t.Errorf("%s/%d: CheckRequest: %v", sp.name, i, err)
						return
					}
					bad := newRequest("POST", "/api/orders", `{"item":1}`, jsonCT("X-Trace", trace)...)
					if _, err := v.CheckRequest(bad, []byte(`{"item":1}`)); err == nil {
						t.Errorf("%s/%d: invalid body accepted", sp.name, i)
						return
					}
					g := newRequest("GET", "/api/orders/"+orderID, "")
					out, err := v.CheckResponse(g, 200, h, resp)
					if err != nil || len(out) >= len(resp) {
						t.Errorf("%s/%d: CheckResponse = %s, %v", sp.name, i, out, err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
}
