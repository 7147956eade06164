package migrationcheck

import "testing"

const refuses = ": goose refuses the file"

// The checker reads a file the way goose does, and reports what goose or
// PostgreSQL would refuse, on its line.
func TestGooseFormat(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       []string
	}{
		{"no Up", "CREATE TABLE t (a int);\n", []string{"00002_x.sql:1: syntax: SQL before '-- +goose Up'" + refuses}},
		{"only comments", "-- nothing yet\n", []string{"00002_x.sql: syntax: no '-- +goose Up' line" + refuses}},
		{"two Ups", "-- +goose Up\nSELECT 1;\n-- +goose Up\n", []string{"00002_x.sql:3: syntax: a second '-- +goose Up'" + refuses}},
		{"Down before Up", "-- +goose Down\n-- +goose Up\n", []string{"00002_x.sql:1: syntax: '-- +goose Down' before '-- +goose Up'" + refuses}},
		{"indented annotation", "-- +goose Up\n  -- +goose StatementBegin\n", []string{`00002_x.sql:2: syntax: goose annotation "-- +goose StatementBegin" is indented` + refuses}},
		{"unknown annotation", "-- +goose Up\n-- +goose Transaction off\nSELECT 1;\n", []string{`00002_x.sql:2: syntax: unknown goose annotation "-- +goose Transaction off"` + refuses}},
		{"StatementBegin left open", "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n", []string{"00002_x.sql:2: syntax: '-- +goose StatementBegin' without StatementEnd" + refuses}},
		{"StatementEnd alone", "-- +goose Up\nSELECT 1;\n-- +goose StatementEnd\n", []string{"00002_x.sql:3: syntax: '-- +goose StatementEnd' without StatementBegin" + refuses}},
		{"ENVSUB", "-- +goose Up\n-- +goose ENVSUB ON\nCREATE ROLE ${ROLE};\n", []string{"00002_x.sql:2: syntax: '-- +goose ENVSUB' is not supported: the schema would depend on the deploy environment, which this check cannot see"}},
		{"syntax error, on its line", "-- +goose Up\nCREATE TABLE t (a int);\nALTER TABLE t DROP COLUMNN a;\n", []string{`00002_x.sql:3: syntax: syntax error at or near "a": PostgreSQL rejects the migration`}},
		{"syntax error in Down", "-- +goose Up\nSELECT 1;\n-- +goose Down\nDROP TABLEE t;\n", []string{`00002_x.sql:4: syntax: syntax error at or near "TABLEE": PostgreSQL rejects the migration`}},
		{"no final semicolon", "-- +goose Up\nSELECT 1\n", []string{"00002_x.sql:2: syntax: statement without a terminating ';'" + refuses}},
		{"function body without StatementBegin", "-- +goose Up\nCREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.updated_at = now();\n  RETURN NEW;\nEND $$;\n",
			[]string{"00002_x.sql:4: goose-split: goose ends a statement at this line's ';', PostgreSQL does not: goose sends half a statement and the migration fails: put -- +goose StatementBegin / -- +goose StatementEnd around it"}},
		{"function body with StatementBegin", "-- +goose Up\n-- +goose StatementBegin\nCREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.updated_at = now();\n  RETURN NEW;\nEND $$;\n-- +goose StatementEnd\n-- +goose Down\nDROP FUNCTION touch();\n", nil},
		{"semicolons in strings and comments", "-- +goose Up\nCOMMENT ON TABLE items IS 'a; b';  -- done; really\nSELECT 1; -- trailing;\n", nil},
		{"CRLF line ends", "-- +goose Up\r\nALTER TABLE items DROP COLUMN notes;\r\n-- +goose Down\r\n", []string{"00002_x.sql:2: drop-column: ALTER TABLE items DROP COLUMN notes: the column's data is lost"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sameLines(t, lines(t, folder("00001_base.sql", base, "00002_x.sql", tc.file)), tc.want)
		})
	}
}

// goose silently skips a .sql file without a version: a migration that
// never runs. Two files with one version stop goose altogether.
func TestFileNames(t *testing.T) {
	fsys := folder("00001_base.sql", base,
		"notes.sql", "-- +goose Up\nALTER TABLE items DROP COLUMN notes;\n",
		"2_a.sql", "-- +goose Up\nSELECT 1;\n",
		"00002_b.sql", "-- +goose Up\nSELECT 1;\n",
		"README.md", "not a migration")
	sameLines(t, lines(t, fsys), []string{ // fs.ReadDir sorts by name: 00002_b.sql comes first
		"2_a.sql: migration-name: version 2 is also 00002_b.sql: goose refuses to run any migration: give it the next free version",
		"notes.sql: migration-name: no filename separator '_' found: goose skips the file and it never runs: name it NNNNN_description.sql",
	})
}

// Files run in version order, not name order: 9 (which creates the index)
// before 10 (which drops it), so the finding can name the index's table.
func TestVersionOrder(t *testing.T) {
	fsys := folder("1_base.sql", base,
		"10_drop.sql", "-- +goose Up\nDROP INDEX notes_body_idx;\n",
		"9_notes.sql", "-- +goose Up\nCREATE TABLE notes (body text);\nCREATE INDEX notes_body_idx ON notes (body);\n")
	sameLines(t, lines(t, fsys), []string{"10_drop.sql:2: access-exclusive: DROP INDEX notes_body_idx: takes an ACCESS EXCLUSIVE lock on notes: " + waits})
}
