package gofunction_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/gofunction"
)

// A Go main package as a function: built at synth for arm64, with a version
// stamped in, more memory than the default, and its own environment.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Service"), nil)

	fn := gofunction.New(stack, "Api", &gofunction.Props{
		Entry: jsii.String("./lambdas/api"), // relative to where `cdk synth` runs
		Build: &gofunction.BuildOptions{LDFlags: []string{"-X main.version=1.2.3"}},
		FunctionOptions: awslambda.FunctionOptions{
			MemorySize:  jsii.Number(512),
			Environment: &map[string]*string{"STAGE": jsii.String("prod")},
		},
	})
	// It is an awslambda.Function: grant to it, alarm on it, invoke it.
	fn.MetricErrors(nil)
	app.Synth(nil)
}
