package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/pipeline"
	"github.com/stratus-cdk/stratus/internal/analysis/cfnlint"
	"github.com/stratus-cdk/stratus/internal/synth/nag"
)

// DefaultRegion is used when neither CDK context nor STRATUS_REGION names
// one. The CDK CLI's default region (CDK_DEFAULT_REGION, from the AWS
// profile or us-east-1 on a bare machine) is not followed: a stage's region
// is a choice of its configuration, not of whoever runs the synth, and the
// stacks that refer across regions (the site's us-east-1 web ACL, the
// backup copies) need a concrete one to synthesize offline.
const DefaultRegion = "eu-west-1"

// Options are what main.go reads from CDK context and the environment.
type Options struct {
	// Account and Region of every stage and of the pipeline, unless a
	// stage's own (DevAccount, ProdRegion, …) or PipelineAccount says
	// otherwise. Without any account the stages are account-agnostic and
	// there is no pipeline (CDK Pipelines needs to know its account).
	// Region defaults to DefaultRegion.
	Account, Region string
	// PipelineAccount is the tools account the Pipeline stack lives in (in
	// Region); DevAccount, StagingAccount and ProdAccount are each stage's
	// account, DevRegion, StagingRegion and ProdRegion its region. Each
	// defaults to Account or Region: one account for everything, as before.
	// A stage with no account at all stays account-agnostic; the pipeline
	// exists when PipelineAccount (or Account) is set. See accounts.go.
	PipelineAccount, DevAccount, StagingAccount, ProdAccount string
	DevRegion, StagingRegion, ProdRegion                     string
	// BackupAccount, when set, gets a copy of every recovery point of each
	// stage that backs up (Config.Backup.Enabled), in a vault of that
	// stage's BackupAccount stack, in the stage's region: a compromised or
	// closed stage account loses no backup. It must be another account of
	// the same AWS Organization as the stage's, with cross-account backup
	// enabled (README "Backups and restore").
	// Default: - none: copies stay in the stage's account (its copy region).
	BackupAccount string
	// Source of the pipeline: a CodeStar connection to Repo ("owner/repo")
	// when ConnectionArn is set, otherwise a CodeCommit repository named
	// "stratus" that the pipeline stack creates.
	ConnectionArn, Repo, Branch string
	// AlarmEmail is the default of the AlarmEmail parameter of every OnCall
	// stage: the address its alarm topic emails.
	// Default: - none: the parameter is empty and the topic emails nobody
	// until it is set.
	AlarmEmail string
	// MailFrom is the default of the MailFrom parameter of every stage that
	// mails through SES (ApiConfig.Mail.SES): the sender address of the
	// user pool's mail, an identity verified in SES.
	// Default: - none: the parameter has no default, and a deploy needs it.
	MailFrom string
	// Domain is the app's custom domain: each stage without a Site.Domain of
	// its own serves Domain.ForStage (Prod the name itself, the others
	// "<stage>.<name>").
	// Default: - none: the stages use their CloudFront domain names.
	Domain Domain
	// Stage, when set, is the one stage Build builds ("Dev", "Staging" or
	// "Prod"): its stacks alone, so only its handlers are compiled and only
	// its stacks are checked by cdk-nag and validated. Its templates are the
	// same as in a full build. There is no Pipeline stack then, even with an
	// account: the pipeline deploys Staging and Prod, so it comes only from a
	// full build, which is what its own synth step runs.
	// Default: - every stage, and the Pipeline stack with an account.
	Stage string
	// Preview, when set, is a branch name: Build builds that branch's
	// preview stage alone (Preview(branch), named Preview-<PreviewName>),
	// never Dev, Staging, Prod or the Pipeline stack. Not with Stage.
	// Default: - no preview.
	Preview string
	// PreviewCreated is the preview's creation date (YYYY-MM-DD, UTC), the
	// value of its PreviewCreatedTag: given, so synth stays deterministic.
	// Required with Preview.
	PreviewCreated string
}

// The environment variables main.go reads a setting from when CDK context
// does not give it. The pipeline's synth step gets every setting given when
// the pipeline was synthesized under these names: in CodeBuild `make synth`
// passes no context, and the pipeline would otherwise redeploy itself and
// the stages without them (another source, no alarm email, no domain).
const (
	EnvConnectionArn = "STRATUS_CONNECTION_ARN"
	EnvRepo          = "STRATUS_REPO"
	EnvBranch        = "STRATUS_BRANCH"
	EnvAlarmEmail    = "STRATUS_ALARM_EMAIL"
	EnvMailFrom      = "STRATUS_MAIL_FROM"
	EnvDomain        = "STRATUS_DOMAIN"
	EnvHostedZoneId  = "STRATUS_HOSTED_ZONE_ID"
	EnvRegion        = "STRATUS_REGION"
)

// synthEnv is the settings of o that are set, by environment variable.
func (o Options) synthEnv() map[string]*string {
	out := map[string]*string{}
	for name, v := range map[string]string{
		EnvConnectionArn: o.ConnectionArn, EnvRepo: o.Repo, EnvBranch: o.Branch, EnvAlarmEmail: o.AlarmEmail,
		EnvMailFrom: o.MailFrom, EnvRegion: o.Region,
		EnvDomain: o.Domain.Name, EnvHostedZoneId: o.Domain.HostedZoneId,
		EnvPipelineAccount: o.PipelineAccount, EnvDevAccount: o.DevAccount, EnvStagingAccount: o.StagingAccount,
		EnvProdAccount: o.ProdAccount, EnvDevRegion: o.DevRegion, EnvStagingRegion: o.StagingRegion, EnvProdRegion: o.ProdRegion,
		EnvBackupAccount: o.BackupAccount,
	} {
		if v != "" {
			out[name] = jsii.String(v)
		}
	}
	return out
}

func (o Options) withDefaults() Options {
	if o.Region == "" {
		o.Region = DefaultRegion
	}
	return o
}

// apply gives cfg the app's domain when it has none of its own.
func (o Options) apply(cfg Config) Config {
	if !cfg.Site.Domain.IsSet() {
		cfg.Site.Domain = o.Domain.ForStage(cfg)
	}
	if cfg.Api.Mail.SES && cfg.Api.Mail.From == "" {
		cfg.Api.Mail.From = o.MailFrom
	}
	return cfg
}

func (o Options) env() *awscdk.Environment {
	env := &awscdk.Environment{Region: jsii.String(o.Region)}
	if o.Account != "" {
		env.Account = jsii.String(o.Account)
	}
	return env
}

// App is everything Build made.
type App struct {
	// Dev, Staging and Prod are nil when Options.Stage selected another,
	// or Options.Preview a preview.
	Dev, Staging, Prod *Stage
	// Preview is the stage Options.Preview asked for; nil without one.
	Preview *Stage
	// Pipeline deploys Staging, then Prod after an approval; nil without
	// an account.
	Pipeline *pipeline.Pipeline
	// Stacks is every stack of the app, in creation order.
	Stacks []awscdk.Stack
}

// Build composes the whole application into app: the Dev stage for
// engineers' own `cdk deploy`, the Staging and Prod stages with the
// pipeline that deploys them, and the compliance checks every stack must
// pass (an unsuppressed cdk-nag error fails `cdk synth`); or, with
// opts.Stage, that one stage alone. Invalid configurations or settings are
// a *ConfigError naming every problem of every stage (selected or not:
// checking them costs nothing), returned before anything is added to app.
//
// Build is a function a caller runs with a user's settings, not a
// construct, so a bad setting is an error the caller handles (main.go
// prints it and exits 2). The constructs it builds still panic at synth on
// a programming mistake, as CDK's constructs do.
func Build(app awscdk.App, opts Options) (*App, error) {
	opts = opts.withDefaults()
	problems := opts.problems()
	if len(problems) == 0 {
		problems = append(stageProblemsIn(opts.stageRegion, opts.apply(Dev()), opts.apply(Staging()), opts.apply(Prod())),
			opts.backupAccountProblems(Dev(), Staging(), Prod())...)
	}
	if len(problems) > 0 {
		return nil, &ConfigError{Problems: problems}
	}
	if opts.Preview != "" {
		return buildPreview(app, opts)
	}
	out := &App{}
	for _, s := range []struct {
		cfg  Config
		into **Stage
	}{{Dev(), &out.Dev}, {Staging(), &out.Staging}, {Prod(), &out.Prod}} {
		if opts.Stage == "" || opts.Stage == s.cfg.Name {
			*s.into = NewStage(app, s.cfg, opts)
			out.Stacks = append(out.Stacks, (*s.into).Stacks()...)
		}
	}
	// The compliance checks, on the app (the pipeline's stack) and on each
	// stage built: aspects stop at a Stage's boundary, and CDK Pipelines
	// synthesizes a stage as soon as it is added, so the packs go on before
	// the pipeline exists.
	nag.Check(app, nag.AwsSolutions, nag.Serverless)
	for _, s := range []*Stage{out.Dev, out.Staging, out.Prod} {
		if s != nil {
			nag.Check(s.Stage, nag.AwsSolutions, nag.Serverless)
		}
	}
	if opts.pipelineAccount() != "" && opts.Stage == "" {
		stack := awscdk.NewStack(app, jsii.String("Pipeline"), &awscdk.StackProps{
			Env:         opts.pipelineEnv(),
			Description: jsii.String("Stratus: the pipeline that tests, synthesizes and deploys Staging then Prod"),
		})
		out.Pipeline = newPipeline(stack, opts, out.Staging, out.Prod)
		out.Stacks = append(out.Stacks, stack)
	}
	return out, nil
}

// buildPreview builds the preview stage of opts.Preview alone, under the
// compliance checks every stage passes. opts has been checked.
func buildPreview(app awscdk.App, opts Options) (*App, error) {
	cfg, err := Preview(opts.Preview)
	if err != nil {
		return nil, &ConfigError{Problems: []string{err.Error()}}
	}
	if p := stageProblems(opts.Region, opts.apply(cfg)); len(p) > 0 {
		return nil, &ConfigError{Problems: p}
	}
	s := NewStage(app, cfg, opts)
	nag.Check(app, nag.AwsSolutions, nag.Serverless)
	nag.Check(s.Stage, nag.AwsSolutions, nag.Serverless)
	return &App{Preview: s, Stacks: s.Stacks()}, nil
}

// synthInstallCommands install what `make test` needs on the pipeline's
// aws/codebuild/standard:7.0 image (Ubuntu 22.04): PostgreSQL for the store
// tests, a Chromium for the browser tests and cfn-lint for the template
// lint. Ubuntu 22.04 ships Chromium only as a snap, which does not run in
// CodeBuild, so the image's Google Chrome is made available as `chromium`
// unless one is installable. cfn-lint comes from PyPI into the image's own
// Python; `make test` fails without it.
var synthInstallCommands = []string{
	"apt-get update -y",
	"DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql",
	`command -v chromium >/dev/null || apt-get install -y --no-install-recommends chromium || ln -sf "$(command -v google-chrome || command -v google-chrome-stable)" /usr/local/bin/chromium`,
	"chromium --version",
	"python3 -m pip install --quiet cfn-lint==" + cfnlint.Version,
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
	if env := opts.synthEnv(); len(env) > 0 {
		props.Synth.Env = &env
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
		DriftCheck:       driftCheck(staging),
	})
	p.AddStage(prod.Stage, &pipeline.StageOptions{
		ManualApproval:   jsii.Bool(true),
		PostDeployChecks: health,
		CheckOutputs:     map[string]awscdk.CfnOutput{"SITE_URL": prod.Web.SiteUrl},
		DriftCheck:       driftCheck(prod),
	})
	return p
}

// driftCheck is the drift gate before a stage's deploy (cmd/drift, as
// `make drift STAGE=…` runs it), as the target account's CDK lookup role:
// stateful or IAM drift fails the release. The target is the stage's
// account and region.
func driftCheck(s *Stage) *pipeline.DriftCheck {
	return &pipeline.DriftCheck{Commands: jsii.Strings(
		`go run ./cmd/drift -assembly cdk.out -role-arn "$DRIFT_ROLE_ARN" -account "$DRIFT_ACCOUNT" ` + s.Config.Name)}
}
