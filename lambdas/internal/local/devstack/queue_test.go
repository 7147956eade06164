package devstack

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

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

func fastQueue(t *testing.T, h SQSHandler, state string) *Queue {
	t.Helper()
	q, err := NewQueue(h, QueueOptions{MaxReceiveCount: 3, Backoff: func(int) time.Duration { return time.Millisecond }, StateFile: state, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// drain delivers until nothing is visible and nothing waits for a retry.
func drain(t *testing.T, q *Queue) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for q.Pending() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("queue did not drain: %d pending", q.Pending())
		}
		if !q.deliver(context.Background()) {
			time.Sleep(2 * time.Millisecond)
		}
	}
}

func TestQueueDeliversWithAttributesRetriesAndDeadLetters(t *testing.T) {
	rec := &recorder{fail: map[string]int{"flaky": 2, "poison": -1}}
	q := fastQueue(t, rec.handle, "")
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
	dead := q.DeadLetters()
	if len(dead) != 1 || dead[0].Body != "poison" || dead[0].Receives != 3 {
		t.Fatalf("dead letters = %+v, want only poison after 3 receives", dead)
	}

	// Redrive puts it back with a fresh receive count; fixed, it is delivered and gone.
	rec.fail["poison"] = 0
	if n, err := q.Redrive(); n != 1 || err != nil {
		t.Fatalf("redrive = %d, %v", n, err)
	}
	drain(t, q)
	if got := rec.count("poison"); got != 4 || len(q.DeadLetters()) != 0 {
		t.Errorf("after redrive: poison delivered %d times, dead letters %+v", got, q.DeadLetters())
	}
}

// A handler that panics or errors fails its whole batch, as a Lambda invocation error does; the
// queue goes on.
func TestQueueTreatsHandlerErrorsAndPanicsAsBatchFailures(t *testing.T) {
	rec := &recorder{fail: map[string]int{}, panicOn: "bad"}
	q := fastQueue(t, rec.handle, "")
	_ = q.Send("bad", nil)
	drain(t, q)
	if dead := q.DeadLetters(); len(dead) != 1 || dead[0].LastError == "" {
		t.Fatalf("dead letters = %+v, want the panicking message with its error", dead)
	}

	calls := 0
	q = fastQueue(t, func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
		calls++
		return events.SQSEventResponse{}, errors.New("database down")
	}, "")
	_ = q.Send("a", nil)
	_ = q.Send("b", nil)
	drain(t, q)
	if calls != 3 || len(q.DeadLetters()) != 2 || q.DeadLetters()[0].LastError != "database down" {
		t.Fatalf("calls = %d, dead = %+v; want 3 batch calls, then both dead with the error", calls, q.DeadLetters())
	}
}

// What is queued or dead-lettered survives a restart.
func TestQueueKeepsMessagesAcrossRestarts(t *testing.T) {
	state := filepath.Join(t.TempDir(), "queue.json")
	rec := &recorder{fail: map[string]int{"poison": -1}}
	q := fastQueue(t, rec.handle, state)
	_ = q.Send("poison", nil)
	drain(t, q)
	_ = q.Send("later", map[string]string{"type": "item.updated"})

	rec2 := &recorder{fail: map[string]int{}}
	q2 := fastQueue(t, rec2.handle, state)
	if q2.Pending() != 1 || len(q2.DeadLetters()) != 1 {
		t.Fatalf("after restart: %d pending, %d dead; want 1 and 1", q2.Pending(), len(q2.DeadLetters()))
	}
	drain(t, q2)
	if rec2.count("later") != 1 || *rec2.delivered[0].MessageAttributes["type"].StringValue != "item.updated" {
		t.Fatalf("restarted queue delivered %+v", rec2.delivered)
	}
}

func TestQueueRunStopsWithItsContext(t *testing.T) {
	rec := &recorder{fail: map[string]int{}}
	q := fastQueue(t, rec.handle, "")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { q.Run(ctx); close(done) }()
	_ = q.Send("hello", nil)
	deadline := time.Now().Add(5 * time.Second)
	for rec.count("hello") == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
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
	q := fastQueue(t, rec.handle, "")
	_ = q.Send("poison", nil)
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
	if out["redriven"] != 1 || q.Pending() != 1 {
		t.Fatalf("POST = %v, pending %d", out, q.Pending())
	}
	req, _ := http.NewRequest(http.MethodDelete, srv.URL, nil)
	if res, _ := http.DefaultClient.Do(req); res.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("DELETE = %d", res.StatusCode)
	}
}
