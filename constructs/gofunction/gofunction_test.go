package gofunction_test

import (
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/gofunction"
	"github.com/stratus-cdk/stratus/internal/synth/cdktest"
	"github.com/stratus-cdk/stratus/internal/synth/nag"
)

// One app for the package: each jsii start costs seconds.
var (
	outDir   string
	armStack awscdk.Stack
	x86Stack awscdk.Stack
	armTpl   assertions.Template
	x86Tpl   assertions.Template
	// vpcTpl holds a function in a VPC with Egress and LogEncryptionKey.
	vpcStack awscdk.Stack
	vpcTpl   assertions.Template
)

func TestMain(m *testing.M) {
	cdktest.FastSynth()
	outDir, _ = os.MkdirTemp("", "gofunction-test")
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outDir)})

	armStack = awscdk.NewStack(app, jsii.String("Arm"), nil)
	nag.Check(armStack, nag.AwsSolutions, nag.Serverless)
	gofunction.New(armStack, "Hello", &gofunction.Props{Entry: jsii.String("./testdata/hello")})

	x86Stack = awscdk.NewStack(app, jsii.String("X86"), nil)
	gofunction.New(x86Stack, "Hello", &gofunction.Props{
		Entry: jsii.String("./testdata/hello"),
		FunctionOptions: awslambda.FunctionOptions{
			Architecture:     awslambda.Architecture_X86_64(),
			MemorySize:       jsii.Number(1024),
			Timeout:          awscdk.Duration_Seconds(jsii.Number(30)),
			Tracing:          awslambda.Tracing_PASS_THROUGH,
			LogRetention:     awslogs.RetentionDays_ONE_WEEK,
			LogRemovalPolicy: awscdk.RemovalPolicy_DESTROY,
			Description:      jsii.String("passes through"),
			Environment:      &map[string]*string{"GREETING": jsii.String("hi")},
		},
		Build: &gofunction.BuildOptions{LDFlags: []string{"-X main.version=1.2.3"}},
	})
	vpcStack = awscdk.NewStack(app, jsii.String("Vpc"), nil)
	nag.Check(vpcStack, nag.AwsSolutions, nag.Serverless)
	vpc := awsec2.NewVpc(vpcStack, jsii.String("Vpc"), &awsec2.VpcProps{MaxAzs: jsii.Number(2), NatGateways: jsii.Number(1)})
	nag.Suppress(vpc, nag.Rule("AwsSolutions-VPC7", "A test VPC: flow logs are not what this stack tests."))
	key := awskms.NewKey(vpcStack, jsii.String("LogsKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	gofunction.New(vpcStack, "Hello", &gofunction.Props{
		Entry:            jsii.String("./testdata/hello"),
		FunctionOptions:  awslambda.FunctionOptions{Vpc: vpc},
		LogEncryptionKey: key,
		Egress:           &gofunction.Egress{},
	})
	gofunction.New(vpcStack, "Endpoints", &gofunction.Props{
		Entry:           jsii.String("./testdata/hello"),
		FunctionOptions: awslambda.FunctionOptions{Vpc: vpc},
		Egress:          &gofunction.Egress{HttpsTo: &[]awsec2.IPeer{awsec2.Peer_Ipv4(vpc.VpcCidrBlock())}},
	})
	app.Synth(nil)
	armTpl = assertions.Template_FromStack(armStack, nil)
	vpcTpl = assertions.Template_FromStack(vpcStack, nil)
	x86Tpl = assertions.Template_FromStack(x86Stack, nil)

	code := m.Run()
	os.RemoveAll(outDir)
	jsii.Close()
	os.Exit(code)
}

func TestDefaults(t *testing.T) {
	armTpl.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(1))
	armTpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
		"Runtime":       "provided.al2023",
		"Handler":       "bootstrap",
		"Architectures": []any{"arm64"},
		"MemorySize":    gofunction.DefaultMemorySize,
		"Timeout":       gofunction.DefaultTimeoutSeconds,
		"TracingConfig": map[string]any{"Mode": "Active"},
		"LoggingConfig": map[string]any{
			"LogFormat": "JSON",
			"LogGroup":  map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^HelloLogGroup"))},
		},
	})
	armTpl.HasResource(jsii.String("AWS::Logs::LogGroup"), map[string]any{
		"Properties":     map[string]any{"RetentionInDays": 30},
		"DeletionPolicy": "Retain",
	})
}

func TestNoDeprecatedLogRetentionResource(t *testing.T) {
	for _, tpl := range []assertions.Template{armTpl, x86Tpl} {
		tpl.ResourceCountIs(jsii.String("Custom::LogRetention"), jsii.Number(0))
	}
}

func TestOptionsPassThrough(t *testing.T) {
	x86Tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
		"Architectures": []any{"x86_64"},
		"MemorySize":    1024,
		"Timeout":       30,
		"TracingConfig": map[string]any{"Mode": "PassThrough"},
		"Description":   "passes through",
		"Environment":   map[string]any{"Variables": map[string]any{"GREETING": "hi"}},
	})
	x86Tpl.HasResource(jsii.String("AWS::Logs::LogGroup"), map[string]any{
		"Properties":     map[string]any{"RetentionInDays": 7},
		"DeletionPolicy": "Delete",
	})
}

// bootstrapOf finds the asset folder of the stack's only function in the
// cloud assembly and opens its bootstrap.
func bootstrapOf(t *testing.T, tpl assertions.Template) *elf.File {
	t.Helper()
	key := assertions.NewCapture(nil)
	tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
		"Code": map[string]any{"S3Key": key},
	})
	hash := strings.TrimSuffix(*key.AsString(), ".zip")
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(hash) {
		t.Fatalf("S3Key %q is not a SHA-256 asset hash", *key.AsString())
	}
	path := filepath.Join(outDir, "asset."+hash, "bootstrap")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("asset has no bootstrap: %v", err)
	}
	if st.Mode().Perm()&0o111 == 0 {
		t.Errorf("bootstrap mode %v is not executable", st.Mode())
	}
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("bootstrap is not an ELF file: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestBootstrapIsELFForArchitecture(t *testing.T) {
	for _, c := range []struct {
		tpl  assertions.Template
		want elf.Machine
	}{{armTpl, elf.EM_AARCH64}, {x86Tpl, elf.EM_X86_64}} {
		f := bootstrapOf(t, c.tpl)
		if f.Machine != c.want || f.Type != elf.ET_EXEC {
			t.Errorf("bootstrap is %v %v, want an executable for %v", f.Type, f.Machine, c.want)
		}
	}
}

func TestBootstrapIsStrippedAndStatic(t *testing.T) {
	f := bootstrapOf(t, armTpl)
	if s := f.Section(".symtab"); s != nil {
		t.Error("bootstrap has a symbol table: -ldflags -s was not applied")
	}
	if s := f.Section(".interp"); s != nil {
		t.Error("bootstrap asks for a dynamic loader: CGO_ENABLED=0 was not applied")
	}
}

// The only finding left is Serverless-LambdaDLQ, on purpose: whether a
// function needs a dead-letter queue depends on how it is invoked (API
// Gateway and SQS invoke synchronously), which only the caller knows.
func TestNagClean(t *testing.T) {
	for _, e := range cdktest.NagErrors(armStack) {
		if !strings.Contains(e, "Serverless-LambdaDLQ") {
			t.Errorf("unsuppressed cdk-nag error: %s", e)
		}
	}
}

func TestRoleIsLeastPrivilege(t *testing.T) {
	armTpl.ResourcePropertiesCountIs(jsii.String("AWS::IAM::Role"), map[string]any{
		"ManagedPolicyArns": assertions.Match_AnyValue(),
	}, jsii.Number(0))
	armTpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
			map[string]any{
				"Action":   []any{"logs:CreateLogStream", "logs:PutLogEvents"},
				"Effect":   "Allow",
				"Resource": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^HelloLogGroup")), "Arn"}},
			},
		})},
	})
}

func newStack() awscdk.Stack {
	return awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil)
}

func TestCompileErrorQuotesCompiler(t *testing.T) {
	msg := cdktest.Recover(func() {
		gofunction.New(newStack(), "Broken", &gofunction.Props{Entry: jsii.String("./testdata/broken")})
	})
	for _, want := range []string{"gofunction.New S/Broken", `Entry "./testdata/broken"`, "undefined: undefinedFunction"} {
		if !strings.Contains(msg, want) {
			t.Errorf("panic %q does not contain %q", msg, want)
		}
	}
}

func TestMissingEntryIsNamed(t *testing.T) {
	msg := cdktest.Recover(func() {
		gofunction.New(newStack(), "Missing", &gofunction.Props{Entry: jsii.String("./testdata/nope")})
	})
	if !strings.Contains(msg, `gofunction.New S/Missing: invalid props`) || !strings.Contains(msg, `Entry "./testdata/nope": does not exist`) {
		t.Errorf("panic %q does not name the missing entry", msg)
	}
	msg = cdktest.Recover(func() { gofunction.New(newStack(), "NoEntry", nil) })
	if !strings.Contains(msg, "Entry (unset): required") {
		t.Errorf("panic %q does not say Entry is required", msg)
	}
}

// Every problem of the props at once, before anything is built.
func TestInvalidPropsPanicOnceNamingEach(t *testing.T) {
	msg := cdktest.Recover(func() {
		gofunction.New(newStack(), "Bad", &gofunction.Props{
			Entry: jsii.String("./testdata/nope"),
			Build: &gofunction.BuildOptions{Env: map[string]string{"GOARCH": "386"}},
		})
	})
	for _, want := range []string{"gofunction.New S/Bad: invalid props", `Entry "./testdata/nope": does not exist`,
		`Build.Env "GOARCH": set by the construct`} {
		if !strings.Contains(msg, want) {
			t.Errorf("panic does not contain %q:\n%s", want, msg)
		}
	}
}

// Egress leaves HTTPS as the only way out of the function's security group
// (CDK's default would be all traffic to 0.0.0.0/0), to anywhere by default
// or to the peers given; a rule added through Connections() comes on top.
func TestEgressAllowsHttpsOnly(t *testing.T) {
	groups := vpcTpl.FindResources(jsii.String("AWS::EC2::SecurityGroup"), nil)
	want := map[string]string{"Hello": "0.0.0.0/0", "Endpoints": "CidrBlock"}
	if len(*groups) != len(want) {
		t.Fatalf("%d security groups, want one per function", len(*groups))
	}
	for id, sg := range *groups {
		props, _ := (*sg)["Properties"].(map[string]any)
		egress, _ := props["SecurityGroupEgress"].([]any)
		if len(egress) != 1 {
			t.Errorf("%s: %d egress rules, want HTTPS only: %v", id, len(egress), egress)
			continue
		}
		rule := egress[0].(map[string]any)
		if rule["IpProtocol"] != "tcp" || rule["FromPort"] != 443.0 || rule["ToPort"] != 443.0 {
			t.Errorf("%s: egress %v is not TCP 443", id, rule)
		}
		for fn, cidr := range want {
			if strings.HasPrefix(id, fn) && !strings.Contains(fmt.Sprint(rule["CidrIp"]), cidr) {
				t.Errorf("%s: HTTPS goes to %v, want %s", id, rule["CidrIp"], cidr)
			}
		}
	}
}

// The log group is encrypted with the key, whose policy lets CloudWatch
// Logs use it: without that statement CloudFormation fails to create the
// log group.
func TestLogEncryptionKey(t *testing.T) {
	vpcTpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{
		"KmsKeyId": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^LogsKey")), "Arn"}},
	})
	vpcTpl.ResourcePropertiesCountIs(jsii.String("AWS::Logs::LogGroup"), map[string]any{
		"KmsKeyId": assertions.Match_Absent(),
	}, jsii.Number(1)) // the Endpoints function's, given no key
	vpcTpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{
		"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
			assertions.Match_ObjectLike(&map[string]any{
				"Sid":       "CloudWatchLogsOfThisAccount",
				"Principal": map[string]any{"Service": assertions.Match_AnyValue()},
			}),
		})},
	})
	armTpl.ResourcePropertiesCountIs(jsii.String("AWS::Logs::LogGroup"), map[string]any{
		"KmsKeyId": assertions.Match_AnyValue(),
	}, jsii.Number(0))
}

func TestVpcFunctionNagClean(t *testing.T) {
	for _, e := range cdktest.NagErrors(vpcStack) {
		if !strings.Contains(e, "Serverless-LambdaDLQ") {
			t.Errorf("unsuppressed cdk-nag error: %s", e)
		}
	}
}

func TestEgressAndLogKeyMisuseIsNamed(t *testing.T) {
	stack := newStack()
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), nil)
	sg := awsec2.NewSecurityGroup(stack, jsii.String("Sg"), &awsec2.SecurityGroupProps{Vpc: vpc})
	key := awskms.NewKey(stack, jsii.String("Key"), nil)
	msg := cdktest.Recover(func() {
		gofunction.New(stack, "NoVpc", &gofunction.Props{
			Entry:            jsii.String("./testdata/hello"),
			LogEncryptionKey: key,
			FunctionOptions:  awslambda.FunctionOptions{LogGroup: awslogs.NewLogGroup(stack, jsii.String("Own"), nil)},
			Egress:           &gofunction.Egress{HttpsTo: &[]awsec2.IPeer{}},
		})
	})
	for _, want := range []string{"gofunction.New S/NoVpc: invalid props", "LogEncryptionKey (a key): applies to the log group New creates",
		"Egress (set): restricts a function in a VPC: set Vpc too", "Egress.HttpsTo (empty)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("panic does not contain %q:\n%s", want, msg)
		}
	}
	msg = cdktest.Recover(func() {
		gofunction.New(stack, "Both", &gofunction.Props{
			Entry: jsii.String("./testdata/hello"),
			FunctionOptions: awslambda.FunctionOptions{Vpc: vpc, AllowAllOutbound: jsii.Bool(true),
				SecurityGroups: &[]awsec2.ISecurityGroup{sg}},
			Egress: &gofunction.Egress{},
		})
	})
	for _, want := range []string{"Egress (set): cannot restrict the security groups given in SecurityGroups", "AllowAllOutbound true: contradicts Egress"} {
		if !strings.Contains(msg, want) {
			t.Errorf("panic does not contain %q:\n%s", want, msg)
		}
	}
}

func TestLibraryPackageIsRefused(t *testing.T) {
	msg := cdktest.Recover(func() {
		gofunction.New(newStack(), "Lib", &gofunction.Props{Entry: jsii.String("./testdata/notmain")})
	})
	if !strings.Contains(msg, "./testdata/notmain") || !strings.Contains(msg, "package main") {
		t.Errorf("panic %q does not explain that the entry is not a main package", msg)
	}
}

// CollectorLayer adds the ADOT collector layer of the function's architecture and region.
func TestCollectorLayer(t *testing.T) {
	stack := newStack()
	gofunction.New(stack, "Traced", &gofunction.Props{Entry: jsii.String("./testdata/hello"), CollectorLayer: jsii.String("0-117-0:1")})
	tpl := assertions.Template_FromStack(stack, nil)
	tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
		"TracingConfig": map[string]any{"Mode": "Active"},
		"Layers":        []any{map[string]any{"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:901920570463:layer:aws-otel-collector-arm64-ver-0-117-0:1"}},
	})
	msg := cdktest.Recover(func() {
		gofunction.New(newStack(), "Bad", &gofunction.Props{Entry: jsii.String("./testdata/hello"), CollectorLayer: jsii.String("latest"),
			FunctionOptions: awslambda.FunctionOptions{Tracing: awslambda.Tracing_DISABLED}})
	})
	for _, want := range []string{`CollectorLayer "latest": is not an ADOT collector layer version`, "Tracing", "must stay ACTIVE with CollectorLayer"} {
		if !strings.Contains(msg, want) {
			t.Errorf("panic does not contain %q:\n%s", want, msg)
		}
	}
}
