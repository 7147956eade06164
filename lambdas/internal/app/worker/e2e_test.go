package worker_test

import (
	"context"
	"testing"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/items"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/outbox"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/store"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/worker"
)

// busToWorker delivers each published message to the worker, as SNS → SQS (raw delivery) would,
// twice: at-least-once delivery must not show twice in the feed.
type busToWorker struct {
	t *testing.T
	c *worker.Consumer
}

func (b busToWorker) Publish(ctx context.Context, m awsx.Message) error {
	for range 2 {
		if _, err := b.c.Process(ctx, worker.Message{ID: "sqs-" + m.ID, Body: string(m.Body), Type: m.Type}); err != nil {
			b.t.Errorf("worker: %v", err)
		}
	}
	return nil
}

// What a user does through the API shows in their activity feed, once per change, newest first.
func TestAPIChangesReachTheActivityFeed(t *testing.T) {
	ctx := context.Background()
	db := newPool(t)
	bus := busToWorker{t: t, c: worker.New(db, &fakeS3{}, worker.Options{Logger: quiet()})}
	svc := &items.Service{Store: store.New(db), Events: outbox.New(db, bus, outbox.Options{Logger: quiet()})}

	it, _, err := svc.Create(ctx, "alice", items.NewItem{Title: "Write the report"}, "")
	if err != nil {
		t.Fatal(err)
	}
	done := items.StatusDone
	if _, err := svc.Update(ctx, "alice", it.ID, items.Patch{Status: &done}, nil); err != nil {
		t.Fatal(err)
	}
	if err := svc.Delete(ctx, "alice", it.ID, nil); err != nil {
		t.Fatal(err)
	}
	page, err := svc.Activity(ctx, "alice", items.PageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`Deleted "Write the report"`, `Completed "Write the report"`, `Created "Write the report"`}
	if len(page.Items) != len(want) {
		t.Fatalf("feed = %+v, want %d entries", page.Items, len(want))
	}
	for i, a := range page.Items {
		if a.Summary != want[i] || a.ItemID == nil || *a.ItemID != it.ID {
			t.Errorf("entry %d = %+v, want %q for item %s", i, a, want[i], it.ID)
		}
	}
	if other, err := svc.Activity(ctx, "bob", items.PageQuery{}); err != nil || len(other.Items) != 0 {
		t.Errorf("bob's feed = %+v, %v; want empty", other.Items, err)
	}
}
