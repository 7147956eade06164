package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/stratus-cdk/stratus/constructs/pipeline"
)

// Options are what main reads from the CDK context.
type Options struct {
	// Account and Region of the pipeline. Without an account there is no
	// pipeline: the app is the team stack alone, for `cdk deploy` from a
	// laptop.
	Account, Region string
	// ConnectionArn and Repo ("owner/repo") are the pipeline's source.
	ConnectionArn, Repo string
}

// App is what Build made.
type App struct {
	// Team is the stack a developer deploys by hand.
	Team awscdk.Stack
	// Delivery holds the pipeline; nil without an account.
	Delivery awscdk.Stack
	// Prod is the team stack as the pipeline deploys it.
	Prod awscdk.Stack
}

// Build composes the app: the team stack, and with an account a pipeline
// that deploys it to production. Both cdk-nag packs check every stack; an
// unsuppressed finding fails `cdk synth`.
func Build(app awscdk.App, opts Options) *App {
	out := &App{Team: NewTeamStack(app, "Team")}
	checkCompliance(app)
	if opts.Account != "" {
		env := &awscdk.Environment{Account: jsii.String(opts.Account), Region: jsii.String(opts.Region)}
		out.Delivery = awscdk.NewStack(app, jsii.String("Delivery"), &awscdk.StackProps{Env: env})
		p := pipeline.New(out.Delivery, "Pipeline", &pipeline.Props{
			Connection: &pipeline.ConnectionSource{
				ConnectionArn: jsii.String(opts.ConnectionArn),
				Repo:          jsii.String(opts.Repo),
			},
		})
		// The stage's stacks are environment-agnostic: CDK Pipelines deploys
		// them to the pipeline's account and region.
		prod := awscdk.NewStage(app, jsii.String("Prod"), nil)
		out.Prod = NewTeamStack(prod, "Team")
		checkCompliance(prod) // before AddStage, which synthesizes the stage
		p.AddStage(prod, nil)
	}
	return out
}

// checkCompliance applies both cdk-nag packs to scope. Aspects stop at a
// Stage's boundary, so each stage needs its own.
func checkCompliance(scope constructs.IConstruct) {
	verbose := &cdknag.NagPackProps{Verbose: jsii.Bool(true)}
	awscdk.Aspects_Of(scope).Add(cdknag.NewAwsSolutionsChecks(verbose), nil)
	awscdk.Aspects_Of(scope).Add(cdknag.NewServerlessChecks(verbose), nil)
}
