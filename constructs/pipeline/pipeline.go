package pipeline

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodecommit"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configures a Pipeline. Exactly one of CodeCommit and Connection must
// be set.
type Props struct {
	// CodeCommit takes the source from a CodeCommit repository.
	// Default: - none; set this or Connection.
	CodeCommit *CodeCommitSource

	// Connection takes the source from GitHub, GitLab or Bitbucket through a
	// CodeStar (CodeConnections) connection.
	// Default: - none; set this or CodeCommit.
	Connection *ConnectionSource

	// Synth adjusts the build that synthesizes (and may test) the app.
	// Default: - `npm ci` then `npx cdk synth` on aws/codebuild/standard:7.0
	// with Go DefaultGoToolchain, see SynthOptions.
	Synth *SynthOptions

	// ExistingNotificationTopic receives the failed-execution and
	// approval-needed notifications. Its policy must let
	// codestar-notifications.amazonaws.com publish (and use its KMS key).
	// Default: - a KMS-encrypted, SSL-only topic is created.
	ExistingNotificationTopic awssns.ITopic

	// CliVersion pins the CDK CLI (npm aws-cdk) the self-mutation step runs.
	// Default: - the latest CLI, as CDK Pipelines does.
	CliVersion *string

	// LogRetention of the CodeBuild log group (every build of the pipeline).
	// Default: - awslogs.RetentionDays_THREE_MONTHS.
	LogRetention awslogs.RetentionDays

	// RemovalPolicy of the artifact and access-log buckets, the KMS keys and
	// the build log group.
	// Default: - awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// CodeCommitSource is a CodeCommit repository, brought or created.
type CodeCommitSource struct {
	// ExistingRepository is the repository to build.
	// Default: - a repository named RepositoryName is created.
	ExistingRepository awscodecommit.IRepository
	// RepositoryName of the repository to create (CodeCommit requires a
	// name). Only without ExistingRepository.
	// Default: - none; required without ExistingRepository.
	RepositoryName *string
	// Branch that triggers the pipeline.
	// Default: - "main".
	Branch *string
}

// ConnectionSource is a repository reached through a CodeStar connection.
type ConnectionSource struct {
	// ConnectionArn of the (already authorized) connection, e.g.
	// arn:aws:codestar-connections:eu-west-1:111111111111:connection/…
	ConnectionArn *string
	// Repo is "owner/repo".
	Repo *string
	// Branch that triggers the pipeline.
	// Default: - "main".
	Branch *string
}

// SynthOptions adjusts the synth step. The step runs InstallCommands, then
// Commands, and hands the cdk.out directory to the pipeline.
type SynthOptions struct {
	// BuildImage of the CodeBuild project. With a custom image the
	// buildspec's runtime-versions are left out: the image must bring Go (any
	// version that can switch toolchains, 1.21+) and Node.js.
	// Default: - awscodebuild.LinuxBuildImage_STANDARD_7_0().
	BuildImage awscodebuild.IBuildImage
	// ComputeType of the CodeBuild project.
	// Default: - awscodebuild.ComputeType_MEDIUM (the tests link CDK binaries).
	ComputeType awscodebuild.ComputeType
	// GoToolchain is exported as GOTOOLCHAIN: the image's Go downloads this
	// toolchain through the Go module proxy on first use (then cached).
	// Default: - DefaultGoToolchain.
	GoToolchain *string
	// InstallCommands run in the install phase, after the Go toolchain is
	// fetched: whatever Commands need beyond Go and Node.js.
	// Default: - DefaultInstallCommands: `npm ci`.
	InstallCommands *[]*string
	// Commands run in the build phase, e.g. the app's tests then its synth;
	// they must leave the cloud assembly in cdk.out.
	// Default: - DefaultCommands: `npx cdk synth`.
	Commands *[]*string
	// Env adds environment variables to the synth build.
	// Default: - only GOTOOLCHAIN and the cache locations.
	Env *map[string]*string
	// Timeout of the synth build.
	// Default: - 60 minutes.
	Timeout awscdk.Duration
}

// StageOptions adjusts the deployment of one stage.
type StageOptions struct {
	// ManualApproval adds an approval action before the stage deploys.
	// Default: - false.
	ManualApproval *bool
	// PostDeployChecks are shell commands run after the stage deployed; a
	// failing command fails the pipeline execution. A pointer, like CDK's own
	// command lists, so that jsii.Strings(...) fits.
	// Default: - no checks.
	PostDeployChecks *[]*string
	// CheckOutputs maps an environment variable name of PostDeployChecks to a
	// CfnOutput of a stack in the stage (e.g. "API_URL" → the API's URL).
	// Default: - no variables.
	CheckOutputs map[string]awscdk.CfnOutput
}

// Defaults documented on the props.
const (
	DefaultBranch      = "main"
	DefaultGoToolchain = "go1.26.8"
)

// DefaultInstallCommands prepare the synth build of a Go CDK app whose
// CDK CLI is pinned in package.json: they install the CLI (and any other npm
// dependency) from the lock file. Each call returns a new slice.
func DefaultInstallCommands() []string { return []string{"npm ci"} }

// DefaultCommands synthesize the app into cdk.out with the pinned CLI. An
// app that runs its tests in the pipeline puts them before the synth (see
// SynthOptions.Commands). Each call returns a new slice.
func DefaultCommands() []string { return []string{"npx cdk synth"} }

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
	checkProps(scope, id, props)
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
	if p.props.RemovalPolicy != "" {
		return p.props.RemovalPolicy
	}
	return awscdk.RemovalPolicy_RETAIN
}

func orDefault(s *string, def string) *string {
	if s == nil || *s == "" {
		return jsii.String(def)
	}
	return s
}
