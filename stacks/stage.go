package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/stratus-cdk/stratus/constructs/gofunction"
)

// NewStage builds one environment's stacks. env may be nil: the stacks are
// then environment-agnostic and synthesize offline.
func NewStage(scope constructs.Construct, cfg Config, env *awscdk.Environment) awscdk.Stage {
	stage := awscdk.NewStage(scope, jsii.String(cfg.Name), &awscdk.StageProps{Env: env})
	app := awscdk.NewStack(stage, jsii.String("App"), nil)
	gofunction.New(app, "Hello", &gofunction.Props{
		Entry:           jsii.String("./constructs/gofunction/testdata/hello"),
		FunctionOptions: awslambda.FunctionOptions{LogRetention: cfg.LogRetention},
	})
	return stage
}
