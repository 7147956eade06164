package schema_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/schema"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
)

// Every migration goes up, down and up again on a real PostgreSQL, one at a
// time in version order: its Down must undo exactly what its Up did (the
// catalog is as before the Up), and its Up must run again after its Down
// (the catalog is as after the first Up). A rollback that fails, or leaves
// debris that breaks the next deploy, is found here rather than in an
// incident. The destructive-migration check (internal/analysis/migrationcheck, cgo)
// reads the same files; this test uses goose and pgx only.
func TestEveryMigrationGoesUpDownAndUpAgain(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("pgx", pgtest.NewEmptyDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, schema.FS(), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	sources := p.ListSources()
	if len(sources) == 0 {
		t.Fatal("no migrations in schema.FS()")
	}
	before := catalog(t, db)
	prev := int64(0)
	for _, src := range sources {
		name := src.Path
		step := func(what string, run func(context.Context) (*goose.MigrationResult, error)) {
			t.Helper()
			if _, err := run(ctx); err != nil {
				t.Fatalf("%s %s: %v", what, name, err)
			}
		}
		step("up", p.UpByOne)
		after := catalog(t, db)
		step("down", p.Down)
		if v, err := p.GetDBVersion(ctx); err != nil || v != prev {
			t.Fatalf("after down %s: version %d, %v; want %d", name, v, err, prev)
		}
		if got := catalog(t, db); got != before {
			t.Errorf("down %s does not undo its up:\n%s", name, diff(before, got))
		}
		step("up again", p.UpByOne)
		if got := catalog(t, db); got != after {
			t.Errorf("up %s after its down gives another schema:\n%s", name, diff(after, got))
		}
		before, prev = after, src.Version
	}
	if v, err := p.GetDBVersion(ctx); err != nil || v != prev {
		t.Errorf("final version %d, %v; want %d", v, err, prev)
	}
}

// catalogQueries describe the public schema, apart from goose's own table.
// Columns are listed by name, not position: a column dropped and added again
// gets a new position and is still the same schema.
var catalogQueries = []string{
	`SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' null=' || is_nullable || ' default=' || coalesce(column_default, '-')
	   FROM information_schema.columns WHERE table_schema = 'public'`,
	`SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
	   FROM pg_constraint WHERE connamespace = 'public'::regnamespace`,
	`SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'`,
	`SELECT 'relation ' || relkind::text || ' ' || relname FROM pg_class WHERE relnamespace = 'public'::regnamespace`,
	`SELECT 'function ' || proname || '(' || pg_get_function_identity_arguments(oid) || ') ' || md5(prosrc)
	   FROM pg_proc WHERE pronamespace = 'public'::regnamespace`,
	`SELECT 'trigger ' || tgrelid::regclass || ' ' || tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
	   WHERE NOT tgisinternal AND c.relnamespace = 'public'::regnamespace`,
	`SELECT 'type ' || typname || ' ' || typtype::text || ' ' || coalesce((SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid), '')
	   FROM pg_type t WHERE typnamespace = 'public'::regnamespace AND typtype IN ('e', 'd')`,
	`SELECT 'view ' || viewname || ' ' || definition FROM pg_views WHERE schemaname = 'public'`,
	`SELECT 'policy ' || tablename || ' ' || policyname || ' ' || coalesce(qual, '') FROM pg_policies WHERE schemaname = 'public'`,
	`SELECT 'extension ' || extname FROM pg_extension`,
}

// catalog is the schema as sorted lines.
func catalog(t *testing.T, db *sql.DB) string {
	t.Helper()
	var lines []string
	for _, q := range catalogQueries {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(line, "goose_db_version") {
				lines = append(lines, line)
			}
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// diff lists the lines only one catalog has.
func diff(want, got string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var out []string
	for l := range w {
		if !g[l] {
			out = append(out, "- "+l)
		}
	}
	for l := range g {
		if !w[l] {
			out = append(out, "+ "+l)
		}
	}
	slices.Sort(out)
	return fmt.Sprintf("  %s", strings.Join(out, "\n  "))
}
