// Package policy compiles and evaluates the gateway's authorization
// policies: CEL expressions attached to an API or a route (`policy:` in the
// config) that decide, per request, whether the caller may reach the
// object or function addressed (OWASP API1 BOLA, API5 BFLA).
//
// A policy is compiled and type-checked once, when the config is loaded
// ([Compile]); a syntax error, an unknown variable or field, or an
// expression whose result is not a bool is refused with its line and
// column ([CompileError]), which is what `rempart config check` prints.
// The compiled [Program] is immutable and evaluated per request with
// [Program.Allow]; a false result is answered 403 by the gateway.
//
// # Variables
//
// A policy sees four variables:
//
//   - token: the access token's claims (sub, scope, client_id, aud, …);
//     an empty map when the request carries no token, so `has(token.sub)`
//     is false and `token.sub` is an evaluation error (deny).
//   - api_key: the API key that authenticated the request, as
//     {"id": …, "name": …}; an empty map when none.
//   - request: the request, with fields
//     method (string, e.g. "GET"), path (string),
//     path_params (map(string, string), from the route pattern, e.g. "/orders/{id}"),
//     query (map(string, list(string))),
//     headers (map(string, string): lower-case names, repeated values joined with ", "),
//     client_ip (string).
//   - body: the request body parsed as JSON, when the API validates bodies;
//     an empty map otherwise. JSON numbers are doubles; CEL compares them
//     with ints as numbers (`body.amount < 1000` works).
//
// A policy must be of type bool: a claim used as a boolean is written
// `token.admin == true`, not `token.admin` (whose type is dyn).
//
// The standard CEL macros (has, all, exists, exists_one, map, filter) and
// the strings extension (split, lowerAscii, replace, indexOf, …) are
// available. Examples:
//
//	token.sub == request.path_params.id
//	request.method in ["GET", "HEAD"] || "orders:write" in token.scope.split(" ")
//	has(body.amount) && body.amount < 1000
//	request.client_ip.startsWith("10.")
//	api_key.name == "partner"
//
// # Invariants
//
//   - Fail closed: an evaluation error (missing key, wrong type, cost limit
//     exceeded, cancelled context) makes [Program.Allow] return false with
//     the error; the gateway logs the error and answers 403. Nothing is
//     allowed by default.
//   - No credentials in the input (R20): the Authorization, Proxy-Authorization,
//     Cookie, X-API-Key, DPoP and Rempart-Identity headers and the
//     access_token query parameter (RFC 6750 §2.3) are never visible to a
//     policy, even if the caller of [Program.Allow] forgot to remove them;
//     token is the verified claim set, never the token itself.
//   - Bounded cost: an expression is at most [MaxExpressionLength] bytes and
//     its evaluation at most [MaxCost] CEL cost units (roughly one per
//     operation, comprehension step or byte compared), so a policy cannot be
//     made to spin on a large body; it is also interrupted when the request's
//     context is cancelled.
//   - No global mutable state: the CEL environment is built once and never
//     changed; a [Program] is safe for concurrent use.
package policy
