package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/gofunction"
	"github.com/stratus-cdk/stratus/internal/nag"
)

// Stage is one environment's stacks.
type Stage struct {
	awscdk.Stage
	App awscdk.Stack
}

// Stacks lists the stage's stacks.
func (s *Stage) Stacks() []awscdk.Stack { return []awscdk.Stack{s.App} }

// NewStage builds one environment's stacks.
func NewStage(scope constructs.Construct, cfg Config, env *awscdk.Environment) *Stage {
	stage := awscdk.NewStage(scope, jsii.String(cfg.Name), &awscdk.StageProps{Env: env})
	app := awscdk.NewStack(stage, jsii.String("App"), nil)
	fn := gofunction.New(app, "Hello", &gofunction.Props{
		Entry:           jsii.String("./constructs/gofunction/testdata/hello"),
		FunctionOptions: awslambda.FunctionOptions{LogRetention: cfg.LogRetention},
	})
	nag.Suppress(fn, nag.Rule("Serverless-LambdaDLQ", "placeholder function, invoked synchronously"))
	return &Stage{Stage: stage, App: app}
}
