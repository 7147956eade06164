package eventbus_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/eventbus"
	"github.com/stratus-cdk/stratus/constructs/gofunction"
)

// An API function publishes events; a worker processes uploads, another
// function audits every event including S3's object-created notifications.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Events"), nil)

	api := gofunction.New(stack, "Api", &gofunction.Props{Entry: jsii.String("./lambdas/api")})
	worker := gofunction.New(stack, "Worker", &gofunction.Props{Entry: jsii.String("./lambdas/worker")})
	audit := gofunction.New(stack, "Audit", &gofunction.Props{Entry: jsii.String("./lambdas/audit")})
	uploads := awss3.NewBucket(stack, jsii.String("Uploads"), &awss3.BucketProps{EnforceSSL: jsii.Bool(true)})

	bus := eventbus.New(stack, "Bus", nil)
	bus.GrantPublish(api)  // sns:Publish and the topic key's two KMS actions
	bus.BindPublisher(api) // the API reads the topic ARN from EVENT_TOPIC_ARN

	bus.AddSubscriber("Worker", &eventbus.SubscriberProps{
		Handler:           worker,
		EventTypes:        *jsii.Strings("upload.created", "upload.deleted"),
		BatchSize:         jsii.Number(50),
		MaxBatchingWindow: awscdk.Duration_Seconds(jsii.Number(5)),
		MaxConcurrency:    jsii.Number(10),
	})
	// No EventTypes: receives every event, S3 notifications included.
	auditor := bus.AddSubscriber("Audit", &eventbus.SubscriberProps{Handler: audit})
	bus.AddBucketNotifications(uploads, jsii.String("uploads/"))

	_ = auditor.MetricOldestMessageAge(nil) // for a dashboard
	app.Synth(nil)
}
