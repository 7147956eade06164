package worker

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// deadlineMargin is the time kept to answer SQS before the Lambda's deadline: records not done by
// then fail (and are redelivered) instead of the whole batch timing out.
const deadlineMargin = 500 * time.Millisecond

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
		m := Message{ID: r.MessageId, Body: r.Body}
		if a, ok := r.MessageAttributes["type"]; ok && a.StringValue != nil {
			m.Type = *a.StringValue
			attrs = append(attrs, "type", m.Type)
		}
		if a, ok := r.MessageAttributes["event_id"]; ok && a.StringValue != nil {
			attrs = append(attrs, "event_id", *a.StringValue)
		}
		res, err := c.Process(ctx, m)
		if err != nil {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			log.ErrorContext(ctx, "message failed", append(attrs, "outcome", Failed, "error", err.Error())...)
			failRest = strings.HasSuffix(r.EventSourceARN, ".fifo")
			continue
		}
		attrs = append(attrs, "outcome", res.Outcome)
		if res.Detail != "" {
			attrs = append(attrs, "detail", res.Detail)
		}
		if res.Outcome == Dropped {
			log.WarnContext(ctx, "message dropped", attrs...)
			continue
		}
		log.InfoContext(ctx, "message done", attrs...)
	}
	return resp, nil
}
