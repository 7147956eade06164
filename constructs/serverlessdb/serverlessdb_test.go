package serverlessdb_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/constructs/gofunction"
	"github.com/stratus-cdk/stratus/constructs/serverlessdb"
	"github.com/stratus-cdk/stratus/internal/synth/cdktest"
	"github.com/stratus-cdk/stratus/internal/synth/nag"
)

const hello = "../gofunction/testdata/hello"

// One app for the package, synthesized once: each jsii start costs seconds.
var (
	defaultsStack, customStack, existingStack, regionalStack, zonedStack awscdk.Stack
	defaultsTpl, customTpl, existingTpl, regionalTpl, zonedTpl           assertions.Template
	// consumerStack holds a role granted on customDb's proxy from another
	// stack: the cross-stack reference a team's app stack makes.
	consumerStack                    awscdk.Stack
	consumerTpl                      assertions.Template
	defaultsDb, customDb, existingDb *serverlessdb.ServerlessDb
	// Grants to roles, not functions: through the proxy and direct.
	proxyRoleGrant, directRoleGrant awsiam.Grant
)

// regionalAZs are the AZs an environment-specific stack reads from context
// (cdk.json in the app) instead of looking them up.
var regionalAZs = []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}

// zonedAZs are the zones the Zoned stack gives by name.
var zonedAZs = []string{"eu-west-1b", "eu-west-1c"}

// missingContext lists the context lookups the synth asked for.
var missingContext []string

func TestMain(m *testing.M) {
	cdktest.FastSynth()
	outDir, _ := os.MkdirTemp("", "serverlessdb-test")
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outDir), Context: &map[string]any{
		"availability-zones:account=123456789012:region=eu-west-1": regionalAZs,
		// As this repository's cdk.json: cross-stack references read the
		// producer's outputs with Fn::GetStackOutput.
		"@aws-cdk/core:defaultCrossStackReferences": "weak",
	}})

	// Defaults: only the construct and its migrations, under cdk-nag.
	defaultsStack = awscdk.NewStack(app, jsii.String("Defaults"), nil)
	nag.Check(defaultsStack, nag.AwsSolutions, nag.Serverless)
	defaultsDb = serverlessdb.New(defaultsStack, "Db", nil)
	defaultsDb.AddMigrations(&serverlessdb.MigrationsProps{
		Function: inVpc(defaultsStack, "Migrate", defaultsDb),
		Version:  jsii.String("v1"),
	})

	// Custom: every prop set, a proxy, no NAT, under cdk-nag too.
	customStack = awscdk.NewStack(app, jsii.String("Custom"), nil)
	nag.Check(customStack, nag.AwsSolutions, nag.Serverless)
	customDb = serverlessdb.New(customStack, "Db", &serverlessdb.Props{
		MaxAzs:             jsii.Number(2),
		NatGateways:        jsii.Number(0),
		EngineVersion:      awsrds.AuroraPostgresEngineVersion_VER_16_9(),
		DatabaseName:       jsii.String("orders"),
		AdminUser:          jsii.String("orders_owner"),
		Port:               jsii.Number(6543),
		MinCapacity:        jsii.Number(1),
		MaxCapacity:        jsii.Number(8),
		Readers:            jsii.Number(2),
		Parameters:         &map[string]*string{"log_min_duration_statement": jsii.String("500")},
		BackupRetention:    awscdk.Duration_Days(jsii.Number(14)),
		DeletionProtection: jsii.Bool(false),
		RemovalPolicy:      awscdk.RemovalPolicy_DESTROY,
		RotationInterval:   awscdk.Duration_Days(jsii.Number(7)),
		LogRetention:       awslogs.RetentionDays_ONE_WEEK,
		Proxy:              jsii.Bool(true),
		MonitoringInterval: awscdk.Duration_Seconds(jsii.Number(60)),
		InterfaceEndpoints: &[]awsec2.InterfaceVpcEndpointAwsService{awsec2.InterfaceVpcEndpointAwsService_SNS()},
		Alarms: &serverlessdb.AlarmProps{
			CPUPercent: jsii.Number(70), ACUPercent: jsii.Number(75), Connections: jsii.Number(500),
		},
		// Two names of the caller's; the others keep their defaults.
		Env: &serverlessdb.EnvNames{Host: jsii.String("ORDERS_DB_HOST"), SecretArn: jsii.String("ORDERS_ADMIN_SECRET")},
	})
	// Without a NAT the function reaches AWS APIs through the VPC's
	// interface endpoints only: HTTPS to the VPC's CIDR.
	api := gofunction.New(customStack, "Api", &gofunction.Props{
		Entry:           jsii.String(hello),
		FunctionOptions: awslambda.FunctionOptions{Vpc: customDb.Vpc, VpcSubnets: customDb.FunctionSubnets()},
		Egress:          &gofunction.Egress{HttpsTo: &[]awsec2.IPeer{awsec2.Peer_Ipv4(customDb.Vpc.VpcCidrBlock())}},
	})
	nag.Suppress(api, nag.NoDLQSynchronous())
	customDb.GrantConnect(api, "app")
	customDb.Bind(api, "app")
	proxyRoleGrant = customDb.GrantConnect(analystRole(customStack), "analyst")
	customDb.AddMigrations(&serverlessdb.MigrationsProps{
		Function: inVpc(customStack, "Migrate", customDb),
		Version:  jsii.String("v7"),
	})

	// Existing: a VPC of the caller's, Props.Migrations, a direct grant.
	existingStack = awscdk.NewStack(app, jsii.String("Existing"), nil)
	vpc := awsec2.NewVpc(existingStack, jsii.String("Vpc"), &awsec2.VpcProps{
		MaxAzs: jsii.Number(2), NatGateways: jsii.Number(1),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("Public"), SubnetType: awsec2.SubnetType_PUBLIC},
			{Name: jsii.String("App"), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
			{Name: jsii.String("Data"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED},
		},
	})
	appSubnets := &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
	migrate := gofunction.New(existingStack, "Migrate", &gofunction.Props{
		Entry:           jsii.String(hello),
		FunctionOptions: awslambda.FunctionOptions{Vpc: vpc, VpcSubnets: appSubnets},
	})
	existingDb = serverlessdb.New(existingStack, "Db", &serverlessdb.Props{
		ExistingVpc:            vpc,
		SecretsManagerEndpoint: jsii.Bool(true),
		Migrations:             &serverlessdb.MigrationsProps{Function: migrate, Version: jsii.String("v2")},
	})
	reports := gofunction.New(existingStack, "Reports", &gofunction.Props{
		Entry:           jsii.String(hello),
		FunctionOptions: awslambda.FunctionOptions{Vpc: vpc, VpcSubnets: existingDb.FunctionSubnets()},
	})
	existingDb.GrantConnect(reports, "reporting")
	existingDb.Bind(reports, "reporting")
	directRoleGrant = existingDb.GrantConnect(analystRole(existingStack), "analyst")

	consumerStack = awscdk.NewStack(app, jsii.String("Consumer"), nil)
	customDb.GrantConnect(analystRole(consumerStack), "reader")

	// Regional: an environment-specific stack over three AZs.
	regionalStack = awscdk.NewStack(app, jsii.String("Regional"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")},
	})
	serverlessdb.New(regionalStack, "Db", &serverlessdb.Props{
		MaxAzs: jsii.Number(3), NatGateways: jsii.Number(2), Readers: jsii.Number(2),
	})

	// Zoned: an environment-agnostic stack with its zones given by name.
	zonedStack = awscdk.NewStack(app, jsii.String("Zoned"), nil)
	serverlessdb.New(zonedStack, "Db", &serverlessdb.Props{
		AvailabilityZones: jsii.Strings(zonedAZs...), Readers: jsii.Number(1),
	})

	app.Synth(nil)
	missingContext = readMissingContext(outDir)
	defaultsTpl = assertions.Template_FromStack(defaultsStack, nil)
	customTpl = assertions.Template_FromStack(customStack, nil)
	existingTpl = assertions.Template_FromStack(existingStack, nil)
	regionalTpl = assertions.Template_FromStack(regionalStack, nil)
	zonedTpl = assertions.Template_FromStack(zonedStack, nil)
	consumerTpl = assertions.Template_FromStack(consumerStack, nil)

	code := m.Run()
	os.RemoveAll(outDir)
	jsii.Close()
	os.Exit(code)
}

// readMissingContext reads the context lookups the cloud assembly asks for.
// (CloudAssembly.Manifest() does not deserialize in Go.)
func readMissingContext(outDir string) []string {
	b, err := os.ReadFile(filepath.Join(outDir, "manifest.json"))
	if err != nil {
		panic(err)
	}
	var manifest struct {
		Missing []struct{ Key string } `json:"missing"`
	}
	if err := json.Unmarshal(b, &manifest); err != nil {
		panic(err)
	}
	var keys []string
	for _, m := range manifest.Missing {
		keys = append(keys, m.Key)
	}
	return keys
}

// analystRole is a role people assume, e.g. to connect with psql.
func analystRole(stack awscdk.Stack) awsiam.Role {
	return awsiam.NewRole(stack, jsii.String("Analyst"), &awsiam.RoleProps{AssumedBy: awsiam.NewAccountRootPrincipal()})
}

// inVpc is a Go function placed where the database wants its clients.
func inVpc(stack awscdk.Stack, id string, db *serverlessdb.ServerlessDb) awslambda.Function {
	return gofunction.New(stack, id, &gofunction.Props{
		Entry:           jsii.String(hello),
		FunctionOptions: awslambda.FunctionOptions{Vpc: db.Vpc, VpcSubnets: db.FunctionSubnets()},
	})
}

func TestNagDefaults(t *testing.T) {
	for _, e := range cdktest.NagErrors(defaultsStack) {
		t.Error(e)
	}
}

func TestNagCustom(t *testing.T) {
	for _, e := range cdktest.NagErrors(customStack) {
		t.Error(e)
	}
}

// Bind's egress rule, which CDK drops for a function that allows all
// outbound traffic, leaves no warning behind.
func TestBindLeavesNoEgressWarning(t *testing.T) {
	for _, stack := range []awscdk.Stack{customStack, existingStack} {
		msgs := assertions.Annotations_FromStack(stack).FindWarning(jsii.String("*"),
			assertions.Match_StringLikeRegexp(jsii.String("Ignoring Egress rule")))
		for _, m := range *msgs {
			t.Errorf("%s: %v", *m.Id, m.Entry.Data)
		}
	}
}

// Nothing left as a warning either: validation failures and Serverless
// warnings are suppressed with reasons or fixed.
func TestNagWarnings(t *testing.T) {
	for _, stack := range []awscdk.Stack{defaultsStack, customStack} {
		msgs := assertions.Annotations_FromStack(stack).FindWarning(jsii.String("*"),
			assertions.Match_StringLikeRegexp(jsii.String("^(AwsSolutions|Serverless|CdkNagValidationFailure)")))
		for _, m := range *msgs {
			t.Errorf("%s: %v", *m.Id, m.Entry.Data)
		}
	}
}
