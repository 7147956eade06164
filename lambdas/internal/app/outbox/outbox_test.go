package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/event"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/outbox"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// fakeBus records what it was asked to publish; fail decides which messages it refuses.
type fakeBus struct {
	mu    sync.Mutex
	sent  []awsx.Message
	tries map[string]int
	fail  func(awsx.Message) bool
	delay time.Duration
}

func (b *fakeBus) Publish(ctx context.Context, m awsx.Message) error {
	if b.delay > 0 {
		// Not a wait: the latency of a call to SNS, so that concurrent runs overlap in their
		// publishing. No assertion depends on it; any delay (or none) must give the same result.
		time.Sleep(b.delay)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tries == nil {
		b.tries = map[string]int{}
	}
	b.tries[m.ID]++
	if b.fail != nil && b.fail(m) {
		return errors.New("sns: service unavailable")
	}
	b.sent = append(b.sent, m)
	return nil
}

func (b *fakeBus) count(id string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, m := range b.sent {
		if m.ID == id {
			n++
		}
	}
	return n
}

func quiet() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

func newPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(pgtest.NewDB(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 8
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// saveItem does what the API does on POST /items: the item and its outbox event in one transaction.
func saveItem(t testing.TB, db *pgxpool.Pool, owner, title string, age time.Duration) event.Event {
	t.Helper()
	ctx := context.Background()
	itemID := uuid.NewString()
	at := time.Now().Add(-age).UTC().Truncate(time.Microsecond)
	payload, _ := json.Marshal(map[string]any{"item": map[string]any{"id": itemID, "title": title, "status": "open"}})
	e := event.Event{ID: uuid.NewString(), Type: event.ItemCreated, Time: at, Owner: owner, Payload: payload}
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `INSERT INTO items (id, owner, title, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)`, itemID, owner, title, at); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO outbox (id, type, owner, payload, created_at) VALUES ($1, $2, $3, $4, $5)`, e.ID, e.Type, e.Owner, e.Payload, e.Time); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return e
}

type row struct {
	published bool
	attempts  int
}

func outboxRow(t testing.TB, db *pgxpool.Pool, id string) row {
	t.Helper()
	var r row
	if err := db.QueryRow(context.Background(), `SELECT published_at IS NOT NULL, attempts FROM outbox WHERE id = $1`, id).Scan(&r.published, &r.attempts); err != nil {
		t.Fatalf("outbox row %s: %v", id, err)
	}
	return r
}

func TestMessageOfCarriesEnvelope(t *testing.T) {
	e := event.Event{ID: "6f1c", Type: event.ItemUpdated, Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Owner: "u1", Payload: json.RawMessage(`{"item":{"id":"x"}}`)}
	m, err := outbox.MessageOf(e)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != e.ID || m.Type != e.Type || m.Group != e.Owner {
		t.Errorf("message = %+v", m)
	}
	if want := `{"id":"6f1c","type":"item.updated","time":"2026-01-02T03:04:05Z","owner":"u1","payload":{"item":{"id":"x"}}}`; string(m.Body) != want {
		t.Errorf("body = %s\nwant   %s", m.Body, want)
	}
}

func TestFlushPublishesAndMarksPublished(t *testing.T) {
	db := newPool(t)
	bus := &fakeBus{}
	e := saveItem(t, db, "u1", "buy milk", 0)
	outbox.New(db, bus, outbox.Options{Logger: quiet()}).Flush(context.Background(), []event.Event{e})
	if bus.count(e.ID) != 1 {
		t.Fatalf("published %d times, want 1", bus.count(e.ID))
	}
	var got event.Event
	if err := json.Unmarshal(bus.sent[0].Body, &got); err != nil || got.ID != e.ID || got.Owner != "u1" || !got.Time.Equal(e.Time) {
		t.Errorf("body %s (err %v)", bus.sent[0].Body, err)
	}
	if r := outboxRow(t, db, e.ID); !r.published || r.attempts != 1 {
		t.Errorf("row = %+v, want published after 1 attempt", r)
	}
}

// The API's publish fails: the item is saved, the row waits, and the next outbox run publishes it
// exactly once.
func TestPublishFailureKeepsRowAndRunPublishesItOnce(t *testing.T) {
	db := newPool(t)
	ctx := context.Background()
	down := &fakeBus{fail: func(awsx.Message) bool { return true }}
	e := saveItem(t, db, "u1", "survives an outage", 0)
	outbox.New(db, down, outbox.Options{Logger: quiet()}).Flush(ctx, []event.Event{e}) // must not panic or block

	var items int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM items WHERE owner = 'u1'`).Scan(&items); err != nil || items != 1 {
		t.Fatalf("items = %d (%v), want the item saved", items, err)
	}
	if r := outboxRow(t, db, e.ID); r.published || r.attempts != 1 {
		t.Fatalf("row after failed flush = %+v, want unpublished with 1 attempt", r)
	}

	up := &fakeBus{}
	relay := outbox.New(db, up, outbox.Options{Logger: quiet()})
	res, err := relay.Run(ctx, 0)
	if err != nil || res != (outbox.Result{Published: 1}) {
		t.Fatalf("run = %+v, %v; want 1 published", res, err)
	}
	res, err = relay.Run(ctx, 0)
	if err != nil || res != (outbox.Result{}) {
		t.Fatalf("second run = %+v, %v; want nothing left", res, err)
	}
	if up.count(e.ID) != 1 {
		t.Errorf("published %d times, want exactly once", up.count(e.ID))
	}
	if r := outboxRow(t, db, e.ID); !r.published || r.attempts != 2 {
		t.Errorf("row = %+v, want published after 2 attempts", r)
	}
}

func TestRunLeavesFreshRowsToTheAPI(t *testing.T) {
	db := newPool(t)
	bus := &fakeBus{}
	fresh := saveItem(t, db, "u1", "fresh", 0)
	old := saveItem(t, db, "u1", "old", time.Minute)
	res, err := outbox.New(db, bus, outbox.Options{Logger: quiet()}).Run(context.Background(), 30*time.Second)
	if err != nil || res.Published != 1 || bus.count(old.ID) != 1 || bus.count(fresh.ID) != 0 {
		t.Fatalf("run = %+v, %v; sent %d old, %d fresh; want only the old row", res, err, bus.count(old.ID), bus.count(fresh.ID))
	}
}

func TestRunPublishesOldestFirstInBatches(t *testing.T) {
	db := newPool(t)
	bus := &fakeBus{}
	var want []string
	for i := range 7 {
		want = append(want, saveItem(t, db, "u1", fmt.Sprint("item ", i), time.Duration(10-i)*time.Minute).ID)
	}
	res, err := outbox.New(db, bus, outbox.Options{BatchSize: 3, Logger: quiet()}).Run(context.Background(), 0)
	if err != nil || res.Published != 7 {
		t.Fatalf("run = %+v, %v", res, err)
	}
	for i, m := range bus.sent {
		if m.ID != want[i] {
			t.Fatalf("message %d is %s, want %s (oldest first)", i, m.ID, want[i])
		}
	}
}

// Two overlapping runs (and a late API flush) share the rows: each is published exactly once.
func TestConcurrentRunsPublishEachRowOnce(t *testing.T) {
	db := newPool(t)
	bus := &fakeBus{delay: 200 * time.Microsecond}
	var evs []event.Event
	for i := range 120 {
		evs = append(evs, saveItem(t, db, fmt.Sprint("u", i%5), fmt.Sprint("item ", i), time.Minute))
	}
	relay := outbox.New(db, bus, outbox.Options{BatchSize: 7, Logger: quiet()})
	var wg sync.WaitGroup
	results := make([]outbox.Result, 3)
	errs := make([]error, 3)
	for i := range 3 {
		wg.Go(func() { results[i], errs[i] = relay.Run(context.Background(), 30*time.Second) })
	}
	wg.Go(func() { relay.Flush(context.Background(), evs[60:80]) })
	wg.Wait()
	total := 0
	for i := range 3 {
		if errs[i] != nil {
			t.Fatalf("run %d: %v", i, errs[i])
		}
		total += results[i].Published
	}
	if total > len(evs) {
		t.Errorf("runs report %d published for %d rows", total, len(evs))
	}
	for _, e := range evs {
		if n := bus.count(e.ID); n != 1 {
			t.Errorf("event %s published %d times, want 1", e.ID, n)
		}
	}
	var left int
	if err := db.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE published_at IS NULL`).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d rows left unpublished (%v)", left, err)
	}
}

func TestRunStopsWhenTheBusIsDown(t *testing.T) {
	db := newPool(t)
	bus := &fakeBus{fail: func(awsx.Message) bool { return true }}
	for i := range 10 {
		saveItem(t, db, "u1", fmt.Sprint("item ", i), time.Minute)
	}
	res, err := outbox.New(db, bus, outbox.Options{BatchSize: 4, Logger: quiet()}).Run(context.Background(), 0)
	if err != nil || res != (outbox.Result{Failed: 4}) {
		t.Fatalf("run = %+v, %v; want one failed batch of 4, then stop", res, err)
	}
	var attempts int
	if err := db.QueryRow(context.Background(), `SELECT sum(attempts) FROM outbox WHERE published_at IS NULL`).Scan(&attempts); err != nil || attempts != 4 {
		t.Errorf("attempts = %d (%v), want 4", attempts, err)
	}
}

func TestRunDoesNotRetryAFailedRowInTheSameRun(t *testing.T) {
	db := newPool(t)
	var evs []event.Event
	for i := range 5 {
		evs = append(evs, saveItem(t, db, "u1", fmt.Sprint("item ", i), time.Duration(10-i)*time.Minute))
	}
	bad := evs[0].ID
	bus := &fakeBus{fail: func(m awsx.Message) bool { return m.ID == bad }}
	res, err := outbox.New(db, bus, outbox.Options{BatchSize: 2, Logger: quiet()}).Run(context.Background(), 0)
	if err != nil || res != (outbox.Result{Published: 4, Failed: 1}) {
		t.Fatalf("run = %+v, %v", res, err)
	}
	if bus.tries[bad] != 1 {
		t.Errorf("failing row tried %d times in one run, want 1", bus.tries[bad])
	}
	if r := outboxRow(t, db, bad); r.published || r.attempts != 1 {
		t.Errorf("failing row = %+v", r)
	}
}

func TestFlushSkipsPublishedAndLockedRows(t *testing.T) {
	db := newPool(t)
	ctx := context.Background()
	bus := &fakeBus{}
	relay := outbox.New(db, bus, outbox.Options{Logger: quiet()})
	done := saveItem(t, db, "u1", "already published", 0)
	relay.Flush(ctx, []event.Event{done})
	held := saveItem(t, db, "u1", "held by an outbox run", 0)

	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `SELECT 1 FROM outbox WHERE id = $1 FOR UPDATE`, held.ID); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	relay.Flush(ctx, []event.Event{done, held})
	if time.Since(start) > 2*time.Second {
		t.Errorf("flush waited for a locked row")
	}
	if bus.count(done.ID) != 1 || bus.count(held.ID) != 0 {
		t.Errorf("sent done %d, held %d; want 1 and 0", bus.count(done.ID), bus.count(held.ID))
	}
}

func TestFlushWithTheDatabaseDownDoesNotFail(t *testing.T) {
	db := newPool(t)
	e := saveItem(t, db, "u1", "x", 0)
	bus := &fakeBus{}
	relay := outbox.New(db, bus, outbox.Options{Logger: quiet(), FlushTimeout: time.Second})
	db.Close()
	relay.Flush(context.Background(), []event.Event{e})
	if len(bus.sent) != 0 {
		t.Errorf("published without claiming the row")
	}
}
