package worker_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/event"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/worker"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
)

// Every statement works in every pgx exec mode (pgtest.ExecModes).
func TestEveryQueryExecMode(t *testing.T) {
	for _, m := range pgtest.ExecModes() {
		t.Run(m.Name, func(t *testing.T) {
			db := pgtest.NewPool(t, pgtest.NewDB(t), m.Mode)
			att, key := upload(t, db, "alice", "a b.txt", "text/plain", 3)
			c := worker.New(db, &fakeS3{objects: map[string]awsx.ObjectInfo{"uploads-bucket/" + key: {Size: 3, ContentType: "text/plain"}}},
				worker.Options{Logger: quiet()})
			e := itemEvent(event.ItemCreated, "alice", uuid.NewString(), "x", nil)
			for i, want := range []worker.Outcome{worker.Processed, worker.Duplicate} {
				if res, err := c.Process(context.Background(), worker.Message{Body: string(mustJSON(e)), Type: e.Type}); err != nil || res.Outcome != want {
					t.Fatalf("item event delivery %d: %+v, %v", i, res, err)
				}
				if res, err := c.Process(context.Background(), worker.Message{Body: s3Body(key, 3, "01")}); err != nil || res.Outcome != want {
					t.Fatalf("S3 event delivery %d: %+v, %v", i, res, err)
				}
			}
			if status(t, db, att) != "ready" || len(activities(t, db, "alice")) != 2 {
				t.Errorf("status %s, activity %+v", status(t, db, att), activities(t, db, "alice"))
			}
		})
	}
}
