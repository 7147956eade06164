package gofunction

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/nag"
	"github.com/stratus-cdk/stratus/internal/synth/propcheck"
	"github.com/stratus-cdk/stratus/internal/synth/secure"
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
	spec := validate(c, props, *arch.Name())
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
	if v := props.CollectorLayer; v != nil {
		arch := map[string]string{"arm64": "arm64", "x86_64": "amd64"}[*fp.Architecture.Name()]
		// CompatibleRuntimes is given because CDK hashes it into the
		// function's CurrentVersion logical id, and an imported layer's
		// default is Runtime.ALL, a process-wide list that grows as stacks
		// are built: without it, a stage synthesized alone (-c stage=Prod)
		// named its versions differently from the full synth.
		layer := awslambda.LayerVersion_FromLayerVersionAttributes(scope, jsii.String(id+"Collector"), &awslambda.LayerVersionAttributes{
			LayerVersionArn: awscdk.Fn_Sub(jsii.String(
				"arn:${AWS::Partition}:lambda:${AWS::Region}:"+CollectorLayerAccount+":layer:aws-otel-collector-"+arch+"-ver-"+*v), nil),
			CompatibleRuntimes: &[]awslambda.Runtime{fp.Runtime},
		})
		layers := []awslambda.ILayerVersion{layer}
		if fp.Layers != nil {
			layers = append(layers, *fp.Layers...)
		}
		fp.Layers = &layers
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

// restrictEgress gives fn's security group (created by Lambda's L2 with all
// outbound traffic denied, AllowAllOutbound false) its HTTPS rules.
func restrictEgress(fn awslambda.Function, e *Egress) {
	peers := []awsec2.IPeer{awsec2.Peer_AnyIpv4()}
	if e.HttpsTo != nil {
		peers = *e.HttpsTo
	}
	for _, p := range peers {
		fn.Connections().AllowTo(p, awsec2.Port_Tcp(jsii.Number(HttpsPort)), jsii.String("HTTPS to AWS APIs"))
	}
}
