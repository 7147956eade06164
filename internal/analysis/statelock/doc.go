// Package statelock guards the app's stateful resources against accidental
// replacement or deletion: the stateful-resource lock.
//
// Golden snapshots record whatever was synthesized, so they cannot tell a
// database renamed by a refactor (a new logical id: CloudFormation creates
// an empty cluster and deletes the old one) from an intended change. The
// lock can: it is a committed file listing, for every stage and stack,
// each stateful resource with
//
//   - its logical id and type;
//   - its DeletionPolicy and UpdateReplacePolicy ("Delete" when absent,
//     CloudFormation's default for most types; the lock asks for explicit
//     policies and does not rely on a type's own default);
//   - the values of its create-only properties, the ones whose change makes
//     CloudFormation replace it, as the pinned CloudFormation resource
//     schemas mark them (package cfnspec; "maybe" counts as create-only).
//
// statefulTypes (asked through IsStateful) is the one list of the types
// that count as stateful.
//
// # Where the lock lives
//
// test/stateful.lock.json: beside the golden templates in test/testdata
// that it guards, in the package whose test enforces it (test/ synthesizes
// the whole app once, with an account, so the pipeline stack is locked
// too). A reviewer sees a template change and its acknowledgement in the
// same folder of the same diff, and a code-owner rule on test/*.lock.json
// can demand a second review for every acknowledgement.
//
// # What the check reports
//
// Check compares the synthesized app to the lock and returns one Problem per
// finding; Problem.String is one readable line: stage/stack, logical id,
// what changes and its consequence, e.g.
//
//	Prod/Data DatabaseCluster5B53A178 would be REPLACED (DatabaseName changed): all data lost; UpdateReplacePolicy Snapshot keeps a final snapshot
//
// Findings are: a locked resource removed or renamed (its logical id gone);
// a create-only property changed, or the type; in a protected stage (the
// lock's "protected" list, Prod), a stateful resource whose DeletionPolicy or
// UpdateReplacePolicy is neither Retain nor Snapshot, unless the lock holds
// an exception with a reason for exactly those policies; a stateful resource
// not in the lock yet; a changed policy the lock does not record yet. The
// lock is exact, so that every change to it is a visible diff.
//
// # Acknowledging a change
//
// Relock rewrites the lock from the app after an intended change. It needs
// a reason, which it writes into every entry it adds or changes (and as the
// policy exception of a protected entry that is not retained) and into a
// short history of the last MaxHistory rewrites; unchanged entries keep
// their reasons. `make lock REASON="…"` runs it (cmd/stratuslock); `make
// snapshot` never touches the lock. Renaming constructs, moving them into
// others or refactoring Config passes untouched as long as every logical id
// and value stays (see the refactor test).
//
// # Limits
//
// The lock records the stateful resources themselves. A replacement that
// reaches one only through a non-stateful resource it refers to (a DB subnet
// group replaced because of its own create-only name) keeps the text of
// the reference unchanged; `make diff` reports those, propagating
// replacements through references (cfnspec.Replacements).
package statelock
