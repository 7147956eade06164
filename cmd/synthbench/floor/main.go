// Command floor is the empty app that synthbench measures the Stratus app
// against: what any Go CDK app pays for `cdk synth` with this repository's
// cdk.json (the CLI, the Go binary, jsii starting Node and loading
// aws-cdk-lib, and, unless CDK_VALIDATION=false, CloudFormation Validate
// starting its engine), with nothing of its own to build. It holds one stack
// with one resource because that is the least `cdk synth` accepts: the CLI
// refuses an app without stacks, and CloudFormation Validate a template
// without resources.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Floor"), nil)
	awscdk.NewCfnWaitConditionHandle(stack, jsii.String("Nothing"), nil)
	app.Synth(nil)
}
