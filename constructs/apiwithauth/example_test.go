package apiwithauth_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/apiwithauth"
	"github.com/stratus-cdk/stratus/constructs/gofunction"
)

// An API with a public health check and signed-in routes, one of which
// validates its request body. Every route's parameters are validated; the
// handler's Serverless-LambdaDLQ finding is excused by New.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Backend"), nil)
	fn := gofunction.New(stack, "Api", &gofunction.Props{Entry: jsii.String("./lambdas/api")})

	newItem := &awsapigateway.JsonSchema{
		Type:                 awsapigateway.JsonSchemaType_OBJECT,
		Required:             jsii.Strings("title"),
		AdditionalProperties: false,
		Properties: &map[string]*awsapigateway.JsonSchema{
			"title": {Type: awsapigateway.JsonSchemaType_STRING, MinLength: jsii.Number(1), MaxLength: jsii.Number(200)},
		},
	}
	api := apiwithauth.New(stack, "Api", &apiwithauth.Props{
		Routes: []apiwithauth.Route{
			{Method: jsii.String("GET"), Path: jsii.String("/health"), Handler: fn, Public: jsii.Bool(true)},
			// Optional paging parameters: documented, not required.
			{Method: jsii.String("GET"), Path: jsii.String("/items"), Handler: fn,
				QueryParameters: map[string]bool{"limit": false, "cursor": false}},
			{Method: jsii.String("POST"), Path: jsii.String("/items"), Handler: fn, RequestSchema: newItem},
			{Method: jsii.String("GET"), Path: jsii.String("/items/{id}"), Handler: fn},
		},
		CorsOrigins:  jsii.Strings("https://app.example.com"),
		CallbackUrls: jsii.Strings("https://app.example.com/callback"),
		Mfa:          awscognito.Mfa_REQUIRED,
	})

	// A dashboard is composition.
	awscloudwatch.NewDashboard(stack, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		Widgets: &[]*[]awscloudwatch.IWidget{{
			awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
				Title: jsii.String("API"),
				Left:  &[]awscloudwatch.IMetric{api.MetricServerErrors(nil), api.MetricClientErrors(nil)},
				Right: &[]awscloudwatch.IMetric{api.MetricLatency(nil)},
			}),
		}},
	})
	app.Synth(nil)
}
