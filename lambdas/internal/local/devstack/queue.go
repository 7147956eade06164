package devstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/renameio/v2"
	"github.com/google/uuid"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
)

// SQSHandler is a Lambda's SQS event handler with partial batch responses (worker.Consumer.HandleSQS).
type SQSHandler func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)

// QueueOptions tune a [Queue]. Zero values take the deployed subscriber's defaults.
type QueueOptions struct {
	// MaxReceiveCount is how often a message is received and failed before it moves to the
	// dead-letter list. Default: 5 (eventbus.DefaultMaxReceiveCount).
	MaxReceiveCount int
	// BatchSize is the most messages per handler call. Default: 10.
	BatchSize int
	// Backoff is how long a failed message stays invisible before its next receive.
	// Default: 1s, doubling per receive, at most 30s.
	Backoff func(receives int) time.Duration
	// Timeout bounds one handler call (the Lambda's timeout). Default: 30s.
	Timeout time.Duration
	// StateFile keeps the queued and dead-lettered messages across restarts. Default: none (memory only).
	StateFile string
	Logger    *slog.Logger
}

// QueuedMessage is a message in the queue or in its dead-letter list.
type QueuedMessage struct {
	ID         string            `json:"id"`
	Body       string            `json:"body"`
	Attributes map[string]string `json:"attributes,omitempty"`
	SentAt     time.Time         `json:"sentAt"`
	Receives   int               `json:"receives"`
	VisibleAt  time.Time         `json:"visibleAt"`
	// LastError is why the last delivery failed (from the handler's log line: see the server log).
	LastError string `json:"lastError,omitempty"`
}

type queueState struct {
	Queued      []*QueuedMessage `json:"queued"`
	DeadLetters []*QueuedMessage `json:"deadLetters"`
}

// Queue stands in for the worker's SQS queue, its subscription to the event topic (raw message
// delivery, the message attributes as SQS message attributes) and its dead-letter queue: what is
// published is delivered to the handler in batches, failed messages come back after a backoff, and
// a message failed MaxReceiveCount times moves to the dead-letter list. Delivery is at least once,
// as in AWS: the handler must be idempotent (the worker is).
type Queue struct {
	opts    QueueOptions
	handler SQSHandler
	wake    chan struct{}

	mu    sync.Mutex
	state queueState
}

var _ awsx.Publisher = (*Queue)(nil)

// NewQueue returns a queue delivering to handler once Run is called, with the messages
// opts.StateFile kept from an earlier run.
func NewQueue(handler SQSHandler, opts QueueOptions) (*Queue, error) {
	if opts.MaxReceiveCount <= 0 {
		opts.MaxReceiveCount = 5
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 10
	}
	if opts.Backoff == nil {
		opts.Backoff = func(n int) time.Duration { return min(time.Second<<min(n-1, 5), 30*time.Second) }
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	q := &Queue{opts: opts, handler: handler, wake: make(chan struct{}, 1)}
	if opts.StateFile != "" {
		b, err := os.ReadFile(opts.StateFile)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return nil, err
		default:
			if err := json.Unmarshal(b, &q.state); err != nil {
				return nil, fmt.Errorf("queue state %s: %w", opts.StateFile, err)
			}
		}
	}
	return q, nil
}

// Publish implements awsx.Publisher: SNS delivers m to the queue with its `type` and `event_id`
// message attributes.
func (q *Queue) Publish(_ context.Context, m awsx.Message) error {
	return q.Send(string(m.Body), map[string]string{"type": m.Type, "event_id": m.ID})
}

// Send adds a message (an S3 notification has no attributes).
func (q *Queue) Send(body string, attributes map[string]string) error {
	now := time.Now().UTC()
	q.mu.Lock()
	q.state.Queued = append(q.state.Queued, &QueuedMessage{ID: uuid.NewString(), Body: body, Attributes: attributes, SentAt: now, VisibleAt: now})
	err := q.saveLocked()
	q.mu.Unlock()
	q.poke()
	return err
}

func (q *Queue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Run delivers messages until ctx ends; the batch in flight then still finishes (within Timeout).
func (q *Queue) Run(ctx context.Context) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		for q.deliver(context.WithoutCancel(ctx)) {
			if ctx.Err() != nil {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-q.wake:
		case <-tick.C:
		}
	}
}

// deliver hands one batch of visible messages to the handler; false when there was none.
func (q *Queue) deliver(ctx context.Context) bool {
	now := time.Now().UTC()
	q.mu.Lock()
	var batch []*QueuedMessage
	for _, m := range q.state.Queued {
		if len(batch) < q.opts.BatchSize && !m.VisibleAt.After(now) {
			m.Receives++
			m.VisibleAt = now.Add(q.opts.Timeout) // in flight
			batch = append(batch, m)
		}
	}
	q.mu.Unlock()
	if len(batch) == 0 {
		return false
	}
	failed, why := q.call(ctx, batch)

	q.mu.Lock()
	defer q.mu.Unlock()
	for _, m := range batch {
		if !failed[m.ID] {
			q.state.Queued = slices.DeleteFunc(q.state.Queued, func(x *QueuedMessage) bool { return x == m })
			continue
		}
		m.LastError = why
		if m.Receives >= q.opts.MaxReceiveCount {
			q.state.Queued = slices.DeleteFunc(q.state.Queued, func(x *QueuedMessage) bool { return x == m })
			q.state.DeadLetters = append(q.state.DeadLetters, m)
			q.opts.Logger.Error("message moved to the dead-letter list", "sqs_message_id", m.ID, "receives", m.Receives, "attributes", m.Attributes)
			continue
		}
		m.VisibleAt = time.Now().UTC().Add(q.opts.Backoff(m.Receives))
	}
	if err := q.saveLocked(); err != nil {
		q.opts.Logger.Error("queue state not saved", "error", err.Error())
	}
	return true
}

// call runs the handler on batch and returns the ids it failed: all of them when it returned an
// error, panicked or timed out (as Lambda would).
func (q *Queue) call(ctx context.Context, batch []*QueuedMessage) (failed map[string]bool, why string) {
	ev := events.SQSEvent{}
	for _, m := range batch {
		r := events.SQSMessage{
			MessageId:      m.ID,
			Body:           m.Body,
			EventSource:    "aws:sqs",
			EventSourceARN: "arn:aws:sqs:local:000000000000:stratus-local-worker",
			Attributes: map[string]string{
				"ApproximateReceiveCount": strconv.Itoa(m.Receives),
				"SentTimestamp":           strconv.FormatInt(m.SentAt.UnixMilli(), 10),
			},
			MessageAttributes: map[string]events.SQSMessageAttribute{},
		}
		for k, v := range m.Attributes {
			r.MessageAttributes[k] = events.SQSMessageAttribute{DataType: "String", StringValue: &v}
		}
		ev.Records = append(ev.Records, r)
	}
	all := func(reason string) (map[string]bool, string) {
		f := map[string]bool{}
		for _, m := range batch {
			f[m.ID] = true
		}
		return f, reason
	}
	ctx, cancel := context.WithTimeout(ctx, q.opts.Timeout)
	defer cancel()
	var (
		resp events.SQSEventResponse
		err  error
	)
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("handler panicked: %v", p)
			}
		}()
		resp, err = q.handler(ctx, ev)
	}()
	if err != nil {
		q.opts.Logger.Error("worker invocation failed", "error", err.Error(), "messages", len(batch))
		return all(err.Error())
	}
	failed = map[string]bool{}
	for _, f := range resp.BatchItemFailures {
		failed[f.ItemIdentifier] = true
	}
	return failed, "reported as a batch item failure"
}

// Pending is how many messages wait for (re)delivery.
func (q *Queue) Pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.state.Queued)
}

// DeadLetters returns a copy of the dead-letter list, oldest first.
func (q *Queue) DeadLetters() []QueuedMessage {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]QueuedMessage, len(q.state.DeadLetters))
	for i, m := range q.state.DeadLetters {
		out[i] = *m
	}
	return out
}

// Redrive moves every dead letter back to the queue with its receive count reset (SQS's
// "start DLQ redrive"), and returns how many moved.
func (q *Queue) Redrive() (int, error) {
	q.mu.Lock()
	n := len(q.state.DeadLetters)
	now := time.Now().UTC()
	for _, m := range q.state.DeadLetters {
		m.Receives, m.VisibleAt, m.LastError = 0, now, ""
	}
	q.state.Queued = append(q.state.Queued, q.state.DeadLetters...)
	q.state.DeadLetters = nil
	err := q.saveLocked()
	q.mu.Unlock()
	q.poke()
	return n, err
}

// ServeHTTP lists the dead letters (GET) as {"deadLetters": [...], "pending": N}, or redrives
// them (POST).
func (q *Queue) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		q.mu.Lock()
		pending := len(q.state.Queued)
		q.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"deadLetters": q.DeadLetters(), "pending": pending})
	case http.MethodPost:
		n, err := q.Redrive()
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]any{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"redriven": n})
	default:
		w.Header().Set("Allow", "GET, POST")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": "use GET to list or POST to redrive"})
	}
}

func (q *Queue) saveLocked() error {
	if q.opts.StateFile == "" {
		return nil
	}
	b, err := json.MarshalIndent(q.state, "", "  ")
	if err != nil {
		return err
	}
	return renameio.WriteFile(q.opts.StateFile, b, 0o600)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
