// Package pipeline is a self-mutating CDK pipeline (CDK Pipelines) that
// tests and synthesizes the app, then deploys its stages in order.
//
//	source → Build (npm ci, npx cdk synth) → UpdatePipeline (SelfMutate) → [Assets] → stage 1 → stage 2 …
//
// Usage, in a stack with an explicit account and region:
//
//	p := pipeline.New(stack, "Pipeline", &pipeline.Props{
//		Connection: &pipeline.ConnectionSource{
//			ConnectionArn: jsii.String("arn:aws:codestar-connections:eu-west-1:111111111111:connection/…"),
//			Repo:          jsii.String("stratus-cdk/stratus"),
//		},
//	})
//	p.AddStage(staging, &pipeline.StageOptions{
//		PostDeployChecks: jsii.Strings(`curl -fsS "$API_URL/health"`),
//		CheckOutputs:     map[string]awscdk.CfnOutput{"API_URL": apiURLOutput},
//	})
//	p.AddStage(prod, &pipeline.StageOptions{ManualApproval: jsii.Bool(true)})
//
// # Source
//
// Exactly one of Props.CodeCommit (an existing repository, or one created
// with RepositoryName) and Props.Connection (a CodeStar/CodeConnections
// connection to GitHub, GitLab or Bitbucket: its ARN, "owner/repo", branch).
// The connection must have been authorized in the console once.
//
// # Synth step
//
// A CodeBuild project (aws/codebuild/standard:7.0, MEDIUM) runs the install
// commands, then the build commands, and hands cdk.out to the pipeline. The
// defaults suit any Go CDK app whose CDK CLI is pinned in package.json:
// `npm ci` (DefaultInstallCommands()), then `npx cdk synth` (DefaultCommands()).
// An app that tests in the pipeline, or needs system packages for its tests,
// says so in Props.Synth (InstallCommands, Commands): the reference app of
// this repository runs `make test` then `make synth` and installs PostgreSQL
// and a Chromium first (stacks/build.go).
//
// The image's Go is only a bootstrap: GOTOOLCHAIN=go1.26.8
// (SynthOptions.GoToolchain) makes it download that toolchain through the Go
// module proxy (proxy.golang.org, the golang.org/toolchain module) on the
// first `go` command, which the install phase runs as `go version`, before
// the install commands. The Go module cache, the Go build cache and the npm
// cache (GOMODCACHE=/root/go/pkg/mod, GOCACHE=/root/.cache/go-build,
// npm_config_cache=/root/.npm) persist between builds in an S3 cache under
// cache/synth/ of the artifact bucket. Override any of it with Props.Synth.
//
// # Security
//
//   - Artifacts: an S3 bucket encrypted with a customer-managed KMS key
//     (rotation on), SSL-only, public access blocked, server access logs to a
//     second bucket (SSE-S3, SSL-only, logs kept 365 days).
//   - Builds: every CodeBuild project of the pipeline (synth, self-mutation,
//     assets, checks) is encrypted with the artifact key (CodeBuild takes the
//     artifact bucket's key when CodePipeline binds the project) and logs to
//     one CloudWatch log group, encrypted with that key, kept LogRetention.
//   - Cross-account: CrossAccountKeys is always on. The artifact bucket has a
//     customer key in any case, so a stage in another account only adds that
//     account's CDK deploy role to the key and bucket policies; and the
//     cross-region support stacks CodePipeline creates for a stage in another
//     region get a rotated key too. Deciding it from the stages instead would
//     come too late: the underlying pipeline exists before the first AddStage.
//     Target accounts must be bootstrapped trusting the pipeline's account
//     (`cdk bootstrap --trust 111111111111 aws://222222222222/eu-west-1`).
//
// # Stages
//
// AddStage deploys a stage after the ones added before it; its stacks deploy
// in dependency order with change sets. StageOptions.ManualApproval adds an
// approval action before them; PostDeployChecks run after them in a CodeBuild
// shell step, with CheckOutputs' stack outputs as environment variables. The
// stage must be complete when added (CDK Pipelines synthesizes it then).
//
// # Drift check
//
// StageOptions.DriftCheck adds a CodeBuild step before the stage's deploy
// actions (after its approval): the caller's commands run on the synth step's
// image and Go toolchain, in the source checkout with the synthesized cloud
// assembly at cdk.out, and a failing command stops the release. The step is
// told DRIFT_ROLE_ARN, DRIFT_ACCOUNT and DRIFT_REGION: the target account's
// CDK bootstrap lookup role (cdk-hnb659fds-lookup-role-ACCOUNT-REGION,
// ReadOnlyAccess), which is the only thing its own role may do (one
// sts:AssumeRole statement on that ARN). Drift detection reads every resource
// with the caller's permissions, so the checks run as that role; the target
// account and region default to the stage's, else the pipeline's, and the
// target must be bootstrapped trusting the pipeline's account (--trust or
// --trust-for-lookup). This repository's commands are cmd/drift's.
//
// # Notifications
//
// A CodeStar notification rule on the pipeline sends failed executions and
// pending approvals (NotificationEvents) to Props.ExistingNotificationTopic
// or to a topic New creates (KMS-encrypted, SSL-only, publishable by
// codestar-notifications.amazonaws.com). NotificationTopic exposes it: add
// subscriptions there. The rule is attached to the underlying pipeline,
// which exists from New on, so nothing waits for CDK Pipelines to build.
//
// # Validation
//
// New checks its props before it creates anything and panics with one
// message naming the construct path, each prop and its value: no source or
// two sources, an incomplete source, a malformed connection ARN, repository
// or GOTOOLCHAIN, empty Synth.Commands, and a stack without an explicit
// account and region. The stages' problems are only all known after the last
// AddStage (a stage with an account but no region, check outputs of another
// stage or without checks, a drift check without commands or with a malformed
// account, region or qualifier, an approval on the only stage of a pipeline,
// which has no earlier deployment to approve): they are checked when the app
// synthesizes, and app.Synth panics with CDK's "Validation failed" message
// listing every one. A stage with a problem is not added to the pipeline.
//
// # cdk-nag
//
// The pipeline stack passes AwsSolutions with the IAM5 findings of the
// policies CDK Pipelines and CodePipeline generate suppressed, each by
// appliesTo with its reason: grants on the artifact bucket's objects and key,
// CodeBuild's per-project log-group and report-group grants, the
// self-mutation step's assumption of CDK bootstrap roles (tag-conditioned)
// and its read-only DescribeStacks/ListBucket on *. An aspect attaches them
// as CDK Pipelines creates those policies at synth, before cdk-nag runs.
package pipeline
