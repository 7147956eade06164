package main

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/dbsetup"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/lambdatest"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The real bootstrap under the emulator handles a CloudFormation Create
// event as the Provider framework passes it, and leaves a migrated database.
func TestCreateEventUnderTheEmulator(t *testing.T) {
	dsn := pgtest.NewEmptyDB(t)
	fn := lambdatest.Start(t, lambdatest.Build(t, "github.com/stratus-cdk/stratus/lambdas/migrate"),
		map[string]string{contract.EnvDatabaseURL: dsn, contract.EnvAppDBUser: "app_rie_test"})
	t.Cleanup(func() {
		ctx := context.Background()
		if c, err := pgx.Connect(ctx, pgtest.AdminDSN(t)); err == nil {
			_, _ = c.Exec(ctx, `DROP ROLE IF EXISTS app_rie_test`)
			c.Close(ctx)
		}
	})
	ev, err := os.ReadFile("testdata/create.json")
	if err != nil {
		t.Fatal(err)
	}
	out := fn.Invoke(t, ev)
	var res dbsetup.Response
	if err := json.Unmarshal(out, &res); err != nil || res.PhysicalResourceID != dbsetup.PhysicalID || res.Data["SchemaVersion"] != "2" {
		t.Fatalf("response %s", out)
	}
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var n int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM information_schema.table_privileges WHERE grantee = 'app_rie_test' AND table_name = 'outbox'`).Scan(&n); err != nil || n == 0 {
		t.Fatalf("app role grants on outbox: %d %v", n, err)
	}
}
