package outbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/event"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/outbox"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
)

// Every statement works in every pgx exec mode (pgtest.ExecModes).
func TestEveryQueryExecMode(t *testing.T) {
	for _, m := range pgtest.ExecModes() {
		t.Run(m.Name, func(t *testing.T) {
			db := pgtest.NewPool(t, pgtest.NewDB(t), m.Mode)
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
