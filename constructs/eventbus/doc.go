// Package eventbus fans events out from one SNS topic to one SQS queue per
// subscriber, each consumed by a Lambda function, so that slow or failing
// work is decoupled from the code that publishes it and nothing is lost.
//
//	bus := eventbus.New(stack, "Events", nil)
//	bus.GrantPublish(api)                     // sns:Publish + KMS; any awsiam.IGrantable
//	bus.BindPublisher(api)                    // EVENT_TOPIC_ARN on the function
//	bus.AddSubscriber("Thumbnails", &eventbus.SubscriberProps{
//		Handler:    worker,
//		EventTypes: *jsii.Strings("upload.created"),
//	})
//	bus.AddBucketNotifications(uploads, jsii.String("uploads/"))
//
// # What the bus creates
//
//   - A customer managed KMS key with rotation (Key, or Props.EncryptionKey)
//     for every queue and dead-letter queue, whose policy lets
//     sns.amazonaws.com deliver encrypted messages from this topic.
//   - The topic (or Props.ExistingTopic), encrypted with a second key with
//     rotation (TopicKey), whose policy denies publishing without TLS
//     (aws:SecureTransport). Two keys, because one key for both forms a
//     dependency cycle (key policy → topic ARN → key) under the recommended
//     feature flag @aws-cdk/aws-sns-subscriptions:restrictSqsDescryption.
//
// Per subscriber (AddSubscriber):
//
//   - A queue subscribed to the topic with raw message delivery, and with an
//     SNS filter policy on the "type" message attribute when EventTypes is
//     set. Its policy denies every request without TLS.
//   - A dead-letter queue (retention 14 days) that holds both kinds of
//     failure: messages received MaxReceiveCount times (default 5) without
//     success, and messages SNS could not deliver to the queue (the
//     subscription's redrive policy; the queue policy lets sns.amazonaws.com
//     send to it for this topic only).
//   - A visibility timeout of six times the handler's timeout unless set
//     (and never less: that is a validation error).
//   - An event source mapping with ReportBatchItemFailures, so the handler
//     returns the ids of the failed messages in an events.SQSEventResponse
//     and only those are retried.
//   - Two alarms: any message in the dead-letter queue, and the oldest
//     message waiting longer than OldestMessageAgeThreshold (default 15
//     minutes). Props.AlarmAction is added to both. The Metric…(opts)
//     methods on the bus and on each Subscriber feed dashboards; opts
//     override each metric's default statistic and period.
//
// # Publishers
//
// GrantPublish(grantee) takes any awsiam.IGrantable (a function, a role, a
// user) and returns the awsiam.Grant, like aws-cdk-lib's grants: sns:Publish on
// the topic and kms:GenerateDataKey plus kms:Decrypt on its key. It sets no
// environment variable. BindPublisher(fn) is the other half for a Lambda
// function: it sets EVENT_TOPIC_ARN (Props.TopicArnEnv) and grants nothing.
//
// # Wire format
//
// Publishers call sns:Publish on the topic in EVENT_TOPIC_ARN with the event
// (JSON) as the message and its type as the String message attribute "type"
// (TypeAttribute). With raw message delivery the SQS record's body is exactly
// the published message, and "type" arrives as the SQS message attribute
// "type" (events.SQSMessage.MessageAttributes["type"].StringValue): there is
// no SNS envelope to unwrap. On a FIFO bus publishers also set
// MessageGroupId (ordering is per group) and MessageDeduplicationId (the
// event id); content-based deduplication is off unless
// Props.ContentBasedDeduplication is set.
//
// Messages that SNS could not deliver reach the dead-letter queue without
// having been in the subscriber's queue, so redrive the dead-letter queue to
// the subscriber's queue explicitly (StartMessageMoveTask with
// DestinationArn = the queue), not "to the source queue".
//
// # S3 notifications
//
// AddBucketNotifications publishes S3's ObjectCreated notification JSON
// (with its "Records" array) to the topic. S3 sets no "type" message
// attribute, so these events reach only subscribers WITHOUT EventTypes;
// a subscriber with EventTypes never sees them. Give bucket events their own
// unfiltered subscriber, or a separate bus. S3 cannot publish to a FIFO topic,
// so AddBucketNotifications panics on a FIFO bus.
//
// S3 publishes to an encrypted topic only if the topic's key policy lets the
// service principal s3.amazonaws.com call kms:GenerateDataKey and
// kms:Decrypt; without it S3 drops the notifications with no error anywhere.
// The statement is conditioned on aws:SourceAccount (this stack's account):
// another account's bucket cannot use the key.
// AddBucketNotifications adds that statement to TopicKey (a warning is added
// at synth when it cannot: an ExistingTopic with an imported key). Likewise
// an imported Props.EncryptionKey must already let sns.amazonaws.com call
// kms:GenerateDataKey and kms:Decrypt, or SNS cannot deliver to the queues.
//
// # Validation
//
// New and AddSubscriber check their props before creating anything and
// panic with one message that names every problem: a FIFO mismatch
// (Fifo against a standard ExistingTopic or the reverse,
// ContentBasedDeduplication without FIFO), a visibility timeout below six
// times the handler's timeout, MaxReceiveCount outside 1–1000, BatchSize
// outside 1–10 (FIFO) or 1–10000 (standard, above 10 only with a
// MaxBatchingWindow of at least a second), a batching window on a FIFO bus or
// above 300 seconds, MaxConcurrency outside 2–1000, an empty EventTypes.
// Unresolved tokens are not checked.
//
// # cdk-nag
//
// A bus with subscribers passes the AwsSolutions and Serverless packs. The
// construct suppresses, with reasons: Serverless-SQSRedrivePolicy on each
// dead-letter queue (it is the end of the line), Serverless-
// LambdaEventSourceMappingDestination on each event source mapping (Lambda
// has no on-failure destination for SQS; the queue's DLQ is), and
// Serverless-LambdaDLQ on each handler (the mapping invokes it
// synchronously; an asynchronous-invocation DLQ would stay empty). A
// handler that is also invoked asynchronously elsewhere should get a Lambda
// DLQ or an on-failure destination regardless.
//
// AddBucketNotifications makes aws-cdk-lib add its BucketNotificationsHandler
// singleton function to the stack, whose role uses the AWS managed
// AWSLambdaBasicExecutionRole policy (AwsSolutions-IAM4 with appliesTo
// "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole").
// The bus does not suppress it: a stack-level suppression would also hide
// that policy on any other role of the stack, so the stack decides.
package eventbus
