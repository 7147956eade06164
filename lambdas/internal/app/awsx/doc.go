// Package awsx holds the small ports through which Stratus' Lambda functions talk to AWS,
// each next to its aws-sdk-go-v2 adapter:
//
//   - [Publisher] / [SNSPublisher]: publishes one event message to the EventBus topic
//     (message attributes `type` and `event_id`; MessageGroupId and MessageDeduplicationId on a
//     FIFO topic).
//   - [ObjectInspector] / [S3Objects]: HEADs an uploaded object (size and Content-Type).
//   - [Presigner] / [S3Objects]: presigns a PUT of a declared size and content type.
//   - [ParameterReader] / [SSMParameters]: reads configuration from SSM Parameter Store.
//
// The domain packages depend on the interfaces only; main packages build the adapters once, at
// cold start, from an [aws.Config]:
//
//	cfg, err := config.LoadDefaultConfig(ctx)
//	pub := awsx.NewSNSPublisher(sns.NewFromConfig(cfg), os.Getenv(contract.EnvEventTopicArn))
//	objs := awsx.NewS3Objects(s3.NewFromConfig(cfg))
//
// Every adapter is tested against a local HTTP server that checks the requests it sends
// (the SDK client pointed at it with BaseEndpoint, static credentials and a region).
package awsx
