package stacks

import (
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/cdktest"
)

func TestMain(m *testing.M) {
	cdktest.FastSynth()
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// The alarm email setting becomes the AlarmEmail parameter's default (what
// a pipeline deploy uses); the subscription exists only with an address.
func TestEmailOnCallTakesTheSettingAsTheParameterDefault(t *testing.T) {
	app := awscdk.NewApp(nil)
	addresses := map[string]string{"Given": "oncall@example.org", "None": ""}
	stacks := map[string]awscdk.Stack{}
	for id, address := range addresses {
		stack := awscdk.NewStack(app, jsii.String(id), nil)
		emailOnCall(stack, awssns.NewTopic(stack, jsii.String("Topic"), nil), address)
		stacks[id] = stack
	}
	for id, address := range addresses {
		stack := stacks[id]
		tpl := assertions.Template_FromStack(stack, nil)
		tpl.HasParameter(jsii.String(AlarmEmailParameter), map[string]any{"Type": "String", "Default": address})
		tpl.HasResource(jsii.String("AWS::SNS::Subscription"), map[string]any{
			"Condition":  "AlarmEmailGiven",
			"Properties": map[string]any{"Protocol": "email", "Endpoint": map[string]any{"Ref": AlarmEmailParameter}},
		})
		tpl.HasCondition(jsii.String("AlarmEmailGiven"), map[string]any{
			"Fn::Not": []any{map[string]any{"Fn::Equals": []any{map[string]any{"Ref": AlarmEmailParameter}, ""}}},
		})
	}
}
