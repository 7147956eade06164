package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// zonedStack is a stack whose Availability Zones are given, not looked up.
// CDK asks a stack for its zones (Stack.AvailabilityZones): the VPC does,
// even when it is handed its zones, to check them. An environment-specific
// stack answers with a context lookup, which `cdk synth` resolves by calling
// AWS (and the pipeline's synth with a lookup role); this one answers with
// the zones of the typed configuration, so synth stays offline for any
// account. jsii lets a Go struct override the getter of the JavaScript class.
type zonedStack struct {
	awscdk.Stack
	zones []string
}

func newZonedStack(scope constructs.Construct, id string, props *awscdk.StackProps, zones []string) awscdk.Stack {
	s := &zonedStack{zones: zones}
	awscdk.NewStack_Override(s, scope, jsii.String(id), props)
	// What CDK's own getter acknowledges, once per stack, for the literal
	// zones it hands out; this getter replaces it.
	awscdk.Validations_Of(s).Acknowledge(&awscdk.Acknowledgment{
		Id: jsii.String("CloudFormation-Validate::W3010"),
		Reason: jsii.String("Literal AZs are the stage's configured zones (Config.Database.AvailabilityZones), " +
			"given by name so that synth looks nothing up."),
	})
	return s
}

// AvailabilityZones overrides Stack.AvailabilityZones.
func (s *zonedStack) AvailabilityZones() *[]*string {
	return jsii.Strings(s.zones...)
}
