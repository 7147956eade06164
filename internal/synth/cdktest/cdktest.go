// Package cdktest holds what the construct and stack tests share: turning
// off synth-time validation for unit tests and collecting cdk-nag findings
// (applied with nag.Check).
package cdktest

import (
	"fmt"
	"os"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// FastSynth turns off aws-cdk-lib's CloudFormation Validate plugin, the most
// expensive step of a small synth. Construct unit tests call it from TestMain
// before the first jsii call; the stack-level tests keep validation on.
func FastSynth() {
	os.Setenv("CDK_VALIDATION", "false")
}

// NagErrors returns the unsuppressed cdk-nag errors of stack, one
// "path: message" line each, sorted. The stack must have had nag.Check applied.
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
