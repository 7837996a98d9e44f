// Package archtest holds tests of the code base's shape: every package has a
// doc comment, and the leaf packages import no other internal package (the
// import rules of docs/architecture.md).
package archtest
