// Package nag keeps cdk-nag suppressions short and uniform: every one names
// its rule, gives its reason and, where the rule reports per action or
// resource, the findings it covers (appliesTo), never a construct path that
// changes between CDK versions.
package nag

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Pack names a cdk-nag rule pack.
type Pack int

const (
	AwsSolutions Pack = iota
	Serverless
	// The compliance packs, which `make compliance` runs as a report
	// (cmd/compliance), not as a gate of every synth: their findings name
	// what an auditor of that standard would ask for.
	HIPAASecurity
	NIST80053R5
	PCIDSS321
)

// Check applies the packs to scope and everything below it, verbosely (each
// finding explains itself), except what lies in a nested Stage: aspects stop
// at a Stage's boundary, so check each Stage as well. Apply it before
// anything synthesizes the scope: aspects added after a synth are not run
// again, and CDK Pipelines synthesizes a stage as soon as it is added.
func Check(scope constructs.IConstruct, packs ...Pack) {
	for _, p := range packs {
		var aspect awscdk.IAspect
		switch p {
		case AwsSolutions:
			aspect = cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)})
		case Serverless:
			aspect = cdknag.NewServerlessChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)})
		case HIPAASecurity:
			aspect = cdknag.NewHIPAASecurityChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)})
		case NIST80053R5:
			aspect = cdknag.NewNIST80053R5Checks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)})
		case PCIDSS321:
			aspect = cdknag.NewPCIDSS321Checks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)})
		}
		awscdk.Aspects_Of(scope).Add(aspect, nil)
	}
}

// Rule is one suppression: the rule id, why it does not apply, and the
// findings it covers (none: the whole rule on that resource).
func Rule(id, reason string, appliesTo ...string) *cdknag.NagPackSuppression {
	s := &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		list := make([]interface{}, len(appliesTo))
		for i, a := range appliesTo {
			list[i] = a
		}
		s.AppliesTo = &list
	}
	return s
}

// Suppress attaches rules to a construct and its children.
func Suppress(c constructs.IConstruct, rules ...*cdknag.NagPackSuppression) {
	cdknag.NagSuppressions_AddResourceSuppressions(c, &rules, jsii.Bool(true))
}

// SuppressStack attaches rules to every resource of a stack; for findings on
// resources that CDK itself adds (singleton providers) whose paths are not
// stable.
func SuppressStack(stack awscdk.Stack, rules ...*cdknag.NagPackSuppression) {
	cdknag.NagSuppressions_AddStackSuppressions(stack, &rules, jsii.Bool(true))
}
