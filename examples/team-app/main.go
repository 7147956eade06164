// Command team-app is a team's CDK app built from the stratus constructs, as
// a module of its own that imports them like any dependency. It is the
// tested example of the repository's README:
//
//	cdk synth                              # the team stack, offline
//	cdk synth -c account=111111111111 -c region=eu-west-1 \
//	          -c connectionArn=arn:aws:codeconnections:… -c repo=owner/team-app   # and its pipeline
//
// The functions are Go main packages under functions/, built at synth by
// gofunction; site/ is the single-page app staticsite serves.
package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	Build(app, Options{
		Account:       setting(app, "account"),
		Region:        setting(app, "region"),
		ConnectionArn: setting(app, "connectionArn"),
		Repo:          setting(app, "repo"),
	})
	app.Synth(nil)
}

// setting reads `cdk synth -c key=value`.
func setting(app awscdk.App, key string) string {
	if v := app.Node().TryGetContext(jsii.String(key)); v != nil {
		return fmt.Sprint(v)
	}
	return ""
}
