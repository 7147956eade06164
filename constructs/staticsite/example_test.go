package staticsite_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/staticsite"
)

// A site serving the built web app, with the API's URL and the Cognito ids
// written to /config.json at deploy time, and its alarm wired to a topic.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Web"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("us-east-1")},
	})
	apiUrl := jsii.String("https://abc123.execute-api.us-east-1.amazonaws.com/prod/") // e.g. restApi.Url()

	site := staticsite.New(stack, "Site", &staticsite.Props{
		SourceDir: jsii.String("web/dist"),
		ApiOrigin: apiUrl,
		RuntimeConfig: &map[string]*string{
			"apiUrl":           apiUrl,
			"region":           stack.Region(),
			"userPoolId":       jsii.String("us-east-1_example"), // e.g. userPool.UserPoolId()
			"userPoolClientId": jsii.String("exampleclientid"),   // e.g. client.UserPoolClientId()
		},
		RemovalPolicy:     awscdk.RemovalPolicy_DESTROY,
		AutoDeleteObjects: jsii.Bool(true),
	})

	alarms := awssns.NewTopic(stack, jsii.String("Alarms"), nil)
	for _, alarm := range site.Alarms {
		alarm.AddAlarmAction(awscloudwatchactions.NewSnsAction(alarms))
	}
	awscdk.NewCfnOutput(stack, jsii.String("SiteUrl"), &awscdk.CfnOutputProps{Value: site.Url()})
	app.Synth(nil)
}
