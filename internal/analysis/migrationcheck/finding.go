package migrationcheck

import (
	"fmt"
	"sort"
)

// Finding is one problem in one migration file, printed as one line by String.
type Finding struct {
	File string // the migration's file name, e.g. 00003_notes.sql
	Line int    // 1-based; 0 when the finding is about the whole file
	Rule string // a rule id, see Rules
	// What names the statement or the file at fault, e.g. "ALTER TABLE items DROP COLUMN notes".
	What string
	// Consequence says what goes wrong in production, e.g. "the column's data is lost".
	Consequence string
}

// String is "<file>:<line>: <rule>: <what>: <consequence>".
func (f Finding) String() string {
	where := f.File
	if f.Line > 0 {
		where = fmt.Sprintf("%s:%d", f.File, f.Line)
	}
	return fmt.Sprintf("%s: %s: %s: %s", where, f.Rule, f.What, f.Consequence)
}

// Rule ids. The ids are part of the annotation syntax and of the lock's
// messages: never rename one.
const (
	// Risky statements: a `-- stratus:allow <rule>: <reason>` annotation acknowledges them.
	RuleDropTable          = "drop-table"
	RuleDropColumn         = "drop-column"
	RuleTruncate           = "truncate"
	RuleDropCascade        = "drop-cascade"
	RuleAlterColumnType    = "alter-column-type"
	RuleRename             = "rename"
	RuleSetNotNull         = "set-not-null"
	RuleAddColumnNotNull   = "add-column-not-null"
	RuleIndexNotConcurrent = "index-not-concurrently"
	RuleAccessExclusive    = "access-exclusive"
	RuleDoBlock            = "do-block"

	// Errors that no annotation can acknowledge: the migration would fail,
	// the checker could not read it, or the acknowledgement itself is wrong.
	RuleSyntax             = "syntax"
	RuleGooseSplit         = "goose-split"
	RuleNeedsNoTransaction = "needs-no-transaction"
	RuleAnnotation         = "annotation"

	// The shipped-migration lock (see Lock).
	RuleUnrecorded = "unrecorded-migration"
	RuleEdited     = "edited-migration"
	RuleMissing    = "missing-migration"
	RuleFileName   = "migration-name"
)

// rules describes every rule id; Allowable marks those an annotation may
// acknowledge. Unexported, so no caller can change a rule; RuleIDs lists them.
var rules = map[string]struct {
	Allowable bool
	Summary   string
}{
	RuleDropTable:          {true, "DROP TABLE (or DROP SCHEMA) of a table an earlier migration created: its rows are lost"},
	RuleDropColumn:         {true, "ALTER TABLE … DROP COLUMN of a column an earlier migration created: its data is lost"},
	RuleTruncate:           {true, "TRUNCATE of a table an earlier migration created: every row is deleted"},
	RuleDropCascade:        {true, "DROP … CASCADE of a type, domain, function, sequence, view or extension: whatever depends on it goes too, columns included"},
	RuleAlterColumnType:    {true, "ALTER COLUMN … TYPE on an existing table: a rewrite under ACCESS EXCLUSIVE, and running code may expect the old type"},
	RuleRename:             {true, "any RENAME or SET SCHEMA of an existing object: running code that uses the old name fails until it is redeployed"},
	RuleSetNotNull:         {true, "ALTER COLUMN … SET NOT NULL on an existing table: a full scan under ACCESS EXCLUSIVE that fails on any NULL"},
	RuleAddColumnNotNull:   {true, "ADD COLUMN … NOT NULL without a DEFAULT on an existing table: fails once the table has rows, and old code's INSERTs fail"},
	RuleIndexNotConcurrent: {true, "CREATE INDEX without CONCURRENTLY on an existing table: writes wait (SHARE lock) while the index builds"},
	RuleAccessExclusive:    {true, "any other statement that takes an ACCESS EXCLUSIVE lock on an existing table: reads and writes wait until the migration commits"},
	RuleDoBlock:            {true, "a DO block: the checker cannot see the statements it runs"},
	RuleSyntax:             {false, "the file is not a goose migration PostgreSQL can parse"},
	RuleGooseSplit:         {false, "goose would cut a statement at a line ending in ';' (wrap it in -- +goose StatementBegin / StatementEnd)"},
	RuleNeedsNoTransaction: {false, "a statement that cannot run inside a transaction, in a migration without -- +goose NO TRANSACTION"},
	RuleAnnotation:         {false, "a stratus:allow annotation without a reason, naming an unknown rule, or matching no finding"},
	RuleUnrecorded:         {false, "a migration missing from the shipped-migration lock"},
	RuleEdited:             {false, "a shipped migration whose content changed"},
	RuleMissing:            {false, "a shipped migration that is no longer in the folder"},
	RuleFileName:           {false, "a file goose would not take as a migration (NNNNN_name.sql, versions unique)"},
}

// RuleIDs returns the rule ids in order, for documentation and errors.
func RuleIDs() []string {
	ids := make([]string, 0, len(rules))
	for id := range rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// sortFindings orders findings by file, line, rule, what: stable output for
// a test's failure message and a command's report.
func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.What < b.What
	})
}
