package pipeline

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodecommit"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/propcheck"
)

// NotificationEvents are the event types the rule subscribes to. Each call
// returns a new slice.
func NotificationEvents() []string {
	return []string{
		"codepipeline-pipeline-pipeline-execution-failed",
		"codepipeline-pipeline-manual-approval-needed",
	}
}

// Pipeline is a self-mutating CDK pipeline: source → test and synth →
// UpdatePipeline → assets → each stage in the order of AddStage.
type Pipeline struct {
	constructs.Construct

	// CdkPipeline is the CDK Pipelines pipeline; it builds itself at synth.
	CdkPipeline pipelines.CodePipeline
	// CodePipeline is the underlying CodePipeline, usable before synth
	// (ARN, notifications, metrics); CDK Pipelines adds its stages at synth.
	CodePipeline awscodepipeline.Pipeline
	// Synth is the step that runs SynthOptions' commands and hands cdk.out
	// to the pipeline.
	Synth pipelines.CodeBuildStep
	// Repository is the CodeCommit repository (nil with a connection source).
	Repository awscodecommit.IRepository
	// ArtifactBucket holds the pipeline's artifacts, KMS-encrypted.
	ArtifactBucket awss3.IBucket
	// ArtifactKey encrypts the artifacts, the builds and their logs.
	ArtifactKey awskms.IKey
	// BuildLogs receives the logs of every CodeBuild project of the pipeline.
	BuildLogs awslogs.ILogGroup
	// NotificationTopic receives failed executions and pending approvals.
	NotificationTopic awssns.ITopic

	props    *Props
	source   pipelines.IFileSetProducer
	problems []string
	stages   []*stageEntry
}

type stageEntry struct {
	name     string
	opts     *StageOptions
	accounts []string
}

// New creates the pipeline in scope (whose stack needs an explicit account and
// region). Invalid props (and a stack without an environment) panic at once
// with one message listing every problem, like every other construct's.
// Stages are added with AddStage; their problems are only all known after
// the last one, so they fail the synth (app.Synth panics), all listed in one
// message.
func New(scope constructs.Construct, id string, props *Props) *Pipeline {
	if props == nil {
		props = &Props{}
	}
	c := propcheck.For("pipeline.New", scope, id)
	validate(c, scope, props)
	c.Panic()
	p := &Pipeline{Construct: constructs.NewConstruct(scope, jsii.String(id)), props: props}
	// Log delivery to the access-log bucket through a bucket policy (AWS's
	// recommendation, no ACLs), whatever the app's feature flags say.
	p.Node().SetContext(jsii.String("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"), true)
	p.registerValidation()

	p.createArtifactStore()
	p.createBuildLogs()
	p.createCodePipeline()
	source := p.createSource()
	p.createSynth(source)
	p.createCdkPipeline()
	p.createNotifications()
	p.registerSuppressions()
	return p
}

func (p *Pipeline) removalPolicy() awscdk.RemovalPolicy {
	return propcheck.OrIfZero(p.props.RemovalPolicy, awscdk.RemovalPolicy_RETAIN)
}
