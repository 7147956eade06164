package gofunction

import (
	"os"
	"path/filepath"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/stratus-cdk/stratus/constructs/gofunction/internal/buildcache"
	"github.com/stratus-cdk/stratus/internal/synth/propcheck"
)

// Props configures a Go Lambda function. Every awslambda.FunctionOptions
// field passes through to the function unchanged, except LogRetention and
// LogRemovalPolicy, which configure the log group New creates.
type Props struct {
	// FunctionOptions pass through to the function.
	// Default: - those of the package doc's Defaults: ARM_64, 256 MB, 10 s,
	// JSON logs, active tracing, a least-privilege role and a log group of
	// the function's own (one month, RETAIN); CDK's for the others.
	awslambda.FunctionOptions

	// Entry is the directory of the Go main package to build, absolute or
	// relative to the working directory of the synth (the CDK app's folder),
	// e.g. "./lambdas/api". It must be inside a Go module.
	// Default: - none: New panics naming Entry when it is unset.
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

	// CollectorLayer adds the AWS Distro for OpenTelemetry collector Lambda
	// layer of this version (its name's version and the layer version, e.g.
	// "0-117-0:1"): arn:aws:lambda:<region>:901920570463:layer:aws-otel-collector-<arm64|amd64>-ver-<CollectorLayer>.
	// The collector runs as an extension, receives OTLP/HTTP on
	// localhost:4318 and exports the function's spans to X-Ray with its role
	// (active tracing's xray:PutTraceSegments, which New grants with it).
	// Point the function's exporter there (OTEL_EXPORTER_OTLP_ENDPOINT).
	// Default: - no collector: the function's own spans are not exported.
	CollectorLayer *string

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

// HttpsPort is the only port Egress opens by itself.
const HttpsPort = 443

// BuildOptions adjusts the `go build` command. The reproducible flags are
// always set; these add to them.
type BuildOptions struct {
	// Tags are added to `lambda.norpc`.
	// Default: - lambda.norpc alone.
	Tags []string
	// LDFlags are added to "-s -w -buildid=", e.g. "-X main.version=1.2.3".
	// Default: - "-s -w -buildid=" alone.
	LDFlags []string
	// Env is added to the build's environment (e.g. GOEXPERIMENT, GOFLAGS).
	// GOOS, GOARCH and CGO_ENABLED are set from the function's architecture.
	// Default: - the synth's environment, with GOOS, GOARCH and CGO_ENABLED set.
	Env map[string]string
}

// Defaults documented in the package comment.
const (
	DefaultMemorySize     = 256
	DefaultTimeoutSeconds = 10
	DefaultLogRetention   = awslogs.RetentionDays_ONE_MONTH
)

// validate records in c every problem of props, for a function of the
// architecture archName, and returns the build spec of the entry and the
// build options.
func validate(c *propcheck.Problems, props *Props, archName string) buildcache.Spec {
	spec := newSpec(c, props, archName)
	checkOptions(c, props)
	if v := props.CollectorLayer; v != nil && !collectorVersion.MatchString(*v) {
		c.Add("CollectorLayer", v, `is not an ADOT collector layer version such as "0-117-0:1"`)
	}
	if v := props.CollectorLayer; v != nil && (props.Tracing == awslambda.Tracing_DISABLED || props.Tracing == awslambda.Tracing_PASS_THROUGH) {
		c.Add("Tracing", props.Tracing, "must stay ACTIVE with CollectorLayer: the collector exports to X-Ray with active tracing's permissions")
	}
	return spec
}

// collectorVersion is an ADOT collector layer version: its name's version, a colon, the layer version.
var collectorVersion = regexp.MustCompile(`^[0-9]+-[0-9]+-[0-9]+:[0-9]+$`)

// CollectorLayerAccount is the AWS account that publishes the ADOT Lambda layers.
const CollectorLayerAccount = "901920570463"

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

// checkOptions records what is wrong with the log and network options:
// combinations whose intent New cannot honour.
func checkOptions(c *propcheck.Problems, props *Props) {
	if props.LogEncryptionKey != nil && props.LogGroup != nil {
		c.Add("LogEncryptionKey", propcheck.Shown("(a key)"),
			"applies to the log group New creates; with LogGroup given, encrypt that log group instead")
	}
	e := props.Egress
	if e == nil {
		return
	}
	if props.Vpc == nil {
		c.Add("Egress", propcheck.Shown("(set)"), "restricts a function in a VPC: set Vpc too")
	}
	if props.SecurityGroups != nil && len(*props.SecurityGroups) > 0 {
		c.Add("Egress", propcheck.Shown("(set)"), "cannot restrict the security groups given in SecurityGroups: their rules are yours")
	}
	if props.AllowAllOutbound != nil && *props.AllowAllOutbound {
		c.Add("AllowAllOutbound", true, "contradicts Egress, which allows HTTPS only")
	}
	if e.HttpsTo != nil && len(*e.HttpsTo) == 0 {
		c.Add("Egress.HttpsTo", propcheck.Shown("(empty)"), "leave it nil for anywhere, or name at least one peer")
	}
}
