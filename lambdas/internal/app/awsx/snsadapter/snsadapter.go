// Package snsadapter is the SNS adapter of [awsx.Publisher]: only the
// functions that publish link the SNS client.
package snsadapter

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/stratus-cdk/stratus/lambdas/internal/app/awsx"
	"github.com/stratus-cdk/stratus/lambdas/internal/app/tracing"
)

// Publisher publishes to one SNS topic.
type Publisher struct {
	client   *sns.Client
	topicARN string
	fifo     bool
}

var _ awsx.Publisher = (*Publisher)(nil)

// New returns a publisher to topicARN; a topic whose ARN ends with ".fifo" is a FIFO topic.
func New(client *sns.Client, topicARN string) *Publisher {
	return &Publisher{client: client, topicARN: topicARN, fifo: strings.HasSuffix(topicARN, ".fifo")}
}

// Publish sends m; the error says why SNS refused it (the caller decides whether to retry later).
func (p *Publisher) Publish(ctx context.Context, m awsx.Message) error {
	if err := m.Validate(p.fifo); err != nil {
		return err
	}
	in := &sns.PublishInput{
		TopicArn: aws.String(p.topicARN),
		Message:  aws.String(string(m.Body)),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"type":     {DataType: aws.String("String"), StringValue: aws.String(m.Type)},
			"event_id": {DataType: aws.String("String"), StringValue: aws.String(m.ID)},
		},
	}
	if m.TraceParent != "" {
		in.MessageAttributes["traceparent"] = snstypes.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(m.TraceParent)}
	}
	if p.fifo {
		in.MessageGroupId = aws.String(m.Group)
		in.MessageDeduplicationId = aws.String(m.ID)
	}
	ctx, span := otel.Tracer(tracing.Name).Start(ctx, "SNS Publish", trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(attribute.String("messaging.system", "aws_sns"), attribute.String("messaging.destination.name", p.topicARN),
			attribute.String("messaging.message.id", m.ID), attribute.String("event.type", m.Type)))
	defer span.End()
	if _, err := p.client.Publish(ctx, in); err != nil {
		tracing.Fail(span, err)
		return fmt.Errorf("sns publish %s %s: %w", m.Type, m.ID, err)
	}
	return nil
}
