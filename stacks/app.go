package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// DefaultRegion is used when neither CDK context nor CDK_DEFAULT_REGION
// names one: the stacks that refer across regions (the us-east-1 edge
// resources of CloudFront) need a concrete region to synthesize offline.
const DefaultRegion = "eu-west-1"

// Options are what main.go reads from CDK context and the environment.
type Options struct {
	// Account and Region of the stages; Account may be empty (the stacks
	// are then account-agnostic), Region defaults to DefaultRegion.
	Account, Region string
}

// App is everything Build made.
type App struct {
	Dev *Stage
	// Stacks is every stack of every stage, in creation order.
	Stacks []awscdk.Stack
}

// Build composes the whole application into app: the Dev stage for
// engineers' own deploys, and the compliance checks every stack must pass.
func Build(app awscdk.App, opts Options) *App {
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	env := &awscdk.Environment{Region: jsii.String(opts.Region)}
	if opts.Account != "" {
		env.Account = jsii.String(opts.Account)
	}
	out := &App{}
	out.Dev = NewStage(app, Dev, env)
	out.Stacks = append(out.Stacks, out.Dev.Stacks()...)

	// cdk-nag on every stack: an unsuppressed error fails `cdk synth`.
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	awscdk.Aspects_Of(app).Add(cdknag.NewServerlessChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return out
}
