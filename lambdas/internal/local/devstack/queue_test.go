package devstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/pgtest"
	"github.com/stratus-cdk/stratus/lambdas/internal/testkit/wait"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// localDB is a fresh database with the local schema applied.
func localDB(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), pgtest.NewDB(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := applyLocalSchema(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	return pool
}

// recorder is an SQS handler that fails the bodies it is told to, and records every delivery.
type recorder struct {
	mu        sync.Mutex
	fail      map[string]int // body → deliveries to fail (-1: always)
	delivered []events.SQSMessage
	panicOn   string
}

func (r *recorder) handle(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var resp events.SQSEventResponse
	for _, m := range ev.Records {
		if m.Body == r.panicOn {
			panic("boom")
		}
		r.delivered = append(r.delivered, m)
		if n := r.fail[m.Body]; n != 0 {
			r.fail[m.Body] = n - 1
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	return resp, nil
}

func (r *recorder) count(body string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.delivered {
		if m.Body == body {
			n++
		}
	}
	return n
}

// fastQueue gives up after 3 receives, and its visibility timeout never passes by itself: drain
// passes it, for every message in flight at once. (With a timeout of a millisecond, each message
// of a failed batch reappeared at its own instant, clock_timestamp() being read per row, so a
// receive on a loaded machine could see "a" visible and "b" not yet, and split the batch.)
func fastQueue(t *testing.T, db *pgxpool.Pool, h SQSHandler) *Queue {
	t.Helper()
	return NewQueue(db, h, QueueOptions{MaxReceiveCount: 3, VisibilityTimeout: time.Hour, Logger: quiet()})
}

// expire lets the visibility timeout of every message in flight pass, as one instant: they are
// all visible together again.
func expire(t *testing.T, q *Queue) {
	t.Helper()
	if _, err := q.db.Exec(context.Background(), `UPDATE local.queue SET visible_at = now() WHERE visible_at > now()`); err != nil {
		t.Fatal(err)
	}
}

func send(t *testing.T, q *Queue, body string, attrs map[string]string) {
	t.Helper()
	if err := q.Send(context.Background(), q.db, body, attrs); err != nil {
		t.Fatal(err)
	}
}

func pending(t *testing.T, q *Queue) int {
	t.Helper()
	n, err := q.Pending(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func deadLetters(t *testing.T, q *Queue) []QueuedMessage {
	t.Helper()
	d, err := q.DeadLetters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// drain delivers until nothing is queued (the dead letters moved out), one batch at a time: when
// nothing is visible, the messages in flight (failed) have their visibility timeout pass together.
// It returns the size of each batch handed to the handler.
func drain(t *testing.T, q *Queue) (batches []int) {
	t.Helper()
	for range 1000 {
		if pending(t, q) == 0 {
			return batches
		}
		n, err := q.deliver(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			expire(t, q)
			continue
		}
		batches = append(batches, n)
	}
	t.Fatalf("queue did not drain in 1000 receives: %d pending, batches %v", pending(t, q), batches)
	return nil
}

func TestQueueDeliversWithAttributesRetriesAndDeadLetters(t *testing.T) {
	rec := &recorder{fail: map[string]int{"flaky": 2, "poison": -1}}
	q := fastQueue(t, localDB(t), rec.handle)
	for _, body := range []string{"ok", "flaky", "poison"} {
		if err := q.Publish(context.Background(), awsx.Message{ID: "id-" + body, Type: "item.created", Body: []byte(body)}); err != nil {
			t.Fatal(err)
		}
	}
	drain(t, q)

	if got := rec.count("ok"); got != 1 {
		t.Errorf("ok delivered %d times, want 1", got)
	}
	if got := rec.count("flaky"); got != 3 {
		t.Errorf("flaky delivered %d times, want 3 (two failures, then success)", got)
	}
	if got := rec.count("poison"); got != 3 {
		t.Errorf("poison delivered %d times, want MaxReceiveCount = 3", got)
	}
	first := rec.delivered[0]
	if first.MessageAttributes["type"].StringValue == nil || *first.MessageAttributes["type"].StringValue != "item.created" ||
		*first.MessageAttributes["event_id"].StringValue != "id-ok" || first.Attributes["ApproximateReceiveCount"] != "1" {
		t.Errorf("first delivery = %+v, want SNS raw delivery attributes type/event_id and receive count 1", first)
	}
	dead := deadLetters(t, q)
	if len(dead) != 1 || dead[0].Body != "poison" || dead[0].Receives != 3 || dead[0].LastError == "" {
		t.Fatalf("dead letters = %+v, want only poison after 3 receives, with the reason", dead)
	}

	// Redrive puts it back with a fresh receive count; fixed, it is delivered and gone.
	rec.fail["poison"] = 0
	if n, err := q.Redrive(context.Background()); n != 1 || err != nil {
		t.Fatalf("redrive = %d, %v", n, err)
	}
	drain(t, q)
	if got := rec.count("poison"); got != 4 || len(deadLetters(t, q)) != 0 {
		t.Errorf("after redrive: poison delivered %d times, dead letters %+v", got, deadLetters(t, q))
	}
}

// A handler that panics or errors fails its whole batch, as a Lambda invocation error does; the
// queue goes on.
func TestQueueTreatsHandlerErrorsAndPanicsAsBatchFailures(t *testing.T) {
	db := localDB(t)
	rec := &recorder{fail: map[string]int{}, panicOn: "bad"}
	q := fastQueue(t, db, rec.handle)
	send(t, q, "bad", nil)
	drain(t, q)
	if dead := deadLetters(t, q); len(dead) != 1 || dead[0].LastError == "" {
		t.Fatalf("dead letters = %+v, want the panicking message with its error", dead)
	}

	calls := 0
	q = fastQueue(t, localDB(t), func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
		calls++
		return events.SQSEventResponse{}, errors.New("database down")
	})
	// Both are queued before the first receive, and fail and reappear together: each receive
	// takes both (a batch of up to 10).
	send(t, q, "a", nil)
	send(t, q, "b", nil)
	batches := drain(t, q)
	if dead := deadLetters(t, q); calls != 3 || len(dead) != 2 || dead[0].LastError != "database down" || dead[1].LastError != "database down" {
		t.Fatalf("calls = %d (batches %v), dead = %+v; want 3 batch calls of 2, then both dead with the error", calls, batches, dead)
	}
}

// As SQS: a received message stays hidden for the visibility timeout, whatever happens to its
// consumer (here it never answers, as when the server is killed), then comes back with its receive
// counted; settling with the receipt of an earlier receive does nothing.
func TestQueueVisibilityTimeoutAndReceipts(t *testing.T) {
	db := localDB(t)
	q := NewQueue(db, (&recorder{}).handle, QueueOptions{MaxReceiveCount: 5, VisibilityTimeout: time.Hour, Logger: quiet()})
	send(t, q, "m", nil)
	ctx := context.Background()
	first, err := q.receive(ctx)
	if err != nil || len(first) != 1 || first[0].Receives != 1 {
		t.Fatalf("first receive = %+v, %v", first, err)
	}
	if again, _ := q.receive(ctx); len(again) != 0 {
		t.Fatalf("received again within the visibility timeout: %+v", again)
	}
	// The hour passes.
	if _, err := db.Exec(ctx, `UPDATE local.queue SET visible_at = clock_timestamp()`); err != nil {
		t.Fatal(err)
	}
	second, err := q.receive(ctx)
	if err != nil || len(second) != 1 || second[0].Receives != 2 || second[0].receipt == first[0].receipt {
		t.Fatalf("second receive = %+v, %v", second, err)
	}
	q.settle(ctx, first, map[string]bool{}, "")
	if pending(t, q) != 1 {
		t.Fatal("a stale receipt deleted the message")
	}
	q.settle(ctx, second, map[string]bool{}, "")
	if pending(t, q) != 0 {
		t.Fatal("the current receipt did not delete the message")
	}
}

// Several consumers share the queue (FOR UPDATE SKIP LOCKED): every message is handled once.
func TestQueueConsumersShareTheWork(t *testing.T) {
	rec := &recorder{fail: map[string]int{}}
	q := NewQueue(localDB(t), rec.handle, QueueOptions{Consumers: 4, Logger: quiet()})
	const n = 200
	for i := range n {
		send(t, q, fmt.Sprint("m", i), nil)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { q.Run(ctx); close(done) }()
	wait.True(t, 30*time.Second, "every message handled", func() bool { return pending(t, q) == 0 })
	cancel()
	<-done
	for i := range n {
		if got := rec.count(fmt.Sprint("m", i)); got != 1 {
			t.Fatalf("m%d delivered %d times", i, got)
		}
	}
}

// What is queued or dead-lettered is in the database: a new queue over it (a restart) has it.
func TestQueueKeepsMessagesAcrossRestarts(t *testing.T) {
	db := localDB(t)
	rec := &recorder{fail: map[string]int{"poison": -1}}
	q := fastQueue(t, db, rec.handle)
	send(t, q, "poison", nil)
	drain(t, q)
	send(t, q, "later", map[string]string{"type": "item.updated"})

	rec2 := &recorder{fail: map[string]int{}}
	q2 := fastQueue(t, db, rec2.handle)
	if pending(t, q2) != 1 || len(deadLetters(t, q2)) != 1 {
		t.Fatalf("after restart: %d pending, %d dead; want 1 and 1", pending(t, q2), len(deadLetters(t, q2)))
	}
	drain(t, q2)
	if rec2.count("later") != 1 || *rec2.delivered[0].MessageAttributes["type"].StringValue != "item.updated" {
		t.Fatalf("restarted queue delivered %+v", rec2.delivered)
	}
}

func TestQueueRunStopsWithItsContext(t *testing.T) {
	rec := &recorder{fail: map[string]int{}}
	// A visibility timeout longer than the test: with fastQueue's 1 ms, a
	// slow delete on a busy machine lets Run receive the message again, as
	// SQS would, and the count below would be 2.
	q := NewQueue(localDB(t), rec.handle, QueueOptions{MaxReceiveCount: 3, VisibilityTimeout: time.Minute, Logger: quiet()})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { q.Run(ctx); close(done) }()
	send(t, q, "hello", nil)
	wait.True(t, 30*time.Second, "the message delivered", func() bool { return rec.count("hello") > 0 })
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if rec.count("hello") != 1 {
		t.Fatal("Run did not deliver the message")
	}
}

func TestDeadLettersEndpoint(t *testing.T) {
	rec := &recorder{fail: map[string]int{"poison": -1}}
	q := fastQueue(t, localDB(t), rec.handle)
	send(t, q, "poison", nil)
	drain(t, q)
	srv := httptest.NewServer(q)
	defer srv.Close()

	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		DeadLetters []QueuedMessage `json:"deadLetters"`
		Pending     int             `json:"pending"`
	}
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil || len(list.DeadLetters) != 1 || list.DeadLetters[0].Body != "poison" {
		t.Fatalf("GET = %+v, %v", list, err)
	}
	res.Body.Close()

	res, err = http.Post(srv.URL, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]int
	_ = json.NewDecoder(res.Body).Decode(&out)
	res.Body.Close()
	if out["redriven"] != 1 || pending(t, q) != 1 {
		t.Fatalf("POST = %v, pending %d", out, pending(t, q))
	}
	req, _ := http.NewRequest(http.MethodDelete, srv.URL, nil)
	if res, _ := http.DefaultClient.Do(req); res.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("DELETE = %d", res.StatusCode)
	}
}

// With a batching window, messages sent a moment apart reach the handler together: the consumer
// gathers for the window (counted from the oldest visible message) before it calls the handler
// with less than a full batch. The control, without a window, calls it for the first one alone.
func TestQueueBatchingWindowGathersMessages(t *testing.T) {
	for _, window := range []time.Duration{0, 5 * time.Second} {
		rec := &recorder{}
		calls := make(chan int, 10)
		q := NewQueue(localDB(t), func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
			calls <- len(ev.Records)
			return rec.handle(ctx, ev)
		}, QueueOptions{Consumers: 1, BatchingWindow: window, VisibilityTimeout: time.Hour, Logger: quiet()})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); q.Run(ctx) }()
		send(t, q, "a", nil)
		q.Poke()
		if window == 0 {
			// The consumer takes "a" alone before "b" exists.
			if n := <-calls; n != 1 {
				t.Errorf("without a window: first call with %d messages, want 1", n)
			}
			send(t, q, "b", nil)
			q.Poke()
			<-calls
		} else {
			send(t, q, "b", nil) // well within the window
			q.Poke()
			if n := <-calls; n != 2 {
				t.Errorf("with a %v window: first call with %d messages, want 2", window, n)
			}
		}
		cancel()
		<-done
	}
}
