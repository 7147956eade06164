// Package cdktest holds what the construct and stack tests share: turning
// off synth-time validation for unit tests and collecting cdk-nag findings.
package cdktest

import (
	"fmt"
	"os"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// FastSynth turns off aws-cdk-lib's CloudFormation Validate plugin, the most
// expensive step of a small synth. Construct unit tests call it from TestMain
// before the first jsii call; the stack-level tests keep validation on.
func FastSynth() {
	os.Setenv("CDK_VALIDATION", "false")
}

// Pack names a cdk-nag rule pack.
type Pack int

const (
	AwsSolutions Pack = iota
	Serverless
)

// AddNag applies the packs to scope. Call it before anything synthesizes the
// app: aspects added after a synth are not run again.
func AddNag(scope awscdk.Stack, packs ...Pack) {
	for _, p := range packs {
		var aspect awscdk.IAspect
		switch p {
		case AwsSolutions:
			aspect = cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)})
		case Serverless:
			aspect = cdknag.NewServerlessChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)})
		}
		awscdk.Aspects_Of(scope).Add(aspect, nil)
	}
}

// NagErrors returns the unsuppressed cdk-nag errors of stack, one
// "path: message" line each, sorted. The stack must have had AddNag applied.
func NagErrors(stack awscdk.Stack) []string {
	msgs := assertions.Annotations_FromStack(stack).FindError(jsii.String("*"),
		assertions.Match_StringLikeRegexp(jsii.String("^(AwsSolutions|Serverless)-")))
	var out []string
	for _, m := range *msgs {
		out = append(out, fmt.Sprintf("%s: %v", *m.Id, m.Entry.Data))
	}
	sort.Strings(out)
	return out
}

// Recover runs f and returns the message of the panic it raised, or "" when
// it returned normally.
func Recover(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}
