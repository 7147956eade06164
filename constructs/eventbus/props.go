package eventbus

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/propcheck"
)

// DefaultTopicArnEnv is the environment variable BindPublisher sets on a
// publisher (the ARN of the bus's topic) unless Props.TopicArnEnv names
// another.
const DefaultTopicArnEnv = "EVENT_TOPIC_ARN"

// Props configures an EventBus. Every field is optional; New accepts nil.
type Props struct {
	// Fifo makes the topic and every subscriber queue (and dead-letter queue)
	// FIFO: ordered delivery per message group, deduplication over five
	// minutes. Publishers must set MessageGroupId and MessageDeduplicationId.
	// Default: - false; with ExistingTopic, the type of that topic.
	Fifo *bool

	// ContentBasedDeduplication lets the FIFO topic the bus creates derive a
	// message's deduplication id from a SHA-256 of its body when the
	// publisher sets none. Only valid with Fifo and without ExistingTopic.
	// Default: false - publishers set MessageDeduplicationId (the event id),
	// so two distinct events with equal bodies are both delivered.
	ContentBasedDeduplication *bool

	// ExistingTopic is a topic to subscribe to instead of creating one. The
	// bus does not change its encryption or policy; GrantPublish grants the
	// key permissions only if the topic knows its key (a Topic construct, or
	// Topic_FromTopicAttributes with KeyArn). A FIFO topic must be imported
	// with its literal ARN (ending in ".fifo") so that ITopic.Fifo() is true.
	// Default: - a new topic, encrypted with the bus's key, SSL-only.
	ExistingTopic awssns.ITopic

	// EncryptionKey encrypts every subscriber queue and dead-letter queue.
	// The subscriptions add a statement to its key policy that lets
	// sns.amazonaws.com (for this topic) deliver encrypted messages; an
	// imported key's policy cannot be changed, so it must already allow that.
	// The topic the bus creates always has a key of its own (TopicKey): one
	// key for both would make a dependency cycle (the key policy names the
	// topic, the topic names the key) under the recommended feature flag
	// @aws-cdk/aws-sns-subscriptions:restrictSqsDescryption.
	// Default: - a new customer managed key with yearly rotation.
	EncryptionKey awskms.IKey

	// AlarmAction is added to every alarm the bus's subscribers create.
	// Default: - no action; add one with Subscriber.Alarms[i].AddAlarmAction.
	AlarmAction awscloudwatch.IAlarmAction

	// TopicArnEnv is the environment variable BindPublisher sets to the
	// topic's ARN: a letter followed by letters, digits or _.
	// Default: "EVENT_TOPIC_ARN" (DefaultTopicArnEnv)
	TopicArnEnv *string
}

// config is Props with its defaults applied.
type config struct {
	fifo        bool
	topicArnEnv string
}

// validate records every problem of p and returns p with its defaults
// applied: FIFO follows ExistingTopic unless Fifo says otherwise.
func validate(c *propcheck.Problems, scope constructs.Construct, p *Props) config {
	cfg := config{fifo: p.Fifo != nil && *p.Fifo, topicArnEnv: propcheck.Or(p.TopicArnEnv, DefaultTopicArnEnv)}
	if t := p.ExistingTopic; t != nil {
		topicFifo := t.Fifo() != nil && *t.Fifo()
		switch {
		case p.Fifo == nil:
			cfg.fifo = topicFifo
		case cfg.fifo && !topicFifo:
			c.Add("Fifo", p.Fifo, "ExistingTopic %s is a standard topic (a FIFO topic's name ends in .fifo)", propcheck.Value(t.TopicArn()))
		case !cfg.fifo && topicFifo:
			c.Add("Fifo", p.Fifo, "ExistingTopic %s is a FIFO topic", propcheck.Value(t.TopicArn()))
		}
		if p.ContentBasedDeduplication != nil {
			c.Add("ContentBasedDeduplication", p.ContentBasedDeduplication, "configures only a topic the bus creates; set it on ExistingTopic itself")
		}
	}
	if p.ContentBasedDeduplication != nil && *p.ContentBasedDeduplication && !cfg.fifo {
		c.Add("ContentBasedDeduplication", p.ContentBasedDeduplication, "the bus is not FIFO (set Fifo: true)")
	}
	if propcheck.Known(p.TopicArnEnv) && !envName.MatchString(*p.TopicArnEnv) {
		c.Add("TopicArnEnv", p.TopicArnEnv, "must be a letter followed by letters, digits or _ (an environment variable name)")
	}
	return cfg
}

var envName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]+$`)

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
	// failures): returning an error retries the whole batch. An alias or a
	// version (awslambda.Alias, Function.CurrentVersion) is what the event
	// source mapping invokes, for a gradual rollout; the queue's visibility
	// timeout and the grants are the function's behind it.
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

// subscriberSpec is SubscriberProps with defaults applied.
type subscriberSpec struct {
	visibilitySeconds float64
	maxReceiveCount   *float64
	batchSize         *float64
	ageThreshold      awscdk.Duration
}

// handlerTimeoutSeconds reads the handler's timeout; ok is false when the
// handler is an imported IFunction, whose timeout the bus cannot know.
func handlerTimeoutSeconds(h awslambda.IFunction) (seconds float64, ok bool) {
	fn, isFunction := behind(h).(awslambda.Function)
	if !isFunction {
		return 0, false
	}
	t := fn.Timeout()
	if t == nil {
		return DefaultLambdaTimeoutSeconds, true
	}
	if *t.IsUnresolved() {
		return 0, false
	}
	return *t.ToSeconds(nil), true
}

// behind is the function an alias or a version invokes, or h itself.
func behind(h awslambda.IFunction) awslambda.IFunction {
	for {
		switch f := h.(type) {
		case awslambda.IAlias:
			h = f.Version()
		case awslambda.IVersion:
			h = f.Lambda()
		default:
			return h
		}
	}
}

func (b *EventBus) validateSubscriber(id string, p *SubscriberProps) subscriberSpec {
	c := propcheck.For("eventbus.AddSubscriber", b.Construct, id)
	seconds := func(d awscdk.Duration) float64 { return *d.ToSeconds(nil) }

	spec := subscriberSpec{
		maxReceiveCount: jsii.Number(DefaultMaxReceiveCount),
		batchSize:       jsii.Number(DefaultBatchSize),
		ageThreshold:    p.OldestMessageAgeThreshold,
	}
	if spec.ageThreshold == nil {
		spec.ageThreshold = awscdk.Duration_Minutes(jsii.Number(DefaultOldestMessageAgeMinutes))
	}

	c.Require("Handler", p.Handler, "the function that consumes the queue")

	// Visibility timeout against the handler's timeout.
	timeout, timeoutKnown := 0.0, false
	if p.Handler != nil {
		timeout, timeoutKnown = handlerTimeoutSeconds(p.Handler)
	}
	minVisibility := VisibilityTimeoutFactor * timeout
	spec.visibilitySeconds = VisibilityTimeoutFactor * UnknownHandlerTimeoutSeconds
	if timeoutKnown {
		spec.visibilitySeconds = minVisibility
	}
	if propcheck.Known(p.VisibilityTimeout) {
		v := seconds(p.VisibilityTimeout)
		spec.visibilitySeconds = v
		if timeoutKnown && v < minVisibility {
			c.Add("VisibilityTimeout", p.VisibilityTimeout, "below six times the handler's timeout (6 × %gs = %gs): messages would be retried while still being processed", timeout, minVisibility)
		}
		if v > 43200 {
			c.Add("VisibilityTimeout", p.VisibilityTimeout, "above SQS's maximum of 12 hours")
		}
	} else if timeoutKnown && spec.visibilitySeconds > 43200 {
		c.Add("Handler", *p.Handler.Node().Path(), "its timeout %gs needs a visibility timeout of %gs, above SQS's maximum of 12 hours", timeout, spec.visibilitySeconds)
	}

	if p.MaxReceiveCount != nil {
		spec.maxReceiveCount = p.MaxReceiveCount
	}
	if propcheck.Known(p.MaxReceiveCount) {
		if n := *p.MaxReceiveCount; n < 1 || n > 1000 || n != math.Trunc(n) {
			c.Add("MaxReceiveCount", n, "out of range: a whole number of receives from 1 to 1000")
		}
	}

	window, hasWindow := 0.0, propcheck.Known(p.MaxBatchingWindow)
	if hasWindow {
		window = seconds(p.MaxBatchingWindow)
		if b.fifo {
			c.Add("MaxBatchingWindow", p.MaxBatchingWindow, "set but the bus is FIFO: Lambda does not batch FIFO queues by time")
		}
		if window < 0 || window > 300 {
			c.Add("MaxBatchingWindow", p.MaxBatchingWindow, "out of range: 0 to 300 seconds")
		}
	}
	if p.BatchSize != nil {
		spec.batchSize = p.BatchSize
	}
	if propcheck.Known(p.BatchSize) {
		n := *p.BatchSize
		switch {
		case n != math.Trunc(n) || n < 1:
			c.Add("BatchSize", n, "out of range: a whole number of at least 1")
		case b.fifo && n > 10:
			c.Add("BatchSize", n, "above 10, the most Lambda takes from a FIFO queue")
		case n > 10000:
			c.Add("BatchSize", n, "above 10000, the most Lambda takes from a standard queue")
		case n > 10 && (p.MaxBatchingWindow == nil || (hasWindow && window < 1)):
			c.Add("BatchSize", n, "above 10: set MaxBatchingWindow to at least 1 second (got %s)", propcheck.Value(p.MaxBatchingWindow))
		}
	}

	if propcheck.Known(p.MaxConcurrency) {
		if n := *p.MaxConcurrency; n < 2 || n > 1000 || n != math.Trunc(n) {
			c.Add("MaxConcurrency", n, "out of range: a whole number from 2 to 1000")
		}
	}

	if p.EventTypes != nil {
		if len(p.EventTypes) == 0 {
			c.Add("EventTypes", p.EventTypes, "empty, which matches no event: leave it nil to receive every event")
		}
		if len(p.EventTypes) > 150 {
			c.Add("EventTypes", propcheck.Shown(fmt.Sprintf("(%d values)", len(p.EventTypes))), "above SNS's filter policy limit of 150")
		}
		for i, t := range p.EventTypes {
			if t == nil || (!propcheck.Unresolved(t) && strings.TrimSpace(*t) == "") {
				c.Add(fmt.Sprintf("EventTypes[%d]", i), t, "empty")
			}
		}
	}

	if propcheck.Known(p.OldestMessageAgeThreshold) && seconds(p.OldestMessageAgeThreshold) < 60 {
		c.Add("OldestMessageAgeThreshold", p.OldestMessageAgeThreshold, "below one minute, the resolution of SQS's age metric")
	}
	c.Panic()
	return spec
}
