package outbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stratus-cdk/stratus/lambdas/internal/event"
	"github.com/stratus-cdk/stratus/lambdas/internal/outbox"
	"github.com/stratus-cdk/stratus/lambdas/internal/pgtest"
)

// Every statement works in every pgx exec mode: behind an RDS Proxy (DB_PROXY=true) statements run
// unnamed, so nothing may rely on a prepared statement's inferred parameter types.
func TestEveryQueryExecMode(t *testing.T) {
	modes := map[string]pgx.QueryExecMode{
		"cache_statement": pgx.QueryExecModeCacheStatement, "cache_describe": pgx.QueryExecModeCacheDescribe,
		"describe_exec": pgx.QueryExecModeDescribeExec, "exec": pgx.QueryExecModeExec, "simple_protocol": pgx.QueryExecModeSimpleProtocol,
	}
	for name, mode := range modes {
		t.Run(name, func(t *testing.T) {
			cfg, err := pgxpool.ParseConfig(pgtest.NewDB(t))
			if err != nil {
				t.Fatal(err)
			}
			cfg.ConnConfig.DefaultQueryExecMode = mode
			db, err := pgxpool.NewWithConfig(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			bus := &fakeBus{}
			relay := outbox.New(db, bus, outbox.Options{Logger: quiet()})
			now := saveItem(t, db, "alice", "flushed", 0)
			old := saveItem(t, db, "alice", "waiting", time.Minute)
			relay.Flush(context.Background(), []event.Event{now})
			res, err := relay.Run(context.Background(), 30*time.Second)
			if err != nil || res != (outbox.Result{Published: 1}) || bus.count(now.ID) != 1 || bus.count(old.ID) != 1 {
				t.Fatalf("run %+v, %v; sent %+v", res, err, bus.sent)
			}
			if string(bus.sent[1].Body) == "" || outboxRow(t, db, old.ID) != (row{published: true, attempts: 1}) {
				t.Errorf("row %+v", outboxRow(t, db, old.ID))
			}
		})
	}
}
