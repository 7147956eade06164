package pipeline

import (
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodecommit"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/stratus-cdk/stratus/internal/synth/propcheck"
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
	// DriftCheck runs CloudFormation drift detection on the stage's stacks
	// before they deploy (after ManualApproval, if any); a failing command
	// fails the release.
	// Default: - no drift check.
	DriftCheck *DriftCheck
}

// DriftCheck is a CodeBuild step before a stage's deploy that checks its
// deployed stacks for drift. It runs on the synth step's image and Go
// toolchain, in the source checkout with the synthesized cloud assembly at
// cdk.out, with DRIFT_ROLE_ARN (the target account's CDK lookup role, which
// the step may assume and nothing else), DRIFT_ACCOUNT and DRIFT_REGION set.
type DriftCheck struct {
	// Commands check the stage, e.g. `go run ./cmd/drift -role-arn
	// "$DRIFT_ROLE_ARN" Prod`; a failing command fails the release. A
	// pointer, like CDK's own command lists.
	// Default: - none; required.
	Commands *[]*string
	// Account the stage's stacks are deployed in: the lookup role assumed
	// is that account's.
	// Default: - the stage's account, else the pipeline's.
	Account *string
	// Region of the lookup role (its name carries the bootstrapped region;
	// the role itself, ReadOnlyAccess, reads every region).
	// Default: - the stage's region, else the pipeline's.
	Region *string
	// BootstrapQualifier of the target account's CDK bootstrap.
	// Default: - DefaultBootstrapQualifier.
	BootstrapQualifier *string
}

// Defaults documented on the props.
const (
	DefaultBranch      = "main"
	DefaultGoToolchain = "go1.26.8"
	// DefaultBootstrapQualifier is `cdk bootstrap`'s default qualifier.
	DefaultBootstrapQualifier = "hnb659fds"
)

// DefaultInstallCommands prepare the synth build of a Go CDK app whose
// CDK CLI is pinned in package.json: they install the CLI (and any other npm
// dependency) from the lock file. Each call returns a new slice.
func DefaultInstallCommands() []string { return []string{"npm ci"} }

// DefaultCommands synthesize the app into cdk.out with the pinned CLI. An
// app that runs its tests in the pipeline puts them before the synth (see
// SynthOptions.Commands). Each call returns a new slice.
func DefaultCommands() []string { return []string{"npx cdk synth"} }

var (
	envName        = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	repoName       = regexp.MustCompile(`^[\w.-]{1,100}$`)
	connectionArn  = regexp.MustCompile(`^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection/[\w-]+$`)
	fullRepoID     = regexp.MustCompile(`^[^/\s]+(/[^/\s]+)+$`)
	accountID      = regexp.MustCompile(`^\d{12}$`)
	qualifier      = regexp.MustCompile(`^[a-z0-9]{1,10}$`)
	regionName     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)
	toolchainValue = regexp.MustCompile(`^(go1\.\d+(\.\d+)?((rc|beta)\d+)?|local)(\+(auto|path))?$`)
)

// validate records every problem of props and of the stack the pipeline
// goes in.
func validate(c *propcheck.Problems, scope constructs.Construct, props *Props) {
	cc, conn := props.CodeCommit, props.Connection
	switch {
	case cc == nil && conn == nil:
		c.Add("CodeCommit", nil, "no source: set CodeCommit or Connection")
	case cc != nil && conn != nil:
		c.Add("Connection", propcheck.Shown("(set)"), "two sources: set only one of CodeCommit and Connection")
	}
	if cc != nil {
		switch {
		case cc.ExistingRepository != nil && cc.RepositoryName != nil:
			c.Add("CodeCommit.RepositoryName", cc.RepositoryName, "set ExistingRepository or RepositoryName, not both")
		case cc.ExistingRepository == nil && cc.RepositoryName == nil:
			c.Add("CodeCommit.RepositoryName", nil, "required without ExistingRepository: the name of the repository to create")
		case propcheck.Known(cc.RepositoryName) && (!repoName.MatchString(*cc.RepositoryName) || strings.HasSuffix(*cc.RepositoryName, ".git")):
			c.Add("CodeCommit.RepositoryName", cc.RepositoryName, "use 1-100 letters, digits, '.', '_' or '-', not ending in .git")
		}
	}
	if conn != nil {
		if c.Require("Connection.ConnectionArn", conn.ConnectionArn, "the ARN of an authorized CodeStar connection") &&
			!propcheck.Unresolved(conn.ConnectionArn) && !connectionArn.MatchString(*conn.ConnectionArn) {
			c.Add("Connection.ConnectionArn", conn.ConnectionArn, "not a CodeStar connection ARN (arn:aws:codestar-connections:<region>:<account>:connection/<id>)")
		}
		if c.Require("Connection.Repo", conn.Repo, `"owner/repo"`) &&
			!propcheck.Unresolved(conn.Repo) && !fullRepoID.MatchString(*conn.Repo) {
			c.Add("Connection.Repo", conn.Repo, `not "owner/repo"`)
		}
	}
	if s := props.Synth; s != nil {
		if s.Commands != nil && len(*s.Commands) == 0 {
			c.Add("Synth.Commands", s.Commands, "empty: nothing would produce cdk.out")
		}
		if propcheck.Known(s.GoToolchain) && !toolchainValue.MatchString(*s.GoToolchain) {
			c.Add("Synth.GoToolchain", s.GoToolchain, "not a GOTOOLCHAIN value like %q", DefaultGoToolchain)
		}
	}
	if stack := awscdk.Stack_Of(scope); propcheck.Unresolved(stack.Account()) || propcheck.Unresolved(stack.Region()) {
		c.Add("scope", *stack.Node().Path(), "a CDK pipeline's stack needs an explicit Env (account and region)")
	}
}
