package nag

import "github.com/cdklabs/cdk-nag-go/cdknag/v2"

// Suppressions that recur across constructs and stacks, each with one
// wording. Use these instead of restating the reason.

// NoDLQCustomResource excuses Serverless-LambdaDLQ on a CloudFormation
// custom-resource handler (and the provider framework's functions).
func NoDLQCustomResource() *cdknag.NagPackSuppression {
	return Rule("Serverless-LambdaDLQ",
		"A CloudFormation custom-resource handler, invoked synchronously once per deploy: a failure fails and rolls back "+
			"the deployment, so there is no event to keep in a dead-letter queue.")
}

// NoDLQSynchronous excuses Serverless-LambdaDLQ on a function that is only
// invoked synchronously (API Gateway): the caller gets every error.
func NoDLQSynchronous() *cdknag.NagPackSuppression {
	return Rule("Serverless-LambdaDLQ",
		"Invoked synchronously only: the caller receives every error, and a Lambda dead-letter queue applies to "+
			"asynchronous invocations alone.")
}

// NoDLQQueueConsumer excuses Serverless-LambdaDLQ on the handler of an SQS
// event source mapping, whose queue has its own dead-letter queue.
func NoDLQQueueConsumer() *cdknag.NagPackSuppression {
	return Rule("Serverless-LambdaDLQ",
		"Invoked synchronously by an SQS event source mapping: a failing message is retried from its queue and then "+
			"moved to the queue's dead-letter queue, which alarms; a Lambda dead-letter queue would never receive it.")
}

// NoDLQTargetHasDLQ excuses Serverless-LambdaDLQ on a function invoked by
// an EventBridge target that has its own dead-letter queue.
func NoDLQTargetHasDLQ() *cdknag.NagPackSuppression {
	return Rule("Serverless-LambdaDLQ",
		"Invoked asynchronously by an EventBridge target that has its own retry policy and dead-letter queue; "+
			"a Lambda dead-letter queue would duplicate it.")
}

// AccessLogDestination excuses AwsSolutions-S1 on a bucket that receives
// other buckets' (or CloudFront's) access logs.
func AccessLogDestination() *cdknag.NagPackSuppression {
	return Rule("AwsSolutions-S1",
		"This bucket is an access-log destination; logging its own access would log every log delivery.")
}
