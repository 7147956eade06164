package migrationcheck

import (
	"os"
	"testing"
)

const (
	waits     = "every read and write of it waits until the migration's transaction commits, and the lock itself waits behind every open transaction on it (set lock_timeout)"
	aeItems   = "takes an ACCESS EXCLUSIVE lock on items: " + waits
	oldName   = "running code that uses the old name fails from the moment this migration commits until the new code is deployed"
	noTxHint  = "PostgreSQL refuses it inside a transaction block, and goose runs this migration in one: add -- +goose NO TRANSACTION (and keep the file to this statement)"
	f2        = "00002_change.sql:"
	reasonTag = "reviewed in the test, the table is empty"
)

func TestTheShippedMigrationsPassTheCheck(t *testing.T) {
	found, err := Check(os.DirFS("../../../" + MigrationsDir))
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Errorf("the migrations in %s fail the check:\n%s", MigrationsDir, Report(found))
	}
}

// Each rule fails with its readable line on a table an earlier migration
// created, and passes once the statement carries an annotation.
func TestEachRuleFailsWithItsLineAndPassesAnnotated(t *testing.T) {
	for _, tc := range []struct {
		name, up string
		want     []string
	}{
		{"drop column", "ALTER TABLE items DROP COLUMN notes;",
			[]string{f2 + "2: drop-column: ALTER TABLE items DROP COLUMN notes: the column's data is lost"}},
		{"drop column among other subcommands", "ALTER TABLE items ADD COLUMN x int,\n  DROP COLUMN notes;",
			[]string{f2 + "2: drop-column: ALTER TABLE items DROP COLUMN notes: the column's data is lost"}},
		{"drop table", "DROP TABLE IF EXISTS public.items;",
			[]string{f2 + "2: drop-table: DROP TABLE IF EXISTS public.items: the table items and all its rows are lost"}},
		{"drop two tables", "DROP TABLE items, other;", []string{
			f2 + "2: drop-table: DROP TABLE items: the table items and all its rows are lost",
			f2 + "2: drop-table: DROP TABLE other: the table other and all its rows are lost"}},
		{"drop schema", "DROP SCHEMA archive CASCADE;",
			[]string{f2 + "2: drop-table: DROP SCHEMA archive CASCADE: every table in the schema and all their rows are lost"}},
		{"truncate", "TRUNCATE items CASCADE;",
			[]string{f2 + "2: truncate: TRUNCATE items CASCADE: every row of items is deleted, and of every table with a foreign key to it"}},
		{"drop type cascade", "DROP TYPE IF EXISTS mood CASCADE;",
			[]string{f2 + "2: drop-cascade: DROP TYPE IF EXISTS mood CASCADE: CASCADE also drops everything that depends on it (columns of that type, views, foreign keys, defaults), with their data"}},
		{"alter column type", "ALTER TABLE items ALTER COLUMN n TYPE bigint;",
			[]string{f2 + "2: alter-column-type: ALTER TABLE items ALTER COLUMN n TYPE bigint: rewrites items and its indexes under an ACCESS EXCLUSIVE lock (unless the types are binary compatible), and running code may expect the old type"}},
		{"rename table", "ALTER TABLE items RENAME TO things;",
			[]string{f2 + "2: rename: ALTER TABLE items RENAME TO things: " + oldName}},
		{"rename column", "ALTER TABLE items RENAME COLUMN notes TO body;",
			[]string{f2 + "2: rename: ALTER TABLE items RENAME COLUMN notes TO body: " + oldName}},
		{"rename constraint", "ALTER TABLE items RENAME CONSTRAINT items_pkey TO items_pk;",
			[]string{f2 + "2: rename: ALTER TABLE items RENAME CONSTRAINT items_pkey TO items_pk: " + oldName}},
		{"rename index", "ALTER INDEX items_owner_idx RENAME TO items_by_owner;",
			[]string{f2 + "2: rename: ALTER INDEX items_owner_idx RENAME TO items_by_owner: code or migrations that name the old index fail"}},
		{"rename an enum value", "ALTER TYPE status RENAME VALUE 'done' TO 'closed';",
			[]string{f2 + "2: rename: ALTER TYPE status RENAME VALUE 'done' TO 'closed': running code and stored queries that use the old value fail until the new code is deployed"}},
		{"set schema", "ALTER TABLE items SET SCHEMA archive;",
			[]string{f2 + "2: rename: ALTER TABLE items SET SCHEMA archive: running code that reaches items through its old schema fails until the new code is deployed"}},
		{"set not null", "ALTER TABLE items ALTER COLUMN n SET NOT NULL;",
			[]string{f2 + "2: set-not-null: ALTER TABLE items ALTER COLUMN n SET NOT NULL: reads every row of items under an ACCESS EXCLUSIVE lock and fails on any NULL: add a CHECK (… IS NOT NULL) NOT VALID constraint and VALIDATE it instead"}},
		{"not null column without default", "ALTER TABLE items ADD COLUMN due date NOT NULL;",
			[]string{f2 + "2: add-column-not-null: ALTER TABLE items ADD COLUMN due date NOT NULL: fails once items has rows (they would hold NULL), and running code whose INSERTs omit the column fails: add it nullable or with a DEFAULT"}},
		{"primary key column without default", "ALTER TABLE other ADD COLUMN code text PRIMARY KEY;",
			[]string{f2 + "2: add-column-not-null: ALTER TABLE other ADD COLUMN code text PRIMARY KEY: fails once other has rows (they would hold NULL), and running code whose INSERTs omit the column fails: add it nullable or with a DEFAULT"}},
		{"index without concurrently", "CREATE INDEX items_n_idx ON items (n);",
			[]string{f2 + "2: index-not-concurrently: CREATE INDEX items_n_idx ON items (n): blocks writes to items (SHARE lock) while the index builds and until the migration's transaction commits: use CREATE INDEX CONCURRENTLY in a -- +goose NO TRANSACTION migration"}},
		{"nullable column: a brief ACCESS EXCLUSIVE", "ALTER TABLE items ADD COLUMN due date;",
			[]string{f2 + "2: access-exclusive: ALTER TABLE items ADD COLUMN due date: " + aeItems}},
		{"not null column with default", "ALTER TABLE items ADD COLUMN status text NOT NULL DEFAULT 'open';",
			[]string{f2 + "2: access-exclusive: ALTER TABLE items ADD COLUMN status text NOT NULL DEFAULT 'open': " + aeItems}},
		{"check constraint", "ALTER TABLE items ADD CONSTRAINT n_positive CHECK (n > 0);",
			[]string{f2 + "2: access-exclusive: ALTER TABLE items ADD CONSTRAINT n_positive CHECK (n > 0): " + aeItems +
				"; while locked it reads every row to validate the constraint (add it NOT VALID, then VALIDATE CONSTRAINT)"}},
		{"only the heavy subcommand is named", "ALTER TABLE items SET (fillfactor = 70), ALTER COLUMN n SET DEFAULT 0;",
			[]string{f2 + "2: access-exclusive: ALTER TABLE items ALTER COLUMN n SET DEFAULT 0: " + aeItems}},
		{"storage parameter not in the light list", "ALTER TABLE items SET (user_catalog_table = true);",
			[]string{f2 + "2: access-exclusive: ALTER TABLE items SET (user_catalog_table = true): " + aeItems}},
		{"drop index", "DROP INDEX items_owner_idx;",
			[]string{f2 + "2: access-exclusive: DROP INDEX items_owner_idx: " + aeItems}},
		{"drop an index no migration named", "DROP INDEX items_pkey;",
			[]string{f2 + "2: access-exclusive: DROP INDEX items_pkey: takes an ACCESS EXCLUSIVE lock on the table of index items_pkey: " + waits}},
		{"lock table", "LOCK TABLE items;",
			[]string{f2 + "2: access-exclusive: LOCK TABLE items: " + aeItems}},
		{"policy", "CREATE POLICY own ON items USING (owner = current_user);",
			[]string{f2 + "2: access-exclusive: CREATE POLICY own ON items USING (owner = current_user): " + aeItems}},
		{"drop trigger", "DROP TRIGGER items_touch ON items;",
			[]string{f2 + "2: access-exclusive: DROP TRIGGER items_touch ON items: " + aeItems}},
		{"cluster", "CLUSTER items USING items_owner_idx;",
			[]string{f2 + "2: access-exclusive: CLUSTER items USING items_owner_idx: " + aeItems + "; while locked it rewrites every row"}},
		{"reindex", "REINDEX TABLE items;",
			[]string{f2 + "2: access-exclusive: REINDEX TABLE items: " + aeItems + "; while locked it rebuilds its indexes"}},
		{"attach an existing table as a partition", "CREATE TABLE events (at date) PARTITION BY RANGE (at);\nALTER TABLE events ATTACH PARTITION other FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');",
			[]string{f2 + "3: access-exclusive: ALTER TABLE events ATTACH PARTITION other FOR VALUES FROM ('2020-01-01') TO ('2021-01-01'): takes an ACCESS EXCLUSIVE lock on other: " + waits}},
		{"do block", "-- +goose StatementBegin\nDO $$\nBEGIN\n  EXECUTE 'DROP TABLE items';\nEND $$;\n-- +goose StatementEnd",
			[]string{f2 + "3: do-block: DO $$ BEGIN EXECUTE 'DROP TABLE items'; END $$: the checker cannot see the statements it runs: review them for the risks above"}},
		{"a later file renamed the table", "ALTER TABLE items RENAME TO things;\nALTER TABLE things DROP COLUMN notes;", []string{
			f2 + "2: rename: ALTER TABLE items RENAME TO things: " + oldName,
			f2 + "3: drop-column: ALTER TABLE things DROP COLUMN notes: the column's data is lost"}},
		{"the same statements in a Down section", "SELECT 1;\n-- +goose Down\nDROP TABLE items;\nALTER TABLE other ADD COLUMN x int;", []string{
			f2 + "4: drop-table: DROP TABLE items: the table items and all its rows are lost",
			f2 + "5: access-exclusive: ALTER TABLE other ADD COLUMN x int: takes an ACCESS EXCLUSIVE lock on other: " + waits}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := change(tc.up)
			sameLines(t, lines(t, fsys), tc.want)
			sameLines(t, lines(t, annotate(t, fsys, "00002_change.sql")), nil)
		})
	}
}

// Statements that take no ACCESS EXCLUSIVE lock on an existing table, and
// risky statements on a table the same migration created, pass.
func TestSafeStatementsPass(t *testing.T) {
	for name, up := range map[string]string{
		"foreign key (SHARE ROW EXCLUSIVE)":      "ALTER TABLE items ADD CONSTRAINT items_other_fk FOREIGN KEY (n) REFERENCES other (id) NOT VALID;",
		"validate (SHARE UPDATE EXCLUSIVE)":      "ALTER TABLE items VALIDATE CONSTRAINT items_other_fk;",
		"statistics and light storage params":    "ALTER TABLE items ALTER COLUMN n SET STATISTICS 500, SET (fillfactor = 80, autovacuum_enabled = false, toast.autovacuum_enabled = false);",
		"trigger (SHARE ROW EXCLUSIVE)":          "CREATE TRIGGER items_touch BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION touch();\nALTER TABLE items DISABLE TRIGGER items_touch;",
		"comment, grant, analyze, data":          "COMMENT ON COLUMN items.notes IS 'free text';\nGRANT SELECT ON items TO reader;\nANALYZE items;\nUPDATE items SET n = 0 WHERE n IS NULL;",
		"concurrent index outside a transaction": "-- +goose NO TRANSACTION\nCREATE INDEX CONCURRENTLY items_n_idx ON items (n);",
		"concurrent drop outside a transaction":  "-- +goose NO TRANSACTION\nDROP INDEX CONCURRENTLY items_owner_idx;",
		"a table of this migration": `CREATE TABLE notes (id int PRIMARY KEY, body text, n int);
CREATE INDEX notes_n_idx ON notes (n);
ALTER TABLE notes ADD COLUMN due date NOT NULL, ALTER COLUMN n TYPE bigint, ALTER COLUMN n SET NOT NULL;
ALTER TABLE notes RENAME COLUMN body TO text;
ALTER TABLE notes DROP COLUMN text;
ALTER TABLE notes RENAME TO memos;
DROP INDEX notes_n_idx;
TRUNCATE memos;
DROP TABLE memos;`,
		"an empty schema":                    "DROP SCHEMA archive;",
		"a table created by CREATE TABLE AS": "CREATE TABLE items_copy AS SELECT * FROM items;\nALTER TABLE items_copy DROP COLUMN notes;",
		"a table dropped and created again":  "-- stratus:allow drop-table: replaced by the empty table below\nDROP TABLE other;\nCREATE TABLE other (id bigint PRIMARY KEY);\nALTER TABLE other ALTER COLUMN id TYPE int;",
	} {
		t.Run(name, func(t *testing.T) {
			sameLines(t, lines(t, change(up)), nil)
		})
	}
}

// The same statements are fine on a table the migration creates and
// findings on a table an earlier migration created; the Down section may
// undo what its own Up created.
func TestExistingVersusNewTables(t *testing.T) {
	risky := "ALTER TABLE %[1]s DROP COLUMN body;\nCREATE INDEX ON %[1]s (body);\nDROP TABLE %[1]s;\n"
	create := "CREATE TABLE notes (id int, body text);\n"
	same := folder("00001_base.sql", base,
		"00002_notes.sql", "-- +goose Up\n"+create+sprintf(risky, "notes")+"-- +goose Down\n")
	sameLines(t, lines(t, same), nil)

	later := folder("00001_base.sql", base,
		"00002_notes.sql", "-- +goose Up\n"+create+"-- +goose Down\nALTER TABLE notes ADD COLUMN x int;\nDROP TABLE notes;\n",
		"00003_drop.sql", "-- +goose Up\n"+sprintf(risky, "notes")+"-- +goose Down\n")
	sameLines(t, lines(t, later), []string{
		"00003_drop.sql:2: drop-column: ALTER TABLE notes DROP COLUMN body: the column's data is lost",
		"00003_drop.sql:3: index-not-concurrently: CREATE INDEX ON notes (body): blocks writes to notes (SHARE lock) while the index builds and until the migration's transaction commits: use CREATE INDEX CONCURRENTLY in a -- +goose NO TRANSACTION migration",
		"00003_drop.sql:4: drop-table: DROP TABLE notes: the table notes and all its rows are lost",
	})
}

func TestStatementsThatCannotRunInATransaction(t *testing.T) {
	sameLines(t, lines(t, change("CREATE INDEX CONCURRENTLY items_n_idx ON items (n);\nVACUUM FULL items;")), []string{
		f2 + "2: needs-no-transaction: CREATE INDEX CONCURRENTLY items_n_idx ON items (n): " + noTxHint,
		f2 + "3: access-exclusive: VACUUM FULL items: " + aeItems + "; while locked it rewrites every row",
		f2 + "3: needs-no-transaction: VACUUM FULL items: " + noTxHint,
	})
	sameLines(t, lines(t, change("ALTER TABLE items DETACH PARTITION items_2020 CONCURRENTLY;")), []string{
		f2 + "2: needs-no-transaction: ALTER TABLE items DETACH PARTITION items_2020 CONCURRENTLY: " + noTxHint,
	})
	// NO TRANSACTION: the lock lasts for the statement only, and says so.
	sameLines(t, lines(t, change("-- +goose NO TRANSACTION\nVACUUM FULL items;")), []string{
		f2 + "3: access-exclusive: VACUUM FULL items: takes an ACCESS EXCLUSIVE lock on items: every read and write of it waits until the statement ends, and the lock itself waits behind every open transaction on it (set lock_timeout); while locked it rewrites every row",
	})
}
