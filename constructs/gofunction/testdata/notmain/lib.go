// Package notmain is a library, not a command: gofunction must refuse it.
package notmain

// Answer is exported so the package is not empty.
const Answer = 42
