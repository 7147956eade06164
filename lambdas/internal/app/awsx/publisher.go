package awsx

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// Message is one event as it goes on the bus.
type Message struct {
	// ID is the event id: the `event_id` message attribute, and the deduplication id on a FIFO topic.
	ID string
	// Type is the event type: the `type` message attribute that subscriptions filter on.
	Type string
	// Group orders messages on a FIFO topic (the owner); ignored on a standard topic.
	Group string
	// Body is the message body (the event JSON); subscribers with raw delivery receive it as is.
	Body []byte
}

// Publisher publishes one message to the event bus.
type Publisher interface {
	Publish(ctx context.Context, m Message) error
}

// SNSPublisher publishes to one SNS topic.
type SNSPublisher struct {
	client   *sns.Client
	topicARN string
	fifo     bool
}

var _ Publisher = (*SNSPublisher)(nil)

// NewSNSPublisher returns a publisher to topicARN; a topic whose ARN ends with ".fifo" is a FIFO topic.
func NewSNSPublisher(client *sns.Client, topicARN string) *SNSPublisher {
	return &SNSPublisher{client: client, topicARN: topicARN, fifo: strings.HasSuffix(topicARN, ".fifo")}
}

// Publish sends m; the error says why SNS refused it (the caller decides whether to retry later).
func (p *SNSPublisher) Publish(ctx context.Context, m Message) error {
	if err := m.validate(p.fifo); err != nil {
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
	if p.fifo {
		in.MessageGroupId = aws.String(m.Group)
		in.MessageDeduplicationId = aws.String(m.ID)
	}
	if _, err := p.client.Publish(ctx, in); err != nil {
		return fmt.Errorf("sns publish %s %s: %w", m.Type, m.ID, err)
	}
	return nil
}

func (m Message) validate(fifo bool) error {
	var errs []error
	if m.ID == "" {
		errs = append(errs, errors.New("message ID is empty"))
	}
	if m.Type == "" {
		errs = append(errs, errors.New("message Type is empty"))
	}
	if len(m.Body) == 0 {
		errs = append(errs, errors.New("message Body is empty"))
	}
	if fifo && m.Group == "" {
		errs = append(errs, errors.New("message Group is empty (required on a FIFO topic)"))
	}
	return errors.Join(errs...)
}
