package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/event"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/tracing"
)

// DB is what the relay needs of a connection pool (*pgxpool.Pool fits).
type DB interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Defaults of [Options].
const (
	DefaultMinAge       = 30 * time.Second
	DefaultBatchSize    = 50
	DefaultFlushTimeout = 3 * time.Second
	// deadlineMargin is the time a run keeps to commit and answer before the Lambda's deadline.
	deadlineMargin = 2 * time.Second
)

// Options tune a [Relay]; zero values mean the defaults.
type Options struct {
	// BatchSize is how many rows one transaction claims. Default: DefaultBatchSize.
	BatchSize int
	// FlushTimeout bounds the time [Relay.Flush] adds to an API request. Default: DefaultFlushTimeout.
	FlushTimeout time.Duration
	// Logger receives one JSON line per failure and per run. Default: slog.Default().
	Logger *slog.Logger
}

// Relay publishes outbox rows to the event bus and marks them published.
type Relay struct {
	db   DB
	pub  awsx.Publisher
	opts Options
}

var _ event.EventFlusher = (*Relay)(nil)

// New returns a relay that publishes through pub the rows of db's outbox table.
func New(db DB, pub awsx.Publisher, opts Options) *Relay {
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.FlushTimeout <= 0 {
		opts.FlushTimeout = DefaultFlushTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Relay{db: db, pub: pub, opts: opts}
}

// MessageOf is the bus message of e: the envelope JSON with its type, id and owner.
func MessageOf(e event.Event) (awsx.Message, error) {
	body, err := json.Marshal(e)
	if err != nil {
		return awsx.Message{}, fmt.Errorf("outbox: encode event %s: %w", e.ID, err)
	}
	return awsx.Message{ID: e.ID, Type: e.Type, Group: e.Owner, Body: body}, nil
}

// Flush publishes events that were just committed and marks them published. It implements
// event.EventFlusher: it never fails the caller; a failure is logged and leaves the rows to the
// outbox Lambda. Rows another publisher holds or already published are skipped.
func (r *Relay) Flush(ctx context.Context, events []event.Event) {
	if len(events) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.FlushTimeout)
	defer cancel()
	ctx, span := otel.Tracer(tracing.Name).Start(ctx, "outbox flush", trace.WithAttributes(attribute.Int("outbox.events", len(events))))
	defer span.End()
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	published, failed, err := r.inTx(ctx, func(tx pgx.Tx) ([]event.Event, error) {
		rows, err := tx.Query(ctx, `SELECT id::text FROM outbox WHERE id = ANY($1::uuid[]) AND published_at IS NULL
			ORDER BY created_at, id FOR UPDATE SKIP LOCKED`, ids)
		if err != nil {
			return nil, err
		}
		claimed, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, err
		}
		byID := make(map[string]event.Event, len(events))
		for _, e := range events {
			byID[e.ID] = e
		}
		out := make([]event.Event, 0, len(claimed))
		for _, id := range claimed {
			out = append(out, byID[id])
		}
		return out, nil
	})
	switch {
	case err != nil:
		r.log(ctx).WarnContext(ctx, "outbox flush failed; the outbox Lambda will publish the events",
			"events", len(events), "error", err)
	case len(failed) > 0:
		r.log(ctx).WarnContext(ctx, "outbox flush left events for the outbox Lambda",
			"events", len(events), "published", published, "failed", len(failed))
	}
}

// Result is what a run did.
type Result struct {
	// Published rows were accepted by the bus and marked published.
	Published int `json:"published"`
	// Failed rows were refused by the bus; they wait for the next run.
	Failed int `json:"failed"`
}

// Run publishes, in batches, the rows that stayed unpublished for at least minAge, until none is
// left, a batch fails entirely, or the context's deadline nears. Rows that fail are not retried
// within the same run.
func (r *Relay) Run(ctx context.Context, minAge time.Duration) (Result, error) {
	var res Result
	stopAt := time.Time{}
	if dl, ok := ctx.Deadline(); ok {
		stopAt = dl.Add(-deadlineMargin)
	}
	attempted := []string{} // not nil: pgx encodes nil as NULL, and "id <> ALL(NULL)" is never true
	for {
		if !stopAt.IsZero() && time.Now().After(stopAt) {
			r.log(ctx).InfoContext(ctx, "outbox run stops before the deadline", "published", res.Published, "failed", res.Failed)
			break
		}
		var claimed int
		published, failed, err := r.inTx(ctx, func(tx pgx.Tx) ([]event.Event, error) {
			evs, err := claimDue(ctx, tx, minAge, attempted, r.opts.BatchSize)
			claimed = len(evs)
			return evs, err
		})
		res.Published += published
		res.Failed += len(failed)
		attempted = append(attempted, failed...)
		if err != nil {
			return res, fmt.Errorf("outbox run: %w", err)
		}
		if claimed < r.opts.BatchSize || published == 0 {
			break
		}
	}
	return res, nil
}

// claimDue locks up to limit due rows that no one else holds, oldest first.
func claimDue(ctx context.Context, tx pgx.Tx, minAge time.Duration, exclude []string, limit int) ([]event.Event, error) {
	rows, err := tx.Query(ctx, `SELECT id::text, type, owner, payload, created_at, coalesce(trace_context, '') FROM outbox
		WHERE published_at IS NULL
		  AND created_at <= now() - make_interval(secs => $1::float8)
		  AND id <> ALL($2::uuid[])
		ORDER BY created_at, id
		LIMIT $3::int
		FOR UPDATE SKIP LOCKED`, minAge.Seconds(), exclude, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (event.Event, error) {
		var e event.Event
		var payload []byte
		err := row.Scan(&e.ID, &e.Type, &e.Owner, &payload, &e.Time, &e.TraceContext)
		e.Payload = payload
		e.Time = e.Time.UTC()
		return e, err
	})
}

// inTx claims events with claim, publishes them in order and marks the outcome, all in one
// transaction so the claimed rows stay locked until they are marked. It returns how many were
// published and the ids that failed (each failure is logged); err is a database error only.
func (r *Relay) inTx(ctx context.Context, claim func(pgx.Tx) ([]event.Event, error)) (published int, failed []string, err error) {
	tx, err := r.db.Begin(ctx)
	if err != nil {
		return 0, nil, fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }() // no-op after commit
	evs, err := claim(tx)
	if err != nil {
		return 0, nil, fmt.Errorf("claim rows: %w", err)
	}
	if len(evs) == 0 {
		return 0, nil, tx.Commit(ctx)
	}
	ok := make([]string, 0, len(evs))
	for _, e := range evs {
		if err := r.publish(ctx, e); err != nil {
			failed = append(failed, e.ID)
			continue
		}
		ok = append(ok, e.ID)
	}
	// The publish calls may have used up ctx; marking must still happen if at all possible,
	// or the published rows would be published again.
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := tx.Exec(mctx, `UPDATE outbox SET published_at = now(), attempts = attempts + 1 WHERE id = ANY($1::uuid[])`, ok); err != nil {
		return 0, nil, fmt.Errorf("mark published: %w", err)
	}
	if len(failed) > 0 {
		if _, err := tx.Exec(mctx, `UPDATE outbox SET attempts = attempts + 1 WHERE id = ANY($1::uuid[])`, failed); err != nil {
			return 0, nil, fmt.Errorf("count attempts: %w", err)
		}
	}
	if err := tx.Commit(mctx); err != nil {
		return 0, nil, fmt.Errorf("commit: %w", err)
	}
	return len(ok), failed, nil
}

// publish sends e in the trace of the request that wrote it: its span is a child of the row's
// trace context (linked to the run that found the row), and the message carries the span's
// traceparent, so the worker's span joins the same trace. Without a stored context (a row written
// outside a span, or the API's own flush, whose context is the request's) the span is a child of ctx.
// A failure is logged in that trace.
func (r *Relay) publish(ctx context.Context, e event.Event) (err error) {
	opts := []trace.SpanStartOption{trace.WithAttributes(attribute.String("event.id", e.ID), attribute.String("event.type", e.Type))}
	if sc, ok := tracing.ParseTraceParent(e.TraceContext); ok && sc.TraceID() != trace.SpanContextFromContext(ctx).TraceID() {
		opts = append(opts, trace.WithLinks(trace.LinkFromContext(ctx)))
		ctx = trace.ContextWithRemoteSpanContext(ctx, sc)
	}
	ctx, span := otel.Tracer(tracing.Name).Start(ctx, "outbox publish", opts...)
	defer func() {
		if err != nil {
			tracing.Fail(span, err)
			r.log(ctx).WarnContext(ctx, "outbox publish failed", "event_id", e.ID, "type", e.Type, "error", err)
		}
		span.End()
	}()
	m, err := MessageOf(e)
	if err != nil {
		return err
	}
	m.TraceParent = tracing.TraceParent(ctx)
	return r.pub.Publish(ctx, m)
}

// log is the logger with the Lambda request id, when there is one.
func (r *Relay) log(ctx context.Context) *slog.Logger {
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		return r.opts.Logger.With("request_id", lc.AwsRequestID)
	}
	return r.opts.Logger
}
