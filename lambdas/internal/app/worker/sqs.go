package worker

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/tracing"
)

// deadlineMargin is the time kept to answer SQS before the Lambda's deadline: records not done by
// then fail (and are redelivered) instead of the whole batch timing out.
const deadlineMargin = 500 * time.Millisecond

// messageSpan starts the span of one message. A message with a `traceparent` attribute (an event
// the outbox relay published) is handled in its request's trace: the span is a child of that
// context, linked to the invocation's span (a batch mixes traces, so the invocation belongs to none
// of them). Others (S3 notifications) are children of the invocation's span.
func messageSpan(ctx context.Context, r events.SQSMessage) (context.Context, trace.Span) {
	opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindConsumer), trace.WithAttributes(
		attribute.String("messaging.system", "aws_sqs"), attribute.String("messaging.message.id", r.MessageId))}
	if a, ok := r.MessageAttributes["traceparent"]; ok && a.StringValue != nil {
		if sc, ok := tracing.ParseTraceParent(*a.StringValue); ok {
			opts = append(opts, trace.WithLinks(trace.LinkFromContext(ctx)))
			ctx = trace.ContextWithRemoteSpanContext(ctx, sc)
		}
	}
	if a, ok := r.MessageAttributes["type"]; ok && a.StringValue != nil {
		opts = append(opts, trace.WithAttributes(attribute.String("event.type", *a.StringValue)))
	}
	return otel.Tracer(tracing.Name).Start(ctx, "worker message", opts...)
}

// HandleSQS processes a batch from SQS and reports only the failed messages; it never returns an
// error (that would fail the whole batch). On a FIFO queue, the first failure fails the rest.
func (c *Consumer) HandleSQS(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-deadlineMargin))
		defer cancel()
	}
	log := c.opts.Logger
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		log = log.With("request_id", lc.AwsRequestID)
	}
	failRest := false
	for _, r := range ev.Records {
		attrs := []any{"sqs_message_id", r.MessageId}
		if failRest {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			log.WarnContext(ctx, "message not processed after an earlier failure (FIFO order)", attrs...)
			continue
		}
		mctx, span := messageSpan(ctx, r)
		m := Message{ID: r.MessageId, Body: r.Body}
		if a, ok := r.MessageAttributes["type"]; ok && a.StringValue != nil {
			m.Type = *a.StringValue
			attrs = append(attrs, "type", m.Type)
		}
		if a, ok := r.MessageAttributes["event_id"]; ok && a.StringValue != nil {
			attrs = append(attrs, "event_id", *a.StringValue)
		}
		res, err := c.Process(mctx, m)
		if err != nil {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			log.ErrorContext(mctx, "message failed", append(attrs, "outcome", Failed, "error", err.Error())...)
			failRest = strings.HasSuffix(r.EventSourceARN, ".fifo")
			span.SetAttributes(attribute.String("outcome", string(Failed)))
			tracing.Fail(span, err)
			span.End()
			continue
		}
		span.SetAttributes(attribute.String("outcome", string(res.Outcome)))
		span.End()
		attrs = append(attrs, "outcome", res.Outcome)
		if res.Detail != "" {
			attrs = append(attrs, "detail", res.Detail)
		}
		if res.Outcome == Dropped {
			log.WarnContext(mctx, "message dropped", attrs...)
			continue
		}
		log.InfoContext(mctx, "message done", attrs...)
	}
	return resp, nil
}
