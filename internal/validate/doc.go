// Package validate checks API requests (and optionally responses) against
// what the API declares: its media types (R13) and its OpenAPI document
// (R14; OWASP API3 broken object property level authorization — mass
// assignment and excessive data exposure — and API4 unrestricted resource
// consumption).
//
// A Validator is built once per API at configuration load (New: the OpenAPI
// document is loaded, validated and routed) and is then immutable and safe
// for concurrent use. The gateway calls CheckRequest before the policy stage,
// with the body it has already read, and CheckResponse on the upstream's
// response. Refusals are *Error values carrying a status, a generic Title and
// a Location ("query.limit", "body.items[3].price") that are safe to show,
// and a private cause for the log.
//
// # Content negotiation (R13)
//
// A request with a body must have a Content-Type among the consumed types
// (RFC 9110 §8.3), else 415; a JSON one must be UTF-8 (RFC 8259 §8.1). An
// Accept header (RFC 9110 §12.5.1; wildcards and q=0 honoured) must admit at
// least one produced type, else 406; no Accept admits anything. The types are
// Options.ContentTypes without OpenAPI (empty: no enforcement) and, with
// OpenAPI, each operation's own: its requestBody's content (none declared:
// any body is 415) and the content of all its responses (none: no 406).
//
// # JSON threat limits
//
// Every JSON body (application/json, */*+json) is walked once by a streaming
// decoder before anything else parses it: nesting depth, string and key
// length, array length and object member count are bounded (JSONLimits);
// invalid UTF-8, trailing data and duplicate keys are refused. Duplicate keys
// are refused because parsers disagree on which value wins, which would let a
// value pass validation that the upstream reads differently.
//
// # OpenAPI (R14)
//
// OpenAPI 3.0 and 3.1 documents are supported through kin-openapi (3.1 schemas
// are validated as JSON Schema 2020-12). Paths are full public paths
// (path_prefix included) and servers are ignored. References may only point to
// files inside the document's directory: no URL is ever fetched (SSRF) and no
// file outside is read. Path, query, header and cookie parameters and the body
// are validated; an unknown path is 404 and an undeclared method 405 with
// Allow. Formats uuid, email, ipv4, ipv6, date, date-time and byte are checked.
//
// Mass-assignment protection needs the schema to say so: as in JSON Schema, an
// object schema without "additionalProperties: false" (or, in 3.1,
// "unevaluatedProperties: false") accepts members it does not declare.
//
// Errors never carry kin-openapi's text, which includes schema internals
// (patterns, enums, limits) and, for 3.1, request values.
//
// Query parameters the operation does not declare are not refused, and
// defaults declared in the schema are not filled in: the upstream gets the
// request as sent.
package validate
