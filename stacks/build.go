package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/pipeline"
	"github.com/stratus-cdk/stratus/internal/nag"
)

// DefaultRegion is used when neither CDK context nor CDK_DEFAULT_REGION
// names one: stacks that refer across regions (the site's us-east-1 web
// ACL) need a concrete region to synthesize offline.
const DefaultRegion = "eu-west-1"

// Options are what main.go reads from CDK context and the environment.
type Options struct {
	// Account and Region of every stage and of the pipeline. Without an
	// account the stages are account-agnostic and there is no pipeline
	// (CDK Pipelines needs to know its account). Region defaults to
	// DefaultRegion.
	Account, Region string
	// Source of the pipeline: a CodeStar connection to Repo ("owner/repo")
	// when ConnectionArn is set, otherwise a CodeCommit repository named
	// "stratus" that the pipeline stack creates.
	ConnectionArn, Repo, Branch string
}

// App is everything Build made.
type App struct {
	Dev, Staging, Prod *Stage
	// Pipeline deploys Staging, then Prod after an approval; nil without
	// an account.
	Pipeline *pipeline.Pipeline
	// Stacks is every stack of the app, in creation order.
	Stacks []awscdk.Stack
}

// Build composes the whole application into app: the Dev stage for
// engineers' own `cdk deploy`, the Staging and Prod stages with the
// pipeline that deploys them, and the compliance checks every stack must
// pass (an unsuppressed cdk-nag error fails `cdk synth`).
func Build(app awscdk.App, opts Options) *App {
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	env := &awscdk.Environment{Region: jsii.String(opts.Region)}
	if opts.Account != "" {
		env.Account = jsii.String(opts.Account)
	}
	out := &App{
		Dev:     NewStage(app, Dev, env),
		Staging: NewStage(app, Staging, env),
		Prod:    NewStage(app, Prod, env),
	}
	// The compliance checks, on the app (the pipeline's stack) and on each
	// stage: aspects stop at a Stage's boundary, and CDK Pipelines
	// synthesizes a stage as soon as it is added, so the packs go on before
	// the pipeline exists.
	nag.Check(app, nag.AwsSolutions, nag.Serverless)
	for _, s := range []*Stage{out.Dev, out.Staging, out.Prod} {
		nag.Check(s.Stage, nag.AwsSolutions, nag.Serverless)
		out.Stacks = append(out.Stacks, s.Stacks()...)
	}
	if opts.Account != "" {
		stack := awscdk.NewStack(app, jsii.String("Pipeline"), &awscdk.StackProps{
			Env:         env,
			Description: jsii.String("Stratus: the pipeline that tests, synthesizes and deploys Staging then Prod"),
		})
		out.Pipeline = newPipeline(stack, opts, out.Staging, out.Prod)
		out.Stacks = append(out.Stacks, stack)
	}
	return out
}

// synthInstallCommands install what `make test` needs on the pipeline's
// aws/codebuild/standard:7.0 image (Ubuntu 22.04): PostgreSQL for the store
// tests and a Chromium for the browser tests. Ubuntu 22.04 ships Chromium
// only as a snap, which does not run in CodeBuild, so the image's Google
// Chrome is made available as `chromium` unless one is installable.
var synthInstallCommands = []string{
	"apt-get update -y",
	"DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql",
	`command -v chromium >/dev/null || apt-get install -y --no-install-recommends chromium || ln -sf "$(command -v google-chrome || command -v google-chrome-stable)" /usr/local/bin/chromium`,
	"chromium --version",
}

// synthCommands are this app's build: every test (the README's `make test`,
// release-safety checks included), then `make synth`, which installs the
// pinned CDK CLI and the web app's dependencies itself and leaves cdk.out.
var synthCommands = []string{"make test", "make synth"}

// newPipeline deploys staging, checks its health through the site, and
// deploys prod after a manual approval.
func newPipeline(stack awscdk.Stack, opts Options, staging, prod *Stage) *pipeline.Pipeline {
	props := &pipeline.Props{
		Synth: &pipeline.SynthOptions{
			InstallCommands: jsii.Strings(synthInstallCommands...),
			Commands:        jsii.Strings(synthCommands...),
		},
	}
	if opts.ConnectionArn != "" {
		props.Connection = &pipeline.ConnectionSource{
			ConnectionArn: jsii.String(opts.ConnectionArn),
			Repo:          jsii.String(opts.Repo),
		}
		if opts.Branch != "" {
			props.Connection.Branch = jsii.String(opts.Branch)
		}
	} else {
		props.CodeCommit = &pipeline.CodeCommitSource{RepositoryName: jsii.String("stratus")}
		if opts.Branch != "" {
			props.CodeCommit.Branch = jsii.String(opts.Branch)
		}
	}
	p := pipeline.New(stack, "Pipeline", props)
	health := &[]*string{jsii.String(`curl -fsS --retry 5 --retry-all-errors "${SITE_URL}/v1/health"`)}
	p.AddStage(staging.Stage, &pipeline.StageOptions{
		PostDeployChecks: health,
		CheckOutputs:     map[string]awscdk.CfnOutput{"SITE_URL": staging.Web.SiteUrl},
	})
	p.AddStage(prod.Stage, &pipeline.StageOptions{
		ManualApproval:   jsii.Bool(true),
		PostDeployChecks: health,
		CheckOutputs:     map[string]awscdk.CfnOutput{"SITE_URL": prod.Web.SiteUrl},
	})
	return p
}
