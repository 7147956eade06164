package eventbus

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/nag"
)

// Subscriber is one subscription of the bus: a queue with its dead-letter
// queue, the event source mapping that feeds the handler, and alarms.
type Subscriber struct {
	constructs.Construct

	// Queue receives the subscriber's events, in raw message delivery.
	Queue awssqs.IQueue
	// DeadLetterQueue holds what was not processed: messages received
	// MaxReceiveCount times without success, and messages SNS could not
	// deliver to Queue (the subscription's redrive policy). Retention 14 days.
	DeadLetterQueue awssqs.IQueue
	// EventSourceMapping feeds Queue to the handler.
	EventSourceMapping awslambda.IEventSourceMapping
	// DeadLetterAlarm fires when the dead-letter queue holds any message.
	DeadLetterAlarm awscloudwatch.Alarm
	// OldestMessageAgeAlarm fires when the oldest message of Queue is older
	// than OldestMessageAgeThreshold.
	OldestMessageAgeAlarm awscloudwatch.Alarm
	// Alarms lists every alarm above, for dashboards and alarm actions.
	Alarms []awscloudwatch.Alarm
}

// AddSubscriber subscribes a new queue to the topic and feeds it to
// props.Handler. It panics with one message listing every invalid prop.
func (b *EventBus) AddSubscriber(id string, props *SubscriberProps) *Subscriber {
	if props == nil {
		props = &SubscriberProps{}
	}
	spec := b.validateSubscriber(id, props)
	s := &Subscriber{Construct: constructs.NewConstruct(b.Construct, jsii.String(id))}
	dlq := s.createDeadLetterQueue(b)
	s.createQueue(b, spec, dlq)
	s.subscribe(b, props, dlq)
	s.createEventSourceMapping(props, spec)
	s.createAlarms(b, spec)
	b.Subscribers = append(b.Subscribers, s)
	return s
}

func (s *Subscriber) queueProps(b *EventBus) *awssqs.QueueProps {
	p := &awssqs.QueueProps{
		Encryption:          awssqs.QueueEncryption_KMS,
		EncryptionMasterKey: b.Key,
		EnforceSSL:          jsii.Bool(true),
	}
	if b.fifo {
		// Content-based deduplication stays off: SNS passes the publisher's
		// MessageDeduplicationId on to the queue.
		p.Fifo = jsii.Bool(true)
	}
	return p
}

func (s *Subscriber) createDeadLetterQueue(b *EventBus) awssqs.IQueue {
	p := s.queueProps(b)
	p.RetentionPeriod = awscdk.Duration_Days(jsii.Number(deadLetterRetentionDays))
	dlq := awssqs.NewQueue(s.Construct, jsii.String("DeadLetterQueue"), p)
	nag.Suppress(dlq, nag.Rule("Serverless-SQSRedrivePolicy",
		"This queue is the dead-letter queue of the subscriber's queue and of its SNS subscription: the end of the line, "+
			"watched by an alarm and kept 14 days for inspection and redrive."))
	s.DeadLetterQueue = dlq
	return dlq
}

func (s *Subscriber) createQueue(b *EventBus, spec subscriberSpec, dlq awssqs.IQueue) {
	p := s.queueProps(b)
	p.VisibilityTimeout = awscdk.Duration_Seconds(jsii.Number(spec.visibilitySeconds))
	p.DeadLetterQueue = &awssqs.DeadLetterQueue{Queue: dlq, MaxReceiveCount: spec.maxReceiveCount}
	s.Queue = awssqs.NewQueue(s.Construct, jsii.String("Queue"), p)
}

// subscribe adds the SNS subscription: raw message delivery (the SQS body is
// the published message, the "type" attribute an SQS message attribute),
// the EventTypes filter and the subscription's own dead-letter queue.
// SqsSubscription lets sns.amazonaws.com send to the queue and use the key;
// the subscription's redrive policy lets it send to the dead-letter queue.
func (s *Subscriber) subscribe(b *EventBus, p *SubscriberProps, dlq awssqs.IQueue) {
	sp := &awssnssubscriptions.SqsSubscriptionProps{
		RawMessageDelivery: jsii.Bool(true),
		DeadLetterQueue:    dlq,
	}
	if p.EventTypes != nil {
		types := append([]*string(nil), p.EventTypes...)
		sp.FilterPolicy = &map[string]awssns.SubscriptionFilter{
			TypeAttribute: awssns.SubscriptionFilter_StringFilter(&awssns.StringConditions{Allowlist: &types}),
		}
	}
	b.Topic.AddSubscription(awssnssubscriptions.NewSqsSubscription(s.Queue, sp))
}

func (s *Subscriber) createEventSourceMapping(p *SubscriberProps, spec subscriberSpec) {
	esm := awslambda.NewEventSourceMapping(s.Construct, jsii.String("EventSourceMapping"), &awslambda.EventSourceMappingProps{
		Target:                  p.Handler,
		EventSourceArn:          s.Queue.QueueArn(),
		BatchSize:               spec.batchSize,
		MaxBatchingWindow:       p.MaxBatchingWindow,
		MaxConcurrency:          p.MaxConcurrency,
		ReportBatchItemFailures: jsii.Bool(true),
	})
	if p.Handler.Role() != nil {
		// Lambda checks the role's SQS permissions when it creates the
		// mapping: the policy must exist first.
		s.Queue.GrantConsumeMessages(p.Handler).ApplyBefore(esm)
	} else {
		awscdk.Annotations_Of(s.Construct).AddWarningV2(jsii.String("stratus:eventbus:handlerWithoutRole"), jsii.String(
			"the handler was imported without its role, so it was not granted access to the queue: allow it "+
				"sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility, sqs:GetQueueAttributes on the queue "+
				"and kms:Decrypt on the bus's key"), nil)
	}
	nag.Suppress(esm, nag.Rule("Serverless-LambdaEventSourceMappingDestination",
		"Lambda supports no on-failure destination for SQS event sources: a message that keeps failing moves to the "+
			"queue's dead-letter queue (redrive policy), which alarms."))
	nag.Suppress(behind(p.Handler), nag.NoDLQQueueConsumer())
	s.EventSourceMapping = esm
}
