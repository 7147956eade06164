// Command stratus is the CDK app: it builds the stages of every environment.
// It is the only place that reads environment variables and CDK context for
// accounts, regions, the pipeline's source, the alarm email, the custom
// domain and the one stage to build, if any; everything below takes typed Go
// values.
//
//	cdk synth                                   # offline, account-agnostic, no pipeline
//	cdk synth -c stage=Dev                      # one stage alone (Dev, Staging or Prod), never the pipeline
//	cdk synth -c preview=feature/x -c previewCreated=2026-12-07  # a branch's preview stage alone
//	cdk synth -c account=111111111111 -c region=eu-west-1 \
//	          -c connectionArn=arn:aws:codeconnections:… -c repo=owner/stratus \
//	          -c alarmEmail=oncall@example.org \
//	          -c domain=app.example.com -c hostedZoneId=Z0123456789ABCDEFGHIJ
//	cdk synth -c pipelineAccount=111111111111 -c devAccount=222222222222 \
//	          -c stagingAccount=333333333333 -c prodAccount=444444444444 \
//	          -c prodRegion=eu-central-1    # an account per stage, the pipeline in a tools account
//
// Every setting but the account may also come from its environment variable
// (stacks.EnvRegion, stacks.EnvAlarmEmail, stacks.EnvProdAccount, …; the
// account from CDK_DEFAULT_ACCOUNT, which the CLI fills from the AWS
// profile), which is how the pipeline's
// own synth keeps the settings it was deployed with; the region never comes
// from the CDK CLI's default (stacks.DefaultRegion). Synth looks nothing up, with or
// without an account.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/stacks"
)

func main() {
	os.Exit(run())
}

// run builds and synthesizes the app and returns the exit code: 2 for an
// invalid configuration or setting, after printing every problem to stderr
// (one line each, without the Go stack trace a panic would add).
func run() int {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	_, err := stacks.Build(app, stacks.Options{
		Account: setting(app, "account", "CDK_DEFAULT_ACCOUNT"),
		// Not CDK_DEFAULT_REGION: see stacks.DefaultRegion.
		Region: setting(app, "region", stacks.EnvRegion),
		// One account per stage and a tools account for the pipeline; each
		// defaults to the account above, each region to the region above.
		PipelineAccount: setting(app, "pipelineAccount", stacks.EnvPipelineAccount),
		DevAccount:      setting(app, "devAccount", stacks.EnvDevAccount),
		StagingAccount:  setting(app, "stagingAccount", stacks.EnvStagingAccount),
		ProdAccount:     setting(app, "prodAccount", stacks.EnvProdAccount),
		DevRegion:       setting(app, "devRegion", stacks.EnvDevRegion),
		StagingRegion:   setting(app, "stagingRegion", stacks.EnvStagingRegion),
		ProdRegion:      setting(app, "prodRegion", stacks.EnvProdRegion),
		BackupAccount:   setting(app, "backupAccount", stacks.EnvBackupAccount),
		ConnectionArn:   setting(app, "connectionArn", stacks.EnvConnectionArn),
		Repo:            setting(app, "repo", stacks.EnvRepo),
		Branch:          setting(app, "branch", stacks.EnvBranch),
		AlarmEmail:      setting(app, "alarmEmail", stacks.EnvAlarmEmail),
		MailFrom:        setting(app, "mailFrom", stacks.EnvMailFrom),
		Domain: stacks.Domain{
			Name:         setting(app, "domain", stacks.EnvDomain),
			HostedZoneId: setting(app, "hostedZoneId", stacks.EnvHostedZoneId),
		},
		// Context only: an environment variable would follow the pipeline's
		// own synth, which must build every stage.
		Stage: setting(app, "stage", ""),
		// A branch's preview stage, alone, dated by the caller (the
		// Makefile: `date -u +%F`), so synth reads no clock.
		Preview:        setting(app, "preview", ""),
		PreviewCreated: setting(app, "previewCreated", ""),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	app.Synth(nil)
	return 0
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
