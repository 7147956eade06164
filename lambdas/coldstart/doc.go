// Package coldstart measures each deployed function's bootstrap: its size as
// deployed (linux/arm64, gofunction's flags), the packages that make it
// big, its cold start under the Lambda Runtime Interface Emulator, and its
// init apart from its first invoke (against a Runtime API of the
// benchmark's own, as the emulator cannot split them), each next to a
// hello-world handler built the same way in the same run. It holds
// the benchmark (make bench):
//
//	go test -run '^$' -bench . ./lambdas/coldstart
//
// and one test, TestFunctionsLinkOnlyWhatTheyUse, that keeps out of each
// function the packages whose removal the benchmark measured (protobuf,
// OpenTelemetry in the untraced functions, the SNS and SSM SDK clients).
package coldstart
