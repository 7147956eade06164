package schema_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/schema"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestApplyIsIdempotent(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewEmptyDB(t)
	v1, err := schema.Apply(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if v1 < 1 {
		t.Fatalf("version %d after first apply", v1)
	}
	v2, err := schema.Apply(ctx, dsn)
	if err != nil || v2 != v1 {
		t.Fatalf("second apply: version %d, err %v; want %d", v2, err, v1)
	}
}

func TestEnsureAppRoleGrantsDMLOnAppTablesOnly(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDB(t)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	role := fmt.Sprintf("app_test_%d", time.Now().UnixNano()) // roles are cluster-wide: a name of our own
	t.Cleanup(func() {
		_, _ = db.Exec(`DROP OWNED BY ` + pgx.Identifier{role}.Sanitize())
		_, _ = db.Exec(`DROP ROLE IF EXISTS ` + pgx.Identifier{role}.Sanitize())
	})
	for range 2 { // twice: every deploy runs it
		if err := schema.EnsureAppRole(ctx, db, role); err != nil {
			t.Fatal(err)
		}
	}
	u, _ := url.Parse(dsn)
	u.User = url.User(role)
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatalf("the role cannot log in: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO outbox (id, type, owner, payload) VALUES (gen_random_uuid(), 't', 'o', '{}')`); err != nil {
		t.Errorf("insert into outbox: %v", err)
	}
	if _, err := conn.Exec(ctx, `SELECT count(*) FROM items`); err != nil {
		t.Errorf("select items: %v", err)
	}
	if _, err := conn.Exec(ctx, `DELETE FROM goose_db_version`); err == nil {
		t.Error("the app role may change the migration history")
	}
	if _, err := conn.Exec(ctx, `DROP TABLE items`); err == nil {
		t.Error("the app role may drop tables")
	}
}

func TestSchemaRejectsBadRows(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.NewDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for name, q := range map[string]string{
		"empty title": `INSERT INTO items (id, owner, title) VALUES (gen_random_uuid(), 'o', '')`,
		"bad status":  `INSERT INTO items (id, owner, title, status) VALUES (gen_random_uuid(), 'o', 't', 'later')`,
		"orphan attachment": `INSERT INTO attachments (id, item_id, owner, file_name, content_type, size, s3_key)
			VALUES (gen_random_uuid(), gen_random_uuid(), 'o', 'f', 'a/b', 1, 'k')`,
	} {
		if _, err := conn.Exec(ctx, q); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
