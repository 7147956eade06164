package migrationcheck

import "testing"

const dropNotes = f2 + "3: drop-column: ALTER TABLE items DROP COLUMN notes: the column's data is lost"

func TestAnnotations(t *testing.T) {
	for _, tc := range []struct {
		name, up string
		want     []string
	}{
		{"acknowledged with a reason",
			"-- stratus:allow drop-column: unused since v1.4, data copied to notes_v2 in 00004\nALTER TABLE items DROP COLUMN notes;", nil},
		{"among other comments, several rules",
			"-- notes moved to their own table\n-- stratus:allow drop-column: copied to notes in 00003\n-- stratus:allow access-exclusive: items is small\nALTER TABLE items DROP COLUMN notes;\nALTER TABLE items ADD COLUMN x int;", []string{
				f2 + "4: annotation: -- stratus:allow access-exclusive: items is small: it matches no finding (the statement on line 5 is not access-exclusive): remove it, or it would silently cover the next risky change here",
				f2 + "6: access-exclusive: ALTER TABLE items ADD COLUMN x int: " + aeItems}},
		{"for the whole file, Up and Down",
			"SELECT 1;\nALTER TABLE items ADD COLUMN x int;\n-- +goose Down\nALTER TABLE items DROP COLUMN x;", nil},
		{"without a reason", "-- stratus:allow drop-column\nALTER TABLE items DROP COLUMN notes;", []string{
			f2 + "2: annotation: -- stratus:allow drop-column: it gives no reason: write -- stratus:allow drop-column: <why this is safe>",
			dropNotes}},
		{"with an empty reason", "-- stratus:allow drop-column:   \nALTER TABLE items DROP COLUMN notes;", []string{
			f2 + "2: annotation: -- stratus:allow drop-column:: it gives no reason: write -- stratus:allow drop-column: <why this is safe>",
			dropNotes}},
		{"naming an unknown rule", "-- stratus:allow drop-colum: typo\nALTER TABLE items DROP COLUMN notes;", []string{
			f2 + `2: annotation: -- stratus:allow drop-colum: typo: unknown rule "drop-colum" (rules: access-exclusive, add-column-not-null, alter-column-type, do-block, drop-cascade, drop-column, drop-table, index-not-concurrently, rename, set-not-null, truncate)`,
			dropNotes}},
		{"naming no rule", "-- stratus:allow\nALTER TABLE items DROP COLUMN notes;", []string{
			f2 + "2: annotation: -- stratus:allow: it names no rule: write -- stratus:allow <rule>: <reason>",
			dropNotes}},
		{"a misspelt directive", "-- stratus:alow drop-column: gone\nALTER TABLE items DROP COLUMN notes;", []string{
			f2 + "2: annotation: -- stratus:alow drop-column: gone: unknown annotation: write -- stratus:allow <rule>: <reason>",
			dropNotes}},
		{"a rule that cannot be acknowledged", "-- stratus:allow goose-split: it works on my machine\nSELECT 1;", []string{
			f2 + `2: annotation: -- stratus:allow goose-split: it works on my machine: rule "goose-split" cannot be acknowledged: fix the migration`}},
		{"matching no finding", "-- stratus:allow drop-table: just in case\nALTER TABLE items DROP COLUMN notes;", []string{
			f2 + "2: annotation: -- stratus:allow drop-table: just in case: it matches no finding (the statement on line 3 is not drop-table): remove it, or it would silently cover the next risky change here",
			dropNotes}},
		{"above a statement on a new table", "CREATE TABLE t (a int);\n-- stratus:allow drop-column: t is new\nALTER TABLE t DROP COLUMN a;", []string{
			f2 + "3: annotation: -- stratus:allow drop-column: t is new: it matches no finding (the statement on line 4 is not drop-column): remove it, or it would silently cover the next risky change here"}},
		{"separated by a blank line", "-- stratus:allow drop-column: copied\n\nALTER TABLE items DROP COLUMN notes;", []string{
			f2 + "2: annotation: -- stratus:allow drop-column: copied: a blank line separates it from the statement on line 4: put it directly above",
			f2 + "4: drop-column: ALTER TABLE items DROP COLUMN notes: the column's data is lost"}},
		{"after the statement on its line", "SELECT 1;\nALTER TABLE items DROP COLUMN notes; -- stratus:allow drop-column: copied", []string{
			f2 + "3: annotation: -- stratus:allow drop-column: copied: it follows SQL on its line: put it on its own line directly above the statement",
			dropNotes}},
		{"inside a statement", "ALTER TABLE items\n-- stratus:allow drop-column: copied\nDROP COLUMN notes;", []string{
			f2 + "2: drop-column: ALTER TABLE items DROP COLUMN notes: the column's data is lost",
			f2 + "3: annotation: -- stratus:allow drop-column: copied: it is inside a statement: put it on its own line directly above the statement"}},
		{"after the last statement of the section", "ALTER TABLE items DROP COLUMN notes;\n-- stratus:allow drop-column: copied", []string{
			f2 + "2: drop-column: ALTER TABLE items DROP COLUMN notes: the column's data is lost",
			f2 + "3: annotation: -- stratus:allow drop-column: copied: no statement follows it in its section"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := change(tc.up)
			if tc.name == "for the whole file, Up and Down" {
				fsys = folder("00001_base.sql", base, "00002_change.sql",
					"-- Adds x to items.\n-- stratus:allow access-exclusive: items holds a few hundred rows; lock_timeout is set by the migrate function\n\n-- +goose Up\n"+tc.up+"\n")
			}
			sameLines(t, lines(t, fsys), tc.want)
		})
	}
}

// A file-level annotation that covers nothing is reported on its line.
func TestUnusedFileAnnotation(t *testing.T) {
	fsys := folder("00001_base.sql", base, "00002_change.sql",
		"-- stratus:allow truncate: old habit\n-- +goose Up\nCREATE TABLE t (a int);\n-- +goose Down\nDROP TABLE t;\n")
	sameLines(t, lines(t, fsys), []string{
		"00002_change.sql:1: annotation: -- stratus:allow truncate: old habit: it matches no finding (no statement in the file is truncate): remove it, or it would silently cover the next risky change here",
	})
}
