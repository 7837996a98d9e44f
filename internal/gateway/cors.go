package gateway

import (
	"net/http"

	"github.com/rempart/rempart/internal/cors"
)

// corsPolicy is an API's compiled CORS policy.
type corsPolicy struct{ p *cors.Policy }

func newCORS(c CORS) (*corsPolicy, error) {
	p, err := cors.New(cors.Config{
		AllowOrigins:     c.AllowOrigins,
		AllowMethods:     c.AllowMethods,
		AllowHeaders:     c.AllowHeaders,
		ExposeHeaders:    c.ExposeHeaders,
		AllowCredentials: c.AllowCredentials,
		MaxAge:           c.MaxAge,
	})
	if err != nil {
		return nil, err
	}
	return &corsPolicy{p}, nil
}

// preflight answers a CORS preflight (OPTIONS with Origin and
// Access-Control-Request-Method) to a path the API serves, before
// authentication (browsers send preflights without credentials), and
// reports whether it did. Other requests go on through the pipeline.
func (c *corsPolicy) preflight(w http.ResponseWriter, r *http.Request, served bool) bool {
	return served && c.p.Preflight(w, r)
}

// apply sets the CORS fields of an actual response for the request's Origin.
func (c *corsPolicy) apply(h http.Header, r *http.Request) {
	c.p.Apply(h, r.Header.Get("Origin"))
}
