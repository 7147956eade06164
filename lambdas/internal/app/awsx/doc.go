// Package awsx holds the small ports through which Stratus' Lambda functions talk to AWS; each
// adapter lives in its own package, so a function links only the SDK clients it calls:
//
//   - [Publisher] / snsadapter.Publisher: publishes one event message to the EventBus topic
//     (message attributes `type` and `event_id`; MessageGroupId and MessageDeduplicationId on a
//     FIFO topic).
//   - [ObjectInspector] / s3adapter.Objects: HEADs an uploaded object (size and Content-Type).
//   - [Presigner] / s3adapter.Objects: presigns a PUT of a declared size and content type.
//   - [ParameterReader] / ssmadapter.Store: reads configuration from SSM Parameter Store (its own
//     JSON 1.1 client with the SDK's signer and retryer: service/ssm weighs 1.3 MB).
//
// The domain packages depend on the interfaces only; main packages build the adapters once, at
// cold start, from an aws.Config:
//
//	cfg, err := boot.AWS(ctx) // the environment's region, credentials, endpoints
//	pub := snsadapter.New(cfg, os.Getenv(contract.EnvEventTopicArn))
//	objs := s3adapter.New(s3.NewFromConfig(cfg))
//
// Every adapter is tested against a local HTTP server that checks the requests it sends
// (the SDK client pointed at it with BaseEndpoint, static credentials and a region), in this
// folder's tests.
package awsx
