// Command stratus is the CDK app: it builds the stages of every environment.
// It is the only place that reads environment variables and CDK context for
// accounts, regions and the pipeline's source; everything below takes typed
// Go values.
//
//	cdk synth                                   # offline, account-agnostic, no pipeline
//	cdk synth -c account=111111111111 -c region=eu-west-1 \
//	          -c connectionArn=arn:aws:codeconnections:… -c repo=owner/stratus
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/stacks"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stacks.Build(app, stacks.Options{
		Account:       setting(app, "account", "CDK_DEFAULT_ACCOUNT"),
		Region:        setting(app, "region", "CDK_DEFAULT_REGION"),
		ConnectionArn: setting(app, "connectionArn", ""),
		Repo:          setting(app, "repo", ""),
		Branch:        setting(app, "branch", ""),
	})
	app.Synth(nil)
}

// setting reads CDK context (`cdk synth -c key=value`) first, then the
// environment variable the CDK CLI fills from the AWS profile, if any.
func setting(app awscdk.App, contextKey, envVar string) string {
	if v := app.Node().TryGetContext(jsii.String(contextKey)); v != nil {
		return fmt.Sprint(v)
	}
	if envVar == "" {
		return ""
	}
	return os.Getenv(envVar)
}
