package gofunction

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/gofunction/internal/buildcache"
	"github.com/stratus-cdk/stratus/internal/nag"
	"github.com/stratus-cdk/stratus/internal/propcheck"
	"github.com/stratus-cdk/stratus/internal/secure"
)

// Props configures a Go Lambda function. Every awslambda.FunctionOptions
// field passes through to the function unchanged, except LogRetention and
// LogRemovalPolicy, which configure the log group New creates.
type Props struct {
	awslambda.FunctionOptions

	// Entry is the directory of the Go main package to build, absolute or
	// relative to the working directory of the synth (the CDK app's folder),
	// e.g. "./lambdas/api". It must be inside a Go module.
	Entry *string

	// Build adjusts `go build`.
	// Default: - no extra tags, ldflags or environment.
	Build *BuildOptions

	// LogEncryptionKey encrypts the log group New creates (not one given as
	// LogGroup: encrypt that one yourself). New adds to the key's policy the
	// statement CloudWatch Logs needs (this account's log groups in the key's
	// region may use it); an imported key's policy must already allow it.
	// Default: - CloudWatch Logs' own encryption, with a key AWS owns.
	LogEncryptionKey awskms.IKey

	// Egress restricts a function in a VPC to HTTPS out (see Egress); other
	// destinations, such as a database's port, are opened by what connects
	// the function, through its Connections() (serverlessdb's Bind does).
	// Needs Vpc; not with SecurityGroups (bring their rules) or
	// AllowAllOutbound.
	// Default: - all outbound traffic allowed, CDK's default for a function in a VPC.
	Egress *Egress
}

// Egress is the outbound traffic a function in a VPC may send: HTTPS (TCP
// 443) to HttpsTo, and whatever is added later through the function's
// Connections().
type Egress struct {
	// HttpsTo are where HTTPS may go: the AWS APIs the function calls.
	// Behind a NAT gateway those answer on public addresses that no security
	// group rule can list, so the default is anywhere. In a VPC without a NAT
	// (VPC endpoints only) name the endpoints instead: the VPC's CIDR for
	// interface endpoints, the S3 or DynamoDB prefix list for gateway ones.
	// Default: - awsec2.Peer_AnyIpv4(): 0.0.0.0/0 on port 443 only.
	HttpsTo *[]awsec2.IPeer
}

// BuildOptions adjusts the `go build` command. The reproducible flags are
// always set; these add to them.
type BuildOptions struct {
	// Tags are added to `lambda.norpc`.
	Tags []string
	// LDFlags are added to "-s -w -buildid=", e.g. "-X main.version=1.2.3".
	LDFlags []string
	// Env is added to the build's environment (e.g. GOEXPERIMENT, GOFLAGS).
	// GOOS, GOARCH and CGO_ENABLED are set from the function's architecture.
	Env map[string]string
}

// Defaults documented in the package comment.
const (
	DefaultMemorySize     = 256
	DefaultTimeoutSeconds = 10
	DefaultLogRetention   = awslogs.RetentionDays_ONE_MONTH
)

// New builds props.Entry and returns the function running it. Invalid
// props panic with one message naming every problem; a failed build panics
// with the compiler's output (see the package doc).
func New(scope constructs.Construct, id string, props *Props) awslambda.Function {
	if props == nil {
		props = &Props{}
	}
	arch := props.Architecture
	if arch == nil {
		arch = awslambda.Architecture_ARM_64()
	}
	c := propcheck.For("gofunction.New", scope, id)
	spec := newSpec(c, props, *arch.Name())
	checkOptions(c, props)
	c.Panic()
	asset, err := cacheOf(scope).Build(spec)
	if err != nil {
		panic(fmt.Sprintf("gofunction.New %s: Entry %q: %v", c.Path(), *props.Entry, err))
	}

	fp := functionProps(props.FunctionOptions)
	fp.Architecture = arch
	fp.Runtime = awslambda.Runtime_PROVIDED_AL2023()
	fp.Handler = jsii.String("bootstrap")
	fp.Code = awslambda.Code_FromAsset(jsii.String(asset.Dir), &awss3assets.AssetOptions{
		AssetHash:     jsii.String(asset.Hash),
		AssetHashType: awscdk.AssetHashType_CUSTOM,
	})
	if fp.MemorySize == nil {
		fp.MemorySize = jsii.Number(DefaultMemorySize)
	}
	if fp.Timeout == nil {
		fp.Timeout = awscdk.Duration_Seconds(jsii.Number(DefaultTimeoutSeconds))
	}
	if fp.LoggingFormat == "" {
		fp.LoggingFormat = awslambda.LoggingFormat_JSON
	}
	if fp.Tracing == "" {
		fp.Tracing = awslambda.Tracing_ACTIVE
	}
	if fp.LogGroup == nil {
		fp.LogGroup = newLogGroup(scope, id, props)
	}
	if fp.Role == nil {
		fp.Role = newRole(scope, id, fp)
	}
	// The log group above carries retention and removal; handing them to the
	// function too would add CDK's deprecated log-retention custom resource.
	fp.LogRetention = ""
	fp.LogRemovalPolicy = ""
	if props.Egress != nil {
		fp.AllowAllOutbound = jsii.Bool(false)
	}
	fn := awslambda.NewFunction(scope, jsii.String(id), fp)
	if props.Egress != nil {
		restrictEgress(fn, props.Egress)
	}
	return fn
}

func newLogGroup(scope constructs.Construct, id string, props *Props) awslogs.LogGroup {
	retention := props.LogRetention
	if retention == "" {
		retention = DefaultLogRetention
	}
	removal := props.LogRemovalPolicy
	if removal == "" {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	if key := props.LogEncryptionKey; key != nil {
		secure.AllowLogs(key)
	}
	return awslogs.NewLogGroup(scope, jsii.String(id+"LogGroup"), &awslogs.LogGroupProps{
		Retention:     retention,
		RemovalPolicy: removal,
		EncryptionKey: props.LogEncryptionKey,
	})
}

// newRole is the function's execution role with only what running needs:
// writing to its own log group and, in a VPC, managing its network
// interfaces. CDK's default role would attach the AWS managed
// AWSLambdaBasicExecutionRole, which may write to every log group.
func newRole(scope constructs.Construct, id string, fp *awslambda.FunctionProps) awsiam.Role {
	role := awsiam.NewRole(scope, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Execution role of the " + id + " function"),
	})
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: jsii.Strings(*fp.LogGroup.LogGroupRef().LogGroupArn),
	}))
	var wildcards []string
	if fp.Tracing != awslambda.Tracing_DISABLED && fp.Tracing != awslambda.Tracing_PASS_THROUGH {
		wildcards = append(wildcards, "X-Ray's PutTraceSegments and PutTelemetryRecords")
	}
	if fp.Vpc != nil {
		// What AWSLambdaVPCAccessExecutionRole grants, which CDK adds only to
		// roles it creates itself.
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
				"ec2:DescribeSubnets", "ec2:DeleteNetworkInterface",
				"ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"),
			Resources: jsii.Strings("*"),
		}))
		wildcards = append(wildcards, "Lambda's network-interface actions in a VPC")
	}
	if len(wildcards) > 0 {
		nag.Suppress(role, nag.Rule("AwsSolutions-IAM5",
			strings.Join(wildcards, " and ")+" support no resource-level permissions: their Resource must be *.",
			"Resource::*"))
	}
	return role
}

// newSpec resolves the entry and the build options into a build spec,
// recording what is wrong with them.
func newSpec(c *propcheck.Problems, props *Props, archName string) buildcache.Spec {
	spec := buildcache.Spec{}
	if c.Require("Entry", props.Entry, `the directory of a Go main package, e.g. "./lambdas/api"`) {
		dir, err := filepath.Abs(*props.Entry)
		if err != nil {
			c.Add("Entry", props.Entry, "%v", err)
		} else if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			c.Add("Entry", props.Entry, "does not exist or is not a directory (resolved to %s)", dir)
		}
		spec.EntryDir = dir
	}
	spec.GOARCH = map[string]string{"arm64": "arm64", "x86_64": "amd64"}[archName]
	if spec.GOARCH == "" {
		c.Add("Architecture", archName, "not supported (want ARM_64 or X86_64)")
	}
	if b := props.Build; b != nil {
		spec.Tags, spec.LDFlags, spec.Env = b.Tags, b.LDFlags, b.Env
		for k := range b.Env {
			switch k {
			case "GOOS", "GOARCH", "CGO_ENABLED":
				c.Add("Build.Env", k, "set by the construct from the function's architecture (linux, static)")
			}
		}
	}
	return spec
}

// functionProps copies every FunctionOptions field into FunctionProps by
// name. The jsii bindings flatten FunctionProps instead of embedding
// FunctionOptions; copying by reflection keeps every option passing through
// as aws-cdk-lib adds new ones.
func functionProps(opts awslambda.FunctionOptions) *awslambda.FunctionProps {
	fp := &awslambda.FunctionProps{}
	src := reflect.ValueOf(opts)
	dst := reflect.ValueOf(fp).Elem()
	for i := 0; i < src.NumField(); i++ {
		name := src.Type().Field(i).Name
		if f := dst.FieldByName(name); f.IsValid() && f.CanSet() {
			f.Set(src.Field(i))
		}
	}
	return fp
}
