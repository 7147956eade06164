// Command stratus is the CDK app: it builds the stages of every environment.
// It is the only place that reads environment variables and CDK context for
// accounts and regions; everything below takes typed Go values.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/stacks"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stacks.NewStage(app, stacks.Dev, nil)
	app.Synth(nil)
}
