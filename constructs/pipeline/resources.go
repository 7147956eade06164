package pipeline

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodestarnotifications"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/secure"
)

// createArtifactStore makes the artifact bucket: encrypted with a customer
// key (rotated), SSL-only, private, with server access logs. Because the key
// is a customer key, cross-account stages can be granted access to it.
func (p *Pipeline) createArtifactStore() {
	removal := p.removalPolicy()
	key := secure.Key(p.Construct, "ArtifactKey", "Encrypts the artifacts, builds and build logs of a CDK pipeline", removal)
	logs := secure.AccessLogsBucket(p.Construct, "AccessLogs", secure.AccessLogsProps{
		Expiration:    awscdk.Duration_Days(jsii.Number(365)),
		RemovalPolicy: removal,
	})
	bucket := secure.Bucket(p.Construct, "Artifacts", awss3.BucketProps{
		Encryption:             awss3.BucketEncryption_KMS,
		EncryptionKey:          key,
		BucketKeyEnabled:       jsii.Bool(true),
		ServerAccessLogsBucket: logs,
		ServerAccessLogsPrefix: jsii.String("artifacts/"),
		RemovalPolicy:          removal,
	})
	p.ArtifactKey = key
	p.ArtifactBucket = bucket
}

// createBuildLogs makes the log group every CodeBuild project of the
// pipeline writes to, encrypted with the artifact key.
func (p *Pipeline) createBuildLogs() {
	key := p.ArtifactKey
	secure.AllowLogs(key)
	retention := p.props.LogRetention
	if retention == "" {
		retention = awslogs.RetentionDays_THREE_MONTHS
	}
	p.BuildLogs = awslogs.NewLogGroup(p.Construct, jsii.String("BuildLogs"), &awslogs.LogGroupProps{
		Retention:     retention,
		EncryptionKey: key,
		RemovalPolicy: p.removalPolicy(),
	})
}

// createCodePipeline makes the underlying pipeline with the artifact bucket,
// so that it exists (ARN, notification rule) before CDK Pipelines fills it
// at synth. What CDK Pipelines would set on a pipeline it creates is set here
// too: restart on update (self-mutation), V2.
//
// CrossAccountKeys is always on: the artifact bucket's customer key serves
// cross-account stages, and the cross-region support stacks CodePipeline
// creates for a stage in another region get a (rotated) key too. Deciding it
// from the stages would be too late: the pipeline exists before AddStage.
func (p *Pipeline) createCodePipeline() {
	p.CodePipeline = awscodepipeline.NewPipeline(p.Construct, jsii.String("CodePipeline"), &awscodepipeline.PipelineProps{
		ArtifactBucket:           p.ArtifactBucket,
		CrossAccountKeys:         jsii.Bool(true),
		EnableKeyRotation:        jsii.Bool(true),
		PipelineType:             awscodepipeline.PipelineType_V2,
		RestartExecutionOnUpdate: jsii.Bool(true),
	})
}

// createNotifications sends failed executions and pending approvals to the
// topic. The rule's source is the underlying pipeline, which exists now, so
// the rule does not wait for CDK Pipelines to build.
func (p *Pipeline) createNotifications() {
	topic := p.props.ExistingNotificationTopic
	if topic == nil {
		key := secure.Key(p.Construct, "NotificationsKey", "Encrypts the notifications of a CDK pipeline", p.removalPolicy())
		created := awssns.NewTopic(p.Construct, jsii.String("Notifications"), &awssns.TopicProps{
			MasterKey:  key,
			EnforceSSL: jsii.Bool(true),
		})
		service := awsiam.NewServicePrincipal(jsii.String("codestar-notifications.amazonaws.com"), nil)
		key.Grant(service, jsii.String("kms:GenerateDataKey*"), jsii.String("kms:Decrypt"))
		created.GrantPublish(service)
		topic = created
	}
	p.NotificationTopic = topic
	awscodestarnotifications.NewNotificationRule(p.Construct, jsii.String("NotificationRule"), &awscodestarnotifications.NotificationRuleProps{
		Source:     p.CodePipeline,
		Events:     jsii.Strings(NotificationEvents()...),
		Targets:    &[]awscodestarnotifications.INotificationRuleTarget{topic},
		DetailType: awscodestarnotifications.DetailType_FULL,
	})
}
