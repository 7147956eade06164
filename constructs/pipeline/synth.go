package pipeline

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodecommit"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/propcheck"
)

// Cache locations of the synth build, set through GOMODCACHE, GOCACHE and
// npm_config_cache so that they do not depend on the image's GOPATH or HOME.
const (
	goModCache   = "/root/go/pkg/mod"
	goBuildCache = "/root/.cache/go-build"
	npmCache     = "/root/.npm"
)

// createSource returns the pipeline's source: the CodeCommit repository
// (brought, or created with RepositoryName) or the connection (New checked
// that exactly one is complete).
func (p *Pipeline) createSource() pipelines.IFileSetProducer {
	if cc := p.props.CodeCommit; cc != nil {
		repo := cc.ExistingRepository
		if repo == nil {
			repo = awscodecommit.NewRepository(p.Construct, jsii.String("Repository"), &awscodecommit.RepositoryProps{
				RepositoryName: cc.RepositoryName,
				Description:    jsii.String("Source of the CDK app this pipeline deploys"),
			})
		}
		p.Repository = repo
		return pipelines.CodePipelineSource_CodeCommit(repo, jsii.String(propcheck.OrIfZero(propcheck.Or(cc.Branch, ""), DefaultBranch)), nil)
	}
	conn := p.props.Connection
	return pipelines.CodePipelineSource_Connection(conn.Repo, jsii.String(propcheck.OrIfZero(propcheck.Or(conn.Branch, ""), DefaultBranch)),
		&pipelines.ConnectionSourceOptions{ConnectionArn: conn.ConnectionArn})
}

// goBuild is what every Go build of the pipeline (the synth step, the drift
// checks) runs on: the image, its compute type, GOTOOLCHAIN and the cache
// locations, and the partial buildspec with the runtime versions and the
// cached paths.
type goBuild struct {
	env  *awscodebuild.BuildEnvironment
	vars map[string]*string
	spec awscodebuild.BuildSpec
}

// goBuildSettings are SynthOptions' image, compute type and toolchain, with
// their defaults. The image's Go (1.21+) fetches the toolchain named by
// GOTOOLCHAIN from the Go module proxy; the module, build and npm caches
// persist in the artifact bucket (an S3 cache survives across build hosts, a
// local cache does not).
func (p *Pipeline) goBuildSettings() goBuild {
	o := p.props.Synth
	if o == nil {
		o = &SynthOptions{}
	}
	image := o.BuildImage
	install := map[string]interface{}{}
	if image == nil {
		image = awscodebuild.LinuxBuildImage_STANDARD_7_0()
		// Go only bootstraps the toolchain; Node runs the CDK CLI and the web build.
		install["runtime-versions"] = map[string]interface{}{"golang": "1.22", "nodejs": "20"}
	}
	compute := o.ComputeType
	if compute == "" {
		compute = awscodebuild.ComputeType_MEDIUM
	}
	toolchain := jsii.String(propcheck.OrIfZero(propcheck.Or(o.GoToolchain, ""), DefaultGoToolchain))
	vars := map[string]*string{
		"GOTOOLCHAIN":      toolchain,
		"GOMODCACHE":       jsii.String(goModCache),
		"GOCACHE":          jsii.String(goBuildCache),
		"npm_config_cache": jsii.String(npmCache),
	}
	spec := map[string]interface{}{
		"cache": map[string]interface{}{
			"paths": []string{goModCache + "/**/*", goBuildCache + "/**/*", npmCache + "/**/*"},
		},
	}
	if len(install) > 0 {
		spec["phases"] = map[string]interface{}{"install": install}
	}
	return goBuild{
		env:  &awscodebuild.BuildEnvironment{BuildImage: image, ComputeType: compute},
		vars: vars,
		spec: awscodebuild.BuildSpec_FromObject(&spec),
	}
}

// createSynth is the CodeBuild step that tests and synthesizes the app.
func (p *Pipeline) createSynth(source pipelines.IFileSetProducer) {
	o := p.props.Synth
	if o == nil {
		o = &SynthOptions{}
	}
	b := p.goBuildSettings()
	timeout := o.Timeout
	if timeout == nil {
		timeout = awscdk.Duration_Minutes(jsii.Number(60))
	}
	env := b.vars
	if o.Env != nil {
		for k, v := range *o.Env {
			env[k] = v
		}
	}
	installCommands := o.InstallCommands
	if installCommands == nil {
		installCommands = jsii.Strings(DefaultInstallCommands()...)
	}
	// `go version` makes the toolchain download visible (and fail early).
	all := append([]*string{jsii.String("go version")}, *installCommands...)
	commands := o.Commands
	if commands == nil {
		commands = jsii.Strings(DefaultCommands()...)
	}
	p.source = source
	p.Synth = pipelines.NewCodeBuildStep(jsii.String("Synth"), &pipelines.CodeBuildStepProps{
		Input:                  source,
		InstallCommands:        &all,
		Commands:               commands,
		Env:                    &env,
		PrimaryOutputDirectory: jsii.String("cdk.out"),
		BuildEnvironment:       b.env,
		Cache: awscodebuild.Cache_Bucket(p.ArtifactBucket, &awscodebuild.BucketCacheOptions{
			Prefix: jsii.String("cache/synth"),
		}),
		PartialBuildSpec: b.spec,
		Timeout:          timeout,
	})
}

// createCdkPipeline wires CDK Pipelines onto the underlying pipeline:
// self-mutation on, every CodeBuild project logging to BuildLogs. The
// projects take the artifact key as their encryption key when CodePipeline
// binds them (aws-codebuild's bindToCodePipeline).
func (p *Pipeline) createCdkPipeline() {
	p.CdkPipeline = pipelines.NewCodePipeline(p.Construct, jsii.String("CdkPipeline"), &pipelines.CodePipelineProps{
		CodePipeline: p.CodePipeline,
		Synth:        p.Synth,
		SelfMutation: jsii.Bool(true),
		CliVersion:   p.props.CliVersion,
		CodeBuildDefaults: &pipelines.CodeBuildOptions{
			Logging: &awscodebuild.LoggingOptions{
				CloudWatch: &awscodebuild.CloudWatchLoggingOptions{LogGroup: p.BuildLogs},
			},
		},
	})
}
