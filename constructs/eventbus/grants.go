package eventbus

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// GrantPublish lets grantee (a function, a role, a user…) publish to the
// topic: sns:Publish on it, and on an encrypted topic kms:GenerateDataKey and
// kms:Decrypt on its key (the two actions SNS needs from a publisher, without
// the GenerateDataKey* wildcard of ITopic.GrantPublish). It returns the
// statements added, as one Grant. It sets no environment variable: a
// function also needs BindPublisher to find the topic.
func (b *EventBus) GrantPublish(grantee awsiam.IGrantable) awsiam.Grant {
	grant := awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings("sns:Publish"),
		ResourceArns: &[]*string{b.Topic.TopicArn()},
	})
	if b.TopicKey != nil {
		grant = grant.Combine(b.TopicKey.Grant(grantee, jsii.String("kms:GenerateDataKey"), jsii.String("kms:Decrypt")))
	}
	return grant
}

// BindPublisher hands fn the topic: it sets the environment variable
// Props.TopicArnEnv (EVENT_TOPIC_ARN by default) to the topic's ARN. It
// grants nothing: call GrantPublish(fn) too.
func (b *EventBus) BindPublisher(fn awslambda.Function) {
	fn.AddEnvironment(jsii.String(b.topicArnEnv), b.Topic.TopicArn(), nil)
}
