// Command upstream is the orders example's API: a stand-in for the service
// behind the gateway, on 127.0.0.1:9000. It trusts nothing but the gateway
// (in production it would verify Rempart-Identity against Rempart's JWKS)
// and answers with a field the OpenAPI document does not declare
// (internal_cost), which the gateway's response_validation: strip removes.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"strings"
	"time"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders", list)
	mux.HandleFunc("GET /v1/orders", list)
	mux.HandleFunc("GET /orders/by-client/{client_id}", list)
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, order(r.PathValue("id"), "book", 1, 12.5))
	})
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Item     string  `json:"item"`
			Quantity int     `json:"quantity"`
			Amount   float64 `json:"amount"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		reply(w, http.StatusCreated, order("3f2b6f1e-8a8e-4f5e-9d0a-6c1f2b3a4d5e", in.Item, in.Quantity, in.Amount))
	})
	srv := &http.Server{Addr: "127.0.0.1:9000", Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Printf("orders upstream on http://%s", srv.Addr)
	log.Fatal(srv.ListenAndServe())
}

func list(w http.ResponseWriter, r *http.Request) {
	reply(w, http.StatusOK, map[string]any{"orders": []any{
		order("8d4e0c2a-5b1f-4c3d-9e7f-0a1b2c3d4e5f", "book", 2, 25),
		order("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "pen", 10, 9.9),
	}})
}

func order(id, item string, qty int, amount float64) map[string]any {
	return map[string]any{
		"id": id, "client_id": "demo", "item": strings.TrimSpace(item), "quantity": qty,
		"amount": amount, "status": "open",
		"internal_cost": amount * 0.6, // not in the OpenAPI document: stripped by the gateway
	}
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
