package eventbus

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3notifications"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/propcheck"
	"github.com/stratus-cdk/stratus/internal/synth/secure"
)

// TypeAttribute is the SNS message attribute (String) that carries an
// event's type. Subscribers with EventTypes filter on it; with raw message
// delivery it arrives as an SQS message attribute of the same name.
const TypeAttribute = "type"

// EventBus is an SNS topic that fans events out to one SQS queue per
// subscriber, each consumed by a Lambda function. To add constructs of your
// own under it, use bus.Construct as their scope (jsii cannot take the Go
// struct that embeds it).
type EventBus struct {
	constructs.Construct

	// Topic receives the events; let a publisher use it with GrantPublish
	// and BindPublisher.
	Topic awssns.ITopic
	// Key encrypts every subscriber queue and dead-letter queue.
	Key awskms.IKey
	// TopicKey encrypts the topic: a key the bus creates (rotation on), or
	// ExistingTopic's MasterKey (nil when that topic does not know it).
	TopicKey awskms.IKey

	// Subscribers in the order AddSubscriber created them.
	Subscribers []*Subscriber

	fifo        bool
	alarmAction awscloudwatch.IAlarmAction
	topicArnEnv string
	s3KeyGrant  bool
}

// New creates the bus. It panics with one message listing every invalid
// prop.
func New(scope constructs.Construct, id string, props *Props) *EventBus {
	if props == nil {
		props = &Props{}
	}
	c := propcheck.For("eventbus.New", scope, id)
	cfg := validate(c, scope, props)
	c.Panic()
	b := &EventBus{
		Construct:   constructs.NewConstruct(scope, jsii.String(id)),
		fifo:        cfg.fifo,
		alarmAction: props.AlarmAction,
		topicArnEnv: cfg.topicArnEnv,
	}
	b.Key = props.EncryptionKey
	if b.Key == nil {
		b.Key = b.createKey("Key", "Encrypts the subscriber queues of the event bus "+*b.Node().Path())
	}
	if props.ExistingTopic != nil {
		b.Topic = props.ExistingTopic
		b.TopicKey = props.ExistingTopic.MasterKey()
	} else {
		b.TopicKey = b.createKey("TopicKey", "Encrypts the topic of the event bus "+*b.Node().Path())
		b.Topic = b.createTopic(props)
	}
	return b
}

func (b *EventBus) createKey(id, description string) awskms.IKey {
	return secure.Key(b.Construct, id, description, "")
}

func (b *EventBus) createTopic(p *Props) awssns.ITopic {
	props := &awssns.TopicProps{
		MasterKey:  b.TopicKey,
		EnforceSSL: jsii.Bool(true),
	}
	if b.fifo {
		props.Fifo = jsii.Bool(true)
		props.ContentBasedDeduplication = p.ContentBasedDeduplication
	}
	return awssns.NewTopic(b.Construct, jsii.String("Topic"), props)
}

// Fifo reports whether the topic and the queues are FIFO.
func (b *EventBus) Fifo() bool { return b.fifo }

// AddBucketNotifications publishes an event to the topic for every object
// created in bucket (under prefix, when not nil). The message is S3's event
// notification JSON and carries no "type" attribute, so only subscribers
// without EventTypes receive it. S3 cannot publish to a FIFO topic: on a
// FIFO bus this panics.
//
// On an encrypted topic S3 must be able to use the topic's key, or S3 drops
// the notifications without an error anywhere; the bus adds that statement to
// its key's policy (see the package doc).
func (b *EventBus) AddBucketNotifications(bucket awss3.IBucket, prefix *string) {
	if b.fifo {
		c := propcheck.On("eventbus.AddBucketNotifications", b.Construct)
		c.Add("Fifo", true, "S3 event notifications cannot target a FIFO topic; use a standard bus for bucket events")
		c.Panic()
	}
	b.allowS3OnKey()
	var filters []*awss3.NotificationKeyFilter
	if prefix != nil {
		filters = append(filters, &awss3.NotificationKeyFilter{Prefix: prefix})
	}
	bucket.AddEventNotification(awss3.EventType_OBJECT_CREATED, awss3notifications.NewSnsDestination(b.Topic), filters...)
}

// s3TrustKeyFlag makes aws-cdk-lib add its own, unconditioned, key statement
// for S3 when a bucket notifies an encrypted topic.
const s3TrustKeyFlag = "@aws-cdk/s3-notifications:addS3TrustKeyPolicyForSnsSubscriptions"

// allowS3OnKey lets Amazon S3 encrypt the messages it publishes to the
// topic: the statement AWS documents for AWS services publishing to an
// encrypted topic (SNS's "compatibility between event sources from AWS
// services and encrypted topics"), for the buckets of this account only. S3
// calls KMS on behalf of the bucket's owner, so the request carries the
// global keys aws:SourceAccount and aws:SourceArn; aws:SourceAccount keeps
// another account's bucket (a confused deputy) from using the key, for every
// bucket AddBucketNotifications adds, however many. Which buckets may publish
// is restricted further by the topic policy (aws:SourceArn of each bucket),
// which SnsDestination adds.
func (b *EventBus) allowS3OnKey() {
	if b.s3KeyGrant || b.TopicKey == nil {
		return
	}
	b.s3KeyGrant = true
	res := b.TopicKey.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("S3NotificationsOfThisAccount"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("s3.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:GenerateDataKey", "kms:Decrypt"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Stack_Of(b.Construct).Account()}},
	}), jsii.Bool(true))
	if on := awscdk.FeatureFlags_Of(b.Construct).IsEnabled(jsii.String(s3TrustKeyFlag)); on != nil && *on {
		awscdk.Annotations_Of(b.Construct).AddWarningV2(jsii.String("stratus:eventbus:s3TrustKeyFlag"), jsii.String(
			"the feature flag "+s3TrustKeyFlag+" adds a key statement for s3.amazonaws.com without any condition beside the bus's "+
				"own (aws:SourceAccount): set it to false in cdk.json"), nil)
	}
	if res == nil || res.StatementAdded == nil || !*res.StatementAdded {
		awscdk.Annotations_Of(b.Construct).AddWarningV2(jsii.String("stratus:eventbus:s3KeyPolicy"), jsii.String(
			"the topic's KMS key is imported, so its key policy cannot be changed: it must allow the service principal "+
				"s3.amazonaws.com kms:GenerateDataKey and kms:Decrypt, or S3 notifications are dropped"), nil)
	}
}
