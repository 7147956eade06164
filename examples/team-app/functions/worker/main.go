// Command worker is the team's event consumer behind an eventbus
// subscriber: it receives SQS batches and reports the messages it could not
// process, so only those are retried.
package main

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(_ context.Context, batch events.SQSEvent) (events.SQSEventResponse, error) {
	var out events.SQSEventResponse
	for _, m := range batch.Records {
		var event map[string]any
		if err := json.Unmarshal([]byte(m.Body), &event); err != nil {
			slog.Error("not a JSON event", "messageId", m.MessageId, "err", err)
			out.BatchItemFailures = append(out.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			continue
		}
		slog.Info("event", "messageId", m.MessageId, "type", m.MessageAttributes["type"].StringValue)
	}
	return out, nil
}

func main() { lambda.Start(handle) }
