package main

// The lines between the readme markers are the README's "Using the
// constructs in your own Go CDK app" snippet, word for word: a test at the
// repository root (readme_test.go) fails when the two differ, and this
// module's tests synthesize it, so the snippet always compiles and passes
// cdk-nag.

// readme:begin
import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/apiwithauth"
	"github.com/stratus-cdk/stratus/constructs/eventbus"
	"github.com/stratus-cdk/stratus/constructs/gofunction"
	"github.com/stratus-cdk/stratus/constructs/serverlessdb"
	"github.com/stratus-cdk/stratus/constructs/staticsite"
)

// NewTeamStack is a team's service, every construct with minimal props: an
// API behind Cognito whose function reads a database and publishes events, a
// worker consuming them, and a single-page app.
func NewTeamStack(scope constructs.Construct, id string) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), nil)

	db := serverlessdb.New(stack, "Database", nil)
	api := gofunction.New(stack, "ApiHandler", &gofunction.Props{
		Entry:           jsii.String("./functions/api"), // a Go main package of this module
		FunctionOptions: awslambda.FunctionOptions{Vpc: db.Vpc, VpcSubnets: db.FunctionSubnets()},
	})
	db.GrantConnect(api, "app") // IAM: rds-db:connect as the login role "app"
	db.Bind(api, "app")         // network path and DB_HOST, DB_PORT, DB_NAME, DB_USER

	bus := eventbus.New(stack, "Events", nil)
	bus.GrantPublish(api)  // sns:Publish and the topic key
	bus.BindPublisher(api) // EVENT_TOPIC_ARN
	worker := gofunction.New(stack, "Worker", &gofunction.Props{Entry: jsii.String("./functions/worker")})
	bus.AddSubscriber("Worker", &eventbus.SubscriberProps{Handler: worker})

	apiwithauth.New(stack, "Api", &apiwithauth.Props{Routes: []apiwithauth.Route{
		{Method: jsii.String("GET"), Path: jsii.String("/items"), Handler: api},
		{Method: jsii.String("GET"), Path: jsii.String("/items/{id}"), Handler: api},
	}})
	staticsite.New(stack, "Site", &staticsite.Props{SourceDir: jsii.String("./site")})
	return stack
}

// readme:end
