package pipeline_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/pipeline"
)

// A pipeline that deploys staging, checks its health endpoint, then waits
// for an approval before production (in another account).
func Example() {
	app := awscdk.NewApp(nil)
	toolsEnv := &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}
	stack := awscdk.NewStack(app, jsii.String("Delivery"), &awscdk.StackProps{Env: toolsEnv})

	p := pipeline.New(stack, "Pipeline", &pipeline.Props{
		Connection: &pipeline.ConnectionSource{
			ConnectionArn: jsii.String("arn:aws:codestar-connections:eu-west-1:111111111111:connection/0a1b2c3d-4e5f-6789-abcd-ef0123456789"),
			Repo:          jsii.String("stratus-cdk/stratus"),
		},
	})

	// Each stage holds the app's stacks; here one stack with one output.
	newStage := func(id, account string) (awscdk.Stage, awscdk.CfnOutput) {
		stage := awscdk.NewStage(app, jsii.String(id), &awscdk.StageProps{
			Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String("eu-west-1")},
		})
		api := awscdk.NewStack(stage, jsii.String("Api"), nil)
		awsssm.NewStringParameter(api, jsii.String("Version"), &awsssm.StringParameterProps{StringValue: jsii.String("1")})
		url := awscdk.NewCfnOutput(api, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{Value: jsii.String("https://api.example.com")})
		return stage, url
	}
	staging, stagingURL := newStage("Staging", "111111111111")
	prod, _ := newStage("Prod", "222222222222")

	p.AddStage(staging, &pipeline.StageOptions{
		PostDeployChecks: jsii.Strings(`curl -fsS "$API_URL/health"`),
		CheckOutputs:     map[string]awscdk.CfnOutput{"API_URL": stagingURL},
	})
	p.AddStage(prod, &pipeline.StageOptions{ManualApproval: jsii.Bool(true)})

	app.Synth(nil)
	// Output:
}
