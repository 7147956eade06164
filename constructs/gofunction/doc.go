// Package gofunction builds a Go main package into a Lambda function at synth
// time, without Docker.
//
//	fn := gofunction.New(stack, "Api", &gofunction.Props{
//		Entry: jsii.String("./lambdas/api"), // a Go main package
//		FunctionOptions: awslambda.FunctionOptions{MemorySize: jsii.Number(512)},
//	})
//
// # Build
//
// New runs `go build` in the entry's directory, for linux and the
// function's architecture, with the reproducible flags
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -trimpath -buildvcs=false -tags lambda.norpc -ldflags "-s -w -buildid="
//
// and ships the resulting `bootstrap` as the function's code on the
// provided.al2023 runtime. Props.Build adds tags (to lambda.norpc), ldflags
// (to "-s -w -buildid=", e.g. "-X main.version=1.2.3") and environment
// variables (GOFLAGS, GOEXPERIMENT, …; GOOS, GOARCH and CGO_ENABLED are the
// construct's). The `go` on the PATH builds, with the entry's module and
// the caller's module cache and proxy settings; the entry must be inside a
// Go module. The asset hash is the SHA-256 of the binary, so the same
// source built by the same Go version gives the same asset, whatever the
// checkout path or the time of the build. Each distinct build runs once per
// App: several stages that use the same entry share one binary. And it
// runs again in a later synth only when something it is built from has
// changed: the binaries are kept in the user's cache folder
// (~/.cache/stratus/gofunction on Linux, 0700) with the list of their
// inputs, every file of every package they import from outside GOROOT and
// the module cache, go.mod, go.sum and the Go toolchain (see
// internal/buildcache).
//
// # The build cache's lifetime
//
// The cache is a value, not package state: the first New in a construct
// tree creates it and hangs it off the tree's root (the App) as a child
// construct without resources, StratusGoFunctionBuildCache, where every
// later New in that tree finds it; it lives as long as the App. So the
// stages of one App share their builds, and two Apps (two tests, two synths
// in one process) never see each other's in memory: only the folder on disk
// is shared, which is the point of it and safe across processes. Nothing
// else is needed from the caller: Props stays as it was, with no cache to
// pass around, and no default cache is reachable or changeable from outside.
// The construct appears in tree.json and in the App's Node().Children(),
// never in a template.
//
// # Defaults
//
// Each can be overridden through the embedded awslambda.FunctionOptions,
// whose every field passes through:
//
//   - Architecture: ARM_64 (Graviton: cheaper per GB-second); X86_64 builds GOARCH=amd64.
//   - MemorySize: 256 MB (DefaultMemorySize). Timeout: 10 seconds (DefaultTimeoutSeconds).
//   - An execution role that may write only to the function's log group (plus
//     X-Ray and, in a VPC, network interfaces, whose actions take no
//     resource: cdk-nag's AwsSolutions-IAM5 is excused for exactly those);
//     set Role to bring your own. CDK's default role would carry the AWS
//     managed AWSLambdaBasicExecutionRole, which may write to every log group.
//   - A log group owned by the function, with LogRetention (default ONE_MONTH) and
//     LogRemovalPolicy (default RETAIN) applied to it; set LogGroup to bring your own.
//     FunctionOptions.LogRetention is never handed to Lambda's deprecated
//     log-retention custom resource.
//   - LoggingFormat: JSON, so log/slog's JSON lines are indexed by CloudWatch.
//   - Tracing: ACTIVE (X-Ray).
//
// # Encryption and network
//
// LogEncryptionKey encrypts the log group with a customer managed key (New
// adds the statement CloudWatch Logs needs to the policy of a key made in
// the app). Egress restricts a function in a VPC, which CDK lets send
// anything anywhere, to HTTPS: TCP 443 to Egress.HttpsTo (default
// 0.0.0.0/0, because behind a NAT gateway the AWS APIs answer on public
// addresses; name the VPC endpoints instead in a VPC without one). Other
// destinations are opened where the function is connected to them, e.g.
// serverlessdb's Bind adds the database port to the proxy or cluster's
// security group, egress and ingress. DNS (the VPC's resolver) and X-Ray
// (the Lambda environment's daemon) do not pass through security groups.
//
// A function from New with these defaults passes cdk-nag's AwsSolutions
// pack and the Serverless pack's memory, timeout, tracing and log checks.
// Serverless-LambdaDLQ depends on how the function is invoked, so it is left
// to the caller, or to the construct that invokes it (apiwithauth for its
// routes, eventbus for its subscribers).
//
// # Errors
//
// Everything is checked before anything is built, and New panics once,
// naming the construct path, each prop and its value: Entry missing, not a
// directory; an Architecture other than ARM_64 or X86_64; GOOS, GOARCH or
// CGO_ENABLED in Build.Env; LogEncryptionKey with LogGroup; Egress without
// Vpc, with SecurityGroups or AllowAllOutbound, or with an empty HttpsTo. A failed build panics with the entry and the
// compiler's output; an entry that is not a `package main` (go build would
// write an archive) panics saying so. There is no error return: like every
// CDK construct, a bad definition stops the synth.
package gofunction
