package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/nag"
	"github.com/stratus-cdk/stratus/internal/synth/secure"
)

// AlarmEmailParameter is the logical id of the CloudFormation parameter that
// holds the on-call address of an OnCall stage's Data stack.
const AlarmEmailParameter = "AlarmEmail"

// alarmTo sends the alarm's state changes (into and out of ALARM) to topic.
func alarmTo(a awscloudwatch.Alarm, topic awssns.ITopic) {
	action := awscloudwatchactions.NewSnsAction(topic)
	a.AddAlarmAction(action)
	a.AddOkAction(action)
}

// newAlarmTopic is the stage's alarm topic, encrypted and SSL-only.
func newAlarmTopic(stack awscdk.Stack, cfg Config) (awssns.ITopic, awskms.Key) {
	key := secure.Key(stack, "AlarmKey", "Encrypts the "+cfg.Name+" alarm topic", cfg.RemovalPolicy)
	// CloudWatch publishes alarm notifications to the encrypted topic.
	key.GrantEncryptDecrypt(awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil))
	topic := awssns.NewTopic(stack, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("Stratus " + cfg.Name + " alarms"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	awscdk.NewCfnOutput(stack, jsii.String("AlarmTopicArn"), &awscdk.CfnOutputProps{
		Value:       topic.TopicArn(),
		Description: jsii.String("Subscribe the on-call pager or an email address to this topic"),
	})
	return topic, key
}

// emailOnCall subscribes the address in the AlarmEmail parameter to topic.
// The address is never in the repository: the parameter's default is the
// alarmEmail setting of the synth (empty without one), and an operator may
// set it at deploy time instead. CDK Pipelines passes no parameter values,
// so a pipeline-deployed stage relies on the default; an empty address
// leaves the subscription out (a condition) rather than failing the deploy.
// SNS mails the address a confirmation link first. (No synth warning
// without an address: the stage tests allow none, and the README says how
// to give one.)
func emailOnCall(stack awscdk.Stack, topic awssns.ITopic, address string) {
	param := awscdk.NewCfnParameter(stack, jsii.String(AlarmEmailParameter), &awscdk.CfnParameterProps{
		Type:        jsii.String("String"),
		Default:     jsii.String(address),
		Description: jsii.String("Email address the alarms of this stage page (empty: nobody). Default: the alarmEmail setting of the synth."),
		// CloudFormation's patterns are Java regular expressions.
		AllowedPattern:        jsii.String(`^$|^[^@\s]+@[^@\s]+\.[^@\s]+$`),
		ConstraintDescription: jsii.String("must be an email address, or empty"),
	})
	given := awscdk.NewCfnCondition(stack, jsii.String("AlarmEmailGiven"), &awscdk.CfnConditionProps{
		Expression: awscdk.Fn_ConditionNot(awscdk.Fn_ConditionEquals(param.ValueAsString(), jsii.String(""))),
	})
	sub := awssns.NewCfnSubscription(stack, jsii.String("AlarmEmailSubscription"), &awssns.CfnSubscriptionProps{
		TopicArn: topic.TopicArn(),
		Protocol: jsii.String("email"),
		Endpoint: param.ValueAsString(),
	})
	sub.CfnOptions().SetCondition(given)
	nag.Suppress(sub, nag.Rule("Serverless-SNSRedrivePolicy",
		"An email subscription: SNS retries email delivery itself (50 attempts over 6 hours), and a dead-letter queue "+
			"would hold pages nobody reads; the alarm stays in ALARM on the dashboard and in CloudWatch."))
}
