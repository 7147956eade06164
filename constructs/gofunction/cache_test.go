package gofunction

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// The build cache belongs to the App: the stacks and stages of one App find
// the same one, another App has its own.
func TestEachAppOwnsOneCache(t *testing.T) {
	app := awscdk.NewApp(nil)
	first := cacheOf(awscdk.NewStack(app, jsii.String("A"), nil))
	stage := awscdk.NewStage(app, jsii.String("Dev"), nil)
	if inStage := cacheOf(awscdk.NewStack(stage, jsii.String("B"), nil)); inStage != first {
		t.Error("a stack in a stage of the App got a cache of its own")
	}
	if again := cacheOf(app); again != first {
		t.Error("the App's second look-up made a second cache")
	}
	if other := cacheOf(awscdk.NewStack(awscdk.NewApp(nil), jsii.String("A"), nil)); other == first {
		t.Error("two Apps share one cache")
	}
}
