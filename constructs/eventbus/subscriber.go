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

	"github.com/stratus-cdk/stratus/internal/nag"
)

// Defaults and limits of a subscriber, documented on SubscriberProps.
const (
	DefaultMaxReceiveCount = 5
	DefaultBatchSize       = 10
	// VisibilityTimeoutFactor: the queue's visibility timeout is at least this
	// many times the handler's timeout (AWS's recommendation for Lambda
	// consumers, which covers retries of throttled invocations).
	VisibilityTimeoutFactor = 6
	// UnknownHandlerTimeoutSeconds is assumed for a handler whose timeout the
	// bus cannot read (an imported IFunction): Lambda's maximum, 15 minutes.
	UnknownHandlerTimeoutSeconds = 900
	// DefaultLambdaTimeoutSeconds is Lambda's own default, for a Function
	// created without Timeout.
	DefaultLambdaTimeoutSeconds = 3
	// DefaultOldestMessageAgeMinutes is the default threshold of the
	// oldest-message alarm.
	DefaultOldestMessageAgeMinutes = 15

	deadLetterRetentionDays = 14 // SQS's maximum: time to investigate and redrive
)

// SubscriberProps configures one consumer of the bus.
type SubscriberProps struct {
	// Handler processes the queue's messages. It must return an
	// events.SQSEventResponse listing the failed messages in
	// BatchItemFailures (the event source mapping reports partial batch
	// failures): returning an error retries the whole batch.
	Handler awslambda.IFunction

	// EventTypes keeps only messages whose String message attribute "type"
	// (TypeAttribute) is one of these values (an SNS filter policy). Messages
	// without the attribute, such as S3 notifications from
	// AddBucketNotifications, never reach a subscriber with EventTypes.
	// Default: - every message published to the topic.
	EventTypes []*string

	// BatchSize is the most messages handed to one invocation: 1-10 on a
	// FIFO bus; 1-10000 otherwise, above 10 only with a MaxBatchingWindow of
	// at least one second.
	// Default: 10
	BatchSize *float64

	// MaxBatchingWindow is how long Lambda waits to fill a batch, up to five
	// minutes. Not supported on a FIFO bus.
	// Default: - no wait: a batch is handed over as soon as messages arrive.
	MaxBatchingWindow awscdk.Duration

	// MaxConcurrency caps the concurrent invocations this subscription
	// starts, 2-1000; a cap below the function's reserved concurrency avoids
	// throttled invocations counting as receives.
	// Default: - no cap other than the function's concurrency.
	MaxConcurrency *float64

	// MaxReceiveCount is how often a message is received (and failed) before
	// SQS moves it to the dead-letter queue, 1-1000.
	// Default: 5
	MaxReceiveCount *float64

	// VisibilityTimeout of the queue: how long a received message stays
	// hidden before it is retried. At least six times the handler's timeout,
	// at most 12 hours.
	// Default: - six times the handler's timeout when the handler is an
	// awslambda.Function (its Timeout, or Lambda's default of 3 seconds);
	// for an imported IFunction, whose timeout is unknown, six times Lambda's
	// maximum of 15 minutes (90 minutes), which is never too short; set it to
	// retry sooner.
	VisibilityTimeout awscdk.Duration

	// OldestMessageAgeThreshold raises the oldest-message alarm when a
	// message has waited longer than this in the queue (a stuck or too slow
	// consumer).
	// Default: 15 minutes
	OldestMessageAgeThreshold awscdk.Duration
}

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

// subscriberSpec is SubscriberProps with defaults applied.
type subscriberSpec struct {
	visibilitySeconds float64
	maxReceiveCount   *float64
	batchSize         *float64
	ageThreshold      awscdk.Duration
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
	nag.Suppress(p.Handler, nag.NoDLQQueueConsumer())
	s.EventSourceMapping = esm
}

func (s *Subscriber) createAlarms(b *EventBus, spec subscriberSpec) {
	path := *s.Node().Path()
	s.DeadLetterAlarm = awscloudwatch.NewAlarm(s.Construct, jsii.String("DeadLetterAlarm"), &awscloudwatch.AlarmProps{
		Metric:             s.MetricDlqMessages(nil),
		Threshold:          jsii.Number(0),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		AlarmDescription:   jsii.String(path + ": events in the dead-letter queue (received MaxReceiveCount times without success, or undeliverable by SNS)"),
	})
	s.OldestMessageAgeAlarm = awscloudwatch.NewAlarm(s.Construct, jsii.String("OldestMessageAgeAlarm"), &awscloudwatch.AlarmProps{
		Metric:             s.MetricOldestMessageAge(nil),
		Threshold:          spec.ageThreshold.ToSeconds(nil),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		AlarmDescription:   jsii.String(path + ": the oldest event waits longer than " + *spec.ageThreshold.ToHumanString()),
	})
	s.Alarms = []awscloudwatch.Alarm{s.DeadLetterAlarm, s.OldestMessageAgeAlarm}
	if b.alarmAction != nil {
		for _, a := range s.Alarms {
			a.AddAlarmAction(b.alarmAction)
		}
	}
}
