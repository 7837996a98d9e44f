// Package ui holds the authorization server's HTML pages: login, second
// factor, consent, the account's consent list and the message pages
// (errors, sign-out, jail), rendered with html/template from files
// embedded in the binary, plus one stylesheet.
//
// Invariants:
//   - the pages need no JavaScript and load nothing but the stylesheet,
//     served by the authorization server itself, so a Content-Security-Policy
//     of "default-src 'none'; style-src 'self'" holds (no inline style or
//     script anywhere in the markup);
//   - every form posts to the authorization server and carries the CSRF
//     token it is given; the caller sets the cookies and security headers;
//   - every value is escaped by html/template: a client name or an unknown
//     scope is shown verbatim, never interpreted;
//   - accessibility: lang="en", one h1 per page, a label for every input,
//     error text tied to its field with aria-describedby and announced with
//     role="alert", and meaning never carried by colour alone (errors say
//     "Error:" in text).
//
// Render executes a page into memory first, so a template failure never
// sends half a page.
package ui
