// Command stratus is the CDK app: it builds the stages of every environment.
// It is the only place that reads environment variables and CDK context for
// accounts, regions, the pipeline's source, the alarm email, the custom
// domain and the one stage to build, if any; everything below takes typed Go
// values.
//
//	cdk synth                                   # offline, account-agnostic, no pipeline
//	cdk synth -c stage=Dev                      # one stage alone (Dev, Staging or Prod), never the pipeline
//	cdk synth -c account=111111111111 -c region=eu-west-1 \
//	          -c connectionArn=arn:aws:codeconnections:… -c repo=owner/stratus \
//	          -c alarmEmail=oncall@example.org \
//	          -c domain=app.example.com -c hostedZoneId=Z0123456789ABCDEFGHIJ
//
// Every setting but the account may also come from its environment variable
// (stacks.EnvRegion, stacks.EnvAlarmEmail, …), which is how the pipeline's
// own synth keeps the settings it was deployed with; the region never comes
// from the CDK CLI's default (stacks.DefaultRegion). Synth looks nothing up, with or
// without an account.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/stacks"
)

func main() {
	defer jsii.Close()
	defer exitOnConfigError()
	app := awscdk.NewApp(nil)
	stacks.Build(app, stacks.Options{
		Account: setting(app, "account", "CDK_DEFAULT_ACCOUNT"),
		// Not CDK_DEFAULT_REGION: see stacks.DefaultRegion.
		Region:        setting(app, "region", stacks.EnvRegion),
		ConnectionArn: setting(app, "connectionArn", stacks.EnvConnectionArn),
		Repo:          setting(app, "repo", stacks.EnvRepo),
		Branch:        setting(app, "branch", stacks.EnvBranch),
		AlarmEmail:    setting(app, "alarmEmail", stacks.EnvAlarmEmail),
		MailFrom:      setting(app, "mailFrom", stacks.EnvMailFrom),
		Domain: stacks.Domain{
			Name:         setting(app, "domain", stacks.EnvDomain),
			HostedZoneId: setting(app, "hostedZoneId", stacks.EnvHostedZoneId),
		},
		// Context only: an environment variable would follow the pipeline's
		// own synth, which must build every stage.
		Stage: setting(app, "stage", ""),
	})
	app.Synth(nil)
}

// setting reads CDK context (`cdk synth -c key=value`) first, then the
// environment variable (for the account, the one the CDK CLI fills from the
// AWS profile), if any.
func setting(app awscdk.App, contextKey, envVar string) string {
	if v := app.Node().TryGetContext(jsii.String(contextKey)); v != nil {
		return fmt.Sprint(v)
	}
	if envVar == "" {
		return ""
	}
	return os.Getenv(envVar)
}

// exitOnConfigError prints an invalid configuration's problems, without the
// Go stack trace a panic would add, and exits 1. Other panics go on.
func exitOnConfigError() {
	r := recover()
	if r == nil {
		return
	}
	var cfgErr *stacks.ConfigError
	if err, ok := r.(error); ok && errors.As(err, &cfgErr) {
		fmt.Fprintln(os.Stderr, cfgErr.Error())
		jsii.Close()
		os.Exit(1)
	}
	panic(r)
}
