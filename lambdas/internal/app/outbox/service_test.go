package outbox_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/event"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/items"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/outbox"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/store"
)

// The API path end to end: the items service saves through the real store and hands its events to
// the relay; SNS is down, so the request still succeeds and the rows wait; the next outbox run
// publishes each exactly once, with the envelope the API built.
func TestServiceWithBusDownSavesAndOutboxRunPublishesOnce(t *testing.T) {
	ctx := context.Background()
	db := newPool(t)
	down := &fakeBus{fail: func(awsx.Message) bool { return true }}
	svc := &items.Service{Store: store.New(db), Events: outbox.New(db, down, outbox.Options{Logger: quiet()})}

	it, _, err := svc.Create(ctx, "alice", items.NewItem{Title: "survives an outage"}, "")
	if err != nil {
		t.Fatalf("create with the bus down: %v", err)
	}
	done := items.StatusDone
	if _, err := svc.Update(ctx, "alice", it.ID, items.Patch{Status: &done}, nil); err != nil {
		t.Fatalf("update with the bus down: %v", err)
	}
	if got, err := svc.Get(ctx, "alice", it.ID); err != nil || got.Status != items.StatusDone {
		t.Fatalf("item after the requests: %+v, %v", got, err)
	}
	if len(down.tries) != 2 {
		t.Fatalf("the API tried %d publishes, want 2 (one per change)", len(down.tries))
	}
	var waiting int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE published_at IS NULL`).Scan(&waiting); err != nil || waiting != 2 {
		t.Fatalf("%d rows waiting (%v), want 2", waiting, err)
	}

	up := &fakeBus{}
	relay := outbox.New(db, up, outbox.Options{Logger: quiet()})
	for run := range 3 {
		res, err := relay.Run(ctx, 0)
		want := outbox.Result{}
		if run == 0 {
			want.Published = 2
		}
		if err != nil || res != want {
			t.Fatalf("run %d = %+v, %v; want %+v", run, res, err, want)
		}
	}
	if len(up.sent) != 2 {
		t.Fatalf("published %d messages, want 2", len(up.sent))
	}
	for i, typ := range []string{event.ItemCreated, event.ItemUpdated} {
		var e event.Event
		if err := json.Unmarshal(up.sent[i].Body, &e); err != nil || e.Type != typ || e.Owner != "alice" || up.sent[i].Type != typ {
			t.Errorf("message %d: %s (%v), want %s of alice", i, up.sent[i].Body, err, typ)
		}
		var p struct {
			Item struct{ ID, Status string }
		}
		if err := json.Unmarshal(e.Payload, &p); err != nil || p.Item.ID != it.ID.String() {
			t.Errorf("message %d payload %s (%v)", i, e.Payload, err)
		}
	}
}

// With the bus up the API publishes right after commit and nothing is left for the outbox run.
func TestServiceWithBusUpPublishesAfterCommit(t *testing.T) {
	ctx := context.Background()
	db := newPool(t)
	bus := &fakeBus{}
	svc := &items.Service{Store: store.New(db), Events: outbox.New(db, bus, outbox.Options{Logger: quiet()})}
	it, _, err := svc.Create(ctx, "bob", items.NewItem{Title: "t"}, "key-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, replayed, err := svc.Create(ctx, "bob", items.NewItem{Title: "t"}, "key-1"); err != nil || !replayed {
		t.Fatalf("retry: replayed %v, %v", replayed, err)
	}
	if err := svc.Delete(ctx, "bob", it.ID, nil); err != nil {
		t.Fatal(err)
	}
	if len(bus.sent) != 2 || bus.sent[0].Type != event.ItemCreated || bus.sent[1].Type != event.ItemDeleted {
		t.Fatalf("sent %d messages: %+v; want created then deleted", len(bus.sent), bus.sent)
	}
	res, err := outbox.New(db, bus, outbox.Options{Logger: quiet()}).Run(ctx, 0)
	if err != nil || res != (outbox.Result{}) {
		t.Errorf("outbox run after the API's flush = %+v, %v; want nothing to do", res, err)
	}
}
