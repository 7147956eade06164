// Package migrationcheck guards the goose SQL migrations against losing data
// or locking production tables by accident. It parses every migration with
// PostgreSQL's own parser (github.com/pganalyze/pg_query_go, libpg_query:
// cgo, so nothing under lambdas/ may import it — the functions build with
// CGO_ENABLED=0, and a test keeps it so) and reports one readable line per
// risky statement:
//
//	00003_x.sql:4: drop-column: ALTER TABLE items DROP COLUMN notes: the column's data is lost
//
// Check runs over the migrations folder in `make test`; a second guard, the
// shipped-migration lock (Lock), fails when a migration that already shipped
// is edited.
//
// # Rules
//
// A statement is risky only on an existing table: one that an earlier
// migration file created. The checker follows the files in version order
// (CREATE TABLE, CREATE TABLE AS, ALTER TABLE … RENAME TO / SET SCHEMA, DROP
// TABLE, and named indexes); statements on a table the same file created, or
// on a column the same file added, are not reported. A table that no
// migration created counts as existing: the checker cannot prove it empty.
// Unqualified names are public's.
//
//	drop-table              DROP TABLE, DROP SCHEMA … CASCADE
//	drop-column             ALTER TABLE … DROP COLUMN
//	truncate                TRUNCATE
//	drop-cascade            DROP … CASCADE of anything else (a type, domain, function, view…): dependent columns go too
//	alter-column-type       ALTER COLUMN … TYPE
//	rename                  any RENAME (table, column, constraint, index, trigger, policy, type, enum value…), ALTER … SET SCHEMA
//	set-not-null            ALTER COLUMN … SET NOT NULL
//	add-column-not-null     ADD COLUMN … NOT NULL (or PRIMARY KEY) without a DEFAULT (identity, generated and serial columns fill themselves)
//	index-not-concurrently  CREATE INDEX without CONCURRENTLY
//	access-exclusive        any other statement that takes an ACCESS EXCLUSIVE lock (below)
//	do-block                a DO block: its statements are invisible to the checker
//
// These rules are acknowledged by an annotation. The following are errors
// that no annotation acknowledges: syntax (goose or PostgreSQL would refuse
// the file), goose-split (goose would cut a statement at a line ending in
// ';' that PostgreSQL reads as inside it: a PL/pgSQL body needs
// -- +goose StatementBegin / StatementEnd), needs-no-transaction (CREATE
// INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, DETACH
// PARTITION CONCURRENTLY, VACUUM,
// CREATE/DROP DATABASE or TABLESPACE, ALTER SYSTEM outside a
// -- +goose NO TRANSACTION file), migration-name (a .sql file goose would
// skip, or a version used twice) and annotation (below).
//
// The Down section is checked too, against the schema as its Up left it: it
// may undo what its own Up created (drop the tables and columns the Up
// added); anything else is as risky in a rollback as in an Up. -- +goose
// ENVSUB is refused: the checker would approve ${VAR} while goose runs the
// deploy environment's value.
//
// # Lock levels
//
// access-exclusive follows the lock levels PostgreSQL documents. The reference
// page "ALTER TABLE" says "An ACCESS EXCLUSIVE lock is acquired unless
// explicitly noted" and notes these exceptions, which pass:
//
//	SHARE UPDATE EXCLUSIVE  ALTER COLUMN … SET STATISTICS, ALTER COLUMN … SET/RESET (attribute_option),
//	                        VALIDATE CONSTRAINT, CLUSTER ON, SET WITHOUT CLUSTER, ATTACH PARTITION (on
//	                        the parent; the table being attached takes ACCESS EXCLUSIVE, and counts),
//	                        DETACH PARTITION CONCURRENTLY / FINALIZE, and SET/RESET (storage_parameter)
//	                        when every parameter is fillfactor, parallel_workers, a toast.* or autovacuum
//	                        one (autovacuum_*, toast_tuple_target, vacuum_index_cleanup, vacuum_truncate,
//	                        log_autovacuum_min_duration: the per-table vacuum group of CREATE TABLE's
//	                        "Storage Parameters")
//	SHARE ROW EXCLUSIVE     ADD FOREIGN KEY, ENABLE/DISABLE TRIGGER
//
// Every other subcommand is ACCESS EXCLUSIVE, including ADD COLUMN (even a
// nullable one that changes only the catalog: the lock is brief, but it
// queues behind every open transaction on the table and every query queues
// behind it, so set lock_timeout and acknowledge it), SET/DROP DEFAULT, DROP
// NOT NULL, ADD/DROP CONSTRAINT, SET STORAGE, SET COMPRESSION, OWNER TO,
// row-level-security switches and REPLICA IDENTITY. "Concurrency Control" →
// "Explicit Locking" → "Table-Level Locks" lists the statements that take
// ACCESS EXCLUSIVE: DROP TABLE, TRUNCATE, REINDEX (the REINDEX page: ACCESS
// EXCLUSIVE on each index, "which will block reads that attempt to use that
// index"), CLUSTER, VACUUM FULL, and LOCK TABLE without a mode; the page
// "DROP INDEX" adds that DROP INDEX without CONCURRENTLY takes ACCESS
// EXCLUSIVE on the index's table. CREATE INDEX takes SHARE (its own rule),
// CREATE TRIGGER SHARE ROW EXCLUSIVE, COMMENT ON and CREATE STATISTICS SHARE
// UPDATE EXCLUSIVE: they pass.
//
// The documentation gives no level for CREATE/ALTER/DROP POLICY, DROP TRIGGER
// and CREATE/DROP RULE; pg_locks on PostgreSQL 15 shows ACCESS EXCLUSIVE on
// the table for each, so they count. The same probe agreed with every
// documented level above that can run inside a transaction block (all the
// ALTER TABLE forms, CREATE INDEX, CREATE TRIGGER, COMMENT ON, CREATE
// STATISTICS, DROP TABLE, DROP INDEX, CLUSTER, TRUNCATE, LOCK TABLE; REINDEX
// holds SHARE on the table and ACCESS EXCLUSIVE on its indexes). A statement that a specific rule already reports (drop-column,
// alter-column-type, set-not-null, add-column-not-null, rename, drop-table,
// truncate) is not reported again as access-exclusive: each of those takes
// the lock too, and says so. The lock lasts until the migration's transaction
// commits, or the statement ends in a NO TRANSACTION file.
//
// Not checked: data changes (UPDATE, DELETE: the migration's purpose, and the
// up-down-up test runs them), statements inside functions, views, sequences
// and materialized views, and the validation scan of ADD FOREIGN KEY without
// NOT VALID (it blocks writes, not reads).
//
// # Annotations
//
// A finding is acknowledged by a comment on its own line directly above the
// statement (other comment lines may sit between them, a blank line may not):
//
//	-- stratus:allow drop-column: column unused since v1.4, data copied to notes_v2 in 00004
//	ALTER TABLE items DROP COLUMN notes;
//
// One annotation per rule; several may stand above one statement. Above the
// -- +goose Up line an annotation covers every finding of its rule in the file,
// Up and Down. An annotation is itself an error when it gives no reason,
// names an unknown rule or one of the errors above, sits after SQL on its
// line, inside a statement or above nothing, or matches no finding (a stale
// acknowledgement would silently cover the next risky change made there).
//
// # Shipped-migration lock
//
// test/migrations.lock.json (LockFile) records each migration's SHA-256 (CRLF
// read as LF) and the reason it was recorded. Lock.Verify fails on a
// migration missing from the lock, a recorded one whose checksum changed
// ("00001_items.sql was edited after it shipped: add a new migration
// instead": databases that ran it keep the old version) and a recorded one
// that is gone. Lock.Record, run by `make lock REASON=...`
// (cmd/stratuslock), adds new migrations and re-records edited ones with the
// reason, which the lock keeps; the acknowledgement is the reviewed diff of
// the lock.
package migrationcheck
