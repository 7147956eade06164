package devstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
)

// The settings of a Queue left unconfigured are AWS's own defaults: the local stack configures each
// from the stage's templates (package mapping), never from a constant.
const (
	DefaultBatchSize         = 10               // an SQS event source mapping's BatchSize
	DefaultHandlerTimeout    = 3 * time.Second  // a Lambda function's Timeout
	DefaultVisibilityTimeout = 30 * time.Second // an SQS queue's VisibilityTimeout
)

// SQSHandler is a Lambda's SQS event handler with partial batch responses (worker.Consumer.HandleSQS).
type SQSHandler func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)

// QueueOptions tune a [Queue]. Zero values take AWS's defaults.
type QueueOptions struct {
	// MaxReceiveCount is how often a message is received before it moves to the dead-letter
	// table instead of being delivered again (the redrive policy's maxReceiveCount). Default: 0,
	// no dead-letter table, as a queue without a redrive policy: delivered until handled.
	MaxReceiveCount int
	// BatchSize is the most messages per handler call. Default: DefaultBatchSize.
	BatchSize int
	// VisibilityTimeout is how long a received message stays hidden: a message the handler failed
	// (or whose handler died with the process) is delivered again once it passes.
	// Default: DefaultVisibilityTimeout.
	VisibilityTimeout time.Duration
	// Timeout bounds one handler call (the Lambda's timeout). Default: DefaultHandlerTimeout.
	Timeout time.Duration
	// Consumers is how many batches are handled at once (Lambda's event source mapping runs
	// several). Default: 2.
	Consumers int
	// BatchingWindow is how long a consumer gathers messages before it calls the handler with
	// fewer than BatchSize (the event source mapping's MaximumBatchingWindowInSeconds), counted
	// from when the oldest visible message became visible. Default: 0, no wait.
	BatchingWindow time.Duration
	Logger         *slog.Logger
}

// QueuedMessage is a message in the queue or in its dead-letter table.
type QueuedMessage struct {
	ID         string            `json:"id"`
	Body       string            `json:"body"`
	Attributes map[string]string `json:"attributes,omitempty"`
	SentAt     time.Time         `json:"sentAt"`
	Receives   int               `json:"receives"`
	// LastError is why the last delivery failed (from the handler's log line: see the server log).
	LastError string `json:"lastError,omitempty"`
	// DeadAt is when the message moved to the dead-letter table.
	DeadAt *time.Time `json:"deadAt,omitempty"`

	receipt uuid.UUID
}

// Queue stands in for the worker's SQS queue, its subscription to the event topic (raw message
// delivery, the message attributes as SQS message attributes) and its dead-letter queue, in the
// tables local.queue and local.dead_letters. As in SQS, a receive counts and hides the message for
// the visibility timeout; success deletes it; a failure (a batch item failure, an error, a panic, a
// timeout, or the process dying) leaves it to reappear when the timeout passes; a message received
// MaxReceiveCount times moves to the dead-letter table at its next receive. Consumers claim batches
// with FOR UPDATE SKIP LOCKED, so several can run. Delivery is at least once, as in AWS: the
// handler must be idempotent (the worker is).
//
// The queue's pool may commit without waiting for the disk (devstack's does: synchronous_commit
// off), because each of its commits is followed by a durable one that depends on it, and
// PostgreSQL writes its log in order, so that commit flushes the queue's too: the outbox marks an
// event published after Publish returned, the worker commits its effects before the delete after
// success, and a receive or a delete lost to a crash only means one more delivery. Redrive, which
// nothing follows, commits durably itself. The bucket's notifications are sent in its own
// (durable) transaction.
type Queue struct {
	db      *pgxpool.Pool
	opts    QueueOptions
	handler SQSHandler
	wake    chan struct{}

	logMu     sync.Mutex
	lastLogAt time.Time
}

var _ awsx.Publisher = (*Queue)(nil)

// NewQueue returns a queue in db (the local schema applied) delivering to handler once Run is called.
func NewQueue(db *pgxpool.Pool, handler SQSHandler, opts QueueOptions) *Queue {
	if opts.MaxReceiveCount <= 0 {
		opts.MaxReceiveCount = math.MaxInt32 // never dead-lettered
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.VisibilityTimeout <= 0 {
		opts.VisibilityTimeout = DefaultVisibilityTimeout
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultHandlerTimeout
	}
	if opts.Consumers <= 0 {
		opts.Consumers = 2
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Queue{db: db, opts: opts, handler: handler, wake: make(chan struct{}, opts.Consumers)}
}

// Publish implements awsx.Publisher: SNS delivers m to the queue with its `type` and `event_id`
// message attributes, and `traceparent` when it has one (raw delivery passes every attribute).
func (q *Queue) Publish(ctx context.Context, m awsx.Message) error {
	attrs := map[string]string{"type": m.Type, "event_id": m.ID}
	if m.TraceParent != "" {
		attrs["traceparent"] = m.TraceParent
	}
	return q.Send(ctx, q.db, string(m.Body), attrs)
}

// Execer runs a statement: the pool, or a transaction the message commits with.
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Send adds a message (an S3 notification has no attributes) through db: the queue's pool, or a
// transaction, in which case the message is sent when that commits.
func (q *Queue) Send(ctx context.Context, db Execer, body string, attributes map[string]string) error {
	if attributes == nil {
		attributes = map[string]string{}
	}
	if _, err := db.Exec(ctx, `INSERT INTO local.queue (id, body, attributes) VALUES ($1, $2, $3)`,
		uuid.New(), body, attributes); err != nil {
		return fmt.Errorf("queue: send: %w", err)
	}
	q.Poke()
	return nil
}

// Poke wakes a consumer for a message just sent (otherwise each polls every 250 ms).
func (q *Queue) Poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Run delivers messages until ctx ends; the batches in flight then still finish (within Timeout).
func (q *Queue) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range q.opts.Consumers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q.consume(ctx)
		}()
	}
	wg.Wait()
}

func (q *Queue) consume(ctx context.Context) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for ctx.Err() == nil {
		if err := q.gather(ctx); err != nil {
			q.warn("queue: count failed (is the database down?); retrying", err)
		}
		n, err := q.deliver(context.WithoutCancel(ctx))
		if err != nil {
			q.warn("queue: receive failed (is the database down?); retrying", err)
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
		case <-q.wake:
		case <-tick.C:
		}
	}
}

// gather waits, within the batching window, until a full batch is visible or the oldest visible
// message has waited the window; it returns at once without a window or a visible message.
func (q *Queue) gather(ctx context.Context) error {
	if q.opts.BatchingWindow <= 0 {
		return nil
	}
	for {
		var visible int
		var waited float64 // milliseconds
		if err := q.db.QueryRow(ctx, `SELECT count(*), coalesce(extract(epoch FROM clock_timestamp() - min(visible_at)) * 1000, 0)
			FROM local.queue WHERE visible_at <= clock_timestamp() AND receives < $1`, q.opts.MaxReceiveCount).Scan(&visible, &waited); err != nil {
			return err
		}
		left := q.opts.BatchingWindow - time.Duration(waited*float64(time.Millisecond))
		if visible == 0 || visible >= q.opts.BatchSize || left <= 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-q.wake: // another message: count again
		case <-time.After(left):
		}
	}
}

// deliver receives one batch and hands it to the handler; it returns the batch's size.
func (q *Queue) deliver(ctx context.Context) (int, error) {
	batch, err := q.receive(ctx)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	failed, why := q.call(ctx, batch)
	q.settle(ctx, batch, failed, why)
	return len(batch), nil
}

// settle deletes the messages the handler processed and notes why the others failed (they come
// back when their visibility timeout passes). A message received again meanwhile (its timeout
// passed) has a new receipt and is left alone, as SQS ignores a stale receipt handle.
func (q *Queue) settle(ctx context.Context, batch []*QueuedMessage, failed map[string]bool, why string) {
	var okIDs, okReceipts, failedIDs, failedReceipts []uuid.UUID
	for _, m := range batch {
		id := uuid.MustParse(m.ID)
		if failed[m.ID] {
			failedIDs, failedReceipts = append(failedIDs, id), append(failedReceipts, m.receipt)
		} else {
			okIDs, okReceipts = append(okIDs, id), append(okReceipts, m.receipt)
		}
	}
	if len(okIDs) > 0 {
		if _, err := q.db.Exec(ctx, `DELETE FROM local.queue q USING unnest($1::uuid[], $2::uuid[]) AS d(id, receipt)
			WHERE q.id = d.id AND q.receipt = d.receipt`, okIDs, okReceipts); err != nil {
			// The messages come back after the visibility timeout; the handler is idempotent.
			q.warn("queue: delete after success failed; the messages will be delivered again", err)
		}
	}
	if len(failedIDs) > 0 {
		_, _ = q.db.Exec(ctx, `UPDATE local.queue q SET last_error = $3 FROM unnest($1::uuid[], $2::uuid[]) AS d(id, receipt)
			WHERE q.id = d.id AND q.receipt = d.receipt`, failedIDs, failedReceipts, why)
	}
}

// receive moves the visible messages received MaxReceiveCount times to the dead-letter table and
// claims a batch of the others, in one statement.
func (q *Queue) receive(ctx context.Context) ([]*QueuedMessage, error) {
	rows, err := q.db.Query(ctx, `WITH dead AS (
			DELETE FROM local.queue WHERE id IN (
				SELECT id FROM local.queue WHERE visible_at <= clock_timestamp() AND receives >= $1
				ORDER BY visible_at LIMIT 100 FOR UPDATE SKIP LOCKED)
			RETURNING id, body, attributes, sent_at, receives, last_error
		), moved AS (
			INSERT INTO local.dead_letters (id, body, attributes, sent_at, receives, last_error)
			SELECT id, body, attributes, sent_at, receives, last_error FROM dead
			ON CONFLICT (id) DO NOTHING
			RETURNING id, receives, attributes
		), batch AS (
			SELECT id FROM local.queue WHERE visible_at <= clock_timestamp() AND receives < $1
			ORDER BY sent_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
		), received AS (
			UPDATE local.queue q SET receives = q.receives + 1, receipt = gen_random_uuid(),
				visible_at = clock_timestamp() + $3::bigint * interval '1 millisecond'
			FROM batch WHERE q.id = batch.id
			RETURNING q.id, q.body, q.attributes, q.sent_at, q.receives, q.receipt
		)
		SELECT false, id, body, attributes, sent_at, receives, receipt FROM received
		UNION ALL SELECT true, id, '', attributes, now(), receives, NULL FROM moved`,
		q.opts.MaxReceiveCount, q.opts.BatchSize, q.opts.VisibilityTimeout.Milliseconds())
	if err != nil {
		return nil, err
	}
	var batch []*QueuedMessage
	for rows.Next() {
		var (
			dead    bool
			m       QueuedMessage
			id      uuid.UUID
			receipt *uuid.UUID
		)
		if err := rows.Scan(&dead, &id, &m.Body, &m.Attributes, &m.SentAt, &m.Receives, &receipt); err != nil {
			rows.Close()
			return nil, err
		}
		m.ID = id.String()
		if dead {
			q.opts.Logger.Error("message moved to the dead-letter table", "sqs_message_id", m.ID, "receives", m.Receives, "attributes", m.Attributes)
			continue
		}
		m.receipt = *receipt
		batch = append(batch, &m)
	}
	return batch, rows.Err()
}

// call runs the handler on batch and returns the ids it failed: all of them when it returned an
// error, panicked or timed out (as Lambda would).
func (q *Queue) call(ctx context.Context, batch []*QueuedMessage) (failed map[string]bool, why string) {
	ev := events.SQSEvent{}
	for _, m := range batch {
		r := events.SQSMessage{
			MessageId:      m.ID,
			ReceiptHandle:  m.receipt.String(),
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

// warn logs a repeated failure at most once every ten seconds (a database outage would otherwise
// log four lines a second per consumer).
func (q *Queue) warn(msg string, err error) {
	q.logMu.Lock()
	defer q.logMu.Unlock()
	if time.Since(q.lastLogAt) < 10*time.Second || errors.Is(err, context.Canceled) {
		return
	}
	q.lastLogAt = time.Now()
	q.opts.Logger.Warn(msg, "error", err.Error())
}

// Pending is how many messages wait for (re)delivery, in flight included.
func (q *Queue) Pending(ctx context.Context) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM local.queue`).Scan(&n)
	return n, err
}

// DeadLetters lists the dead-letter table, oldest first.
func (q *Queue) DeadLetters(ctx context.Context) ([]QueuedMessage, error) {
	rows, err := q.db.Query(ctx, `SELECT id::text, body, attributes, sent_at, receives, coalesce(last_error, ''), dead_at
		FROM local.dead_letters ORDER BY dead_at, id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (m QueuedMessage, err error) {
		m.DeadAt = new(time.Time)
		err = r.Scan(&m.ID, &m.Body, &m.Attributes, &m.SentAt, &m.Receives, &m.LastError, m.DeadAt)
		return m, err
	})
}

// Redrive moves every dead letter back to the queue with its receive count reset (SQS's
// "start DLQ redrive"), and returns how many moved.
func (q *Queue) Redrive(ctx context.Context) (int, error) {
	var n int64
	err := pgx.BeginFunc(ctx, q.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = on`); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `WITH moved AS (DELETE FROM local.dead_letters RETURNING id, body, attributes, sent_at)
			INSERT INTO local.queue (id, body, attributes, sent_at) SELECT id, body, attributes, sent_at FROM moved`)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, err
	}
	for range q.opts.Consumers {
		q.Poke()
	}
	return int(n), nil
}
