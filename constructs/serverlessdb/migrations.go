package serverlessdb

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/nag"
	"github.com/stratus-cdk/stratus/internal/synth/propcheck"
)

// AddMigrations runs m.Function as a CloudFormation custom resource (the CDK
// Provider framework) after the cluster and its instances are available: on
// create and whenever m.Version changes. The function gets DB_SECRET_ARN and
// read access to the admin secret, and may reach the cluster directly (not
// through the proxy: the admin logs in with its password). An error returned
// by the function fails the deployment. Call it once, after New, when the
// function could only be created in the VPC New made; Props.Migrations does
// the same at New.
func (db *ServerlessDb) AddMigrations(m *MigrationsProps) awscdk.CustomResource {
	c := propcheck.On("serverlessdb.AddMigrations", db.Construct)
	if db.Migrations != nil {
		c.Add("m", propcheck.Shown("(a second migrations function)"), "a database has one; %s already runs the first", *db.Migrations.Node().Path())
	}
	if m == nil {
		c.Add("m", nil, "required: the migrations function and version")
	} else {
		validateMigrations(c, "", m)
	}
	c.Panic()
	fn := m.Function
	db.Secret.GrantRead(fn, nil)
	fn.AddEnvironment(jsii.String(db.props.env.secretArn), db.Secret.SecretArn(), nil)
	db.Cluster.Connections().AllowDefaultPortFrom(fn, jsii.String("Migrations "+*fn.Node().Path()+" as the admin user"))
	nag.Suppress(fn, nag.NoDLQCustomResource())

	provider := db.newMigrationsProvider(fn)
	cr := awscdk.NewCustomResource(db.Construct, jsii.String("Migrations"), &awscdk.CustomResourceProps{
		ServiceToken: provider.ServiceToken(),
		ResourceType: jsii.String("Custom::DatabaseMigrations"),
		Properties:   &map[string]any{"Version": m.Version},
	})
	// The cluster construct holds the writer and readers, the security group
	// the ingress rule letting the function in.
	// The admin secret holds its attachment and rotation schedule.
	cr.Node().AddDependency(db.Cluster, db.SecurityGroup, db.adminSecret)
	if db.smEndpoint != nil {
		cr.Node().AddDependency(db.smEndpoint)
	}
	db.Migrations = cr
	return cr
}

// newMigrationsProvider is the Provider framework's onEvent function with a
// role and log group of its own: the role may write only to that log group
// (CDK's default role carries the AWS managed AWSLambdaBasicExecutionRole).
func (db *ServerlessDb) newMigrationsProvider(fn awslambda.Function) customresources.Provider {
	logs := awslogs.NewLogGroup(db.Construct, jsii.String("MigrationsProviderLogs"), &awslogs.LogGroupProps{
		Retention:     db.props.logRetention,
		EncryptionKey: db.EncryptionKey,
		RemovalPolicy: retainUnlessDestroy(db.props.removalPolicy),
	})
	role := awsiam.NewRole(db.Construct, jsii.String("MigrationsProviderRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Custom-resource provider of the migrations of " + *db.Node().Path()),
	})
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: jsii.Strings(*logs.LogGroupArn()),
	}))
	provider := customresources.NewProvider(db.Construct, jsii.String("MigrationsProvider"), &customresources.ProviderProps{
		OnEventHandler:       fn,
		FrameworkOnEventRole: role,
		LogGroup:             logs,
	})
	nag.Suppress(role, nag.Rule("AwsSolutions-IAM5",
		"The Provider framework invokes the migrations function by ARN and by any of its versions (ARN:*), as CDK grants it.",
		"Resource::<"+logicalID(fn)+".Arn>:*"))
	nag.Suppress(provider,
		nag.NoDLQCustomResource(),
		nag.Rule("Serverless-LambdaTracing", "CDK's provider framework function offers no tracing option; the migrations function it invokes is traced."),
		nag.Rule("Serverless-LambdaDefaultMemorySize", "CDK's provider framework function offers no memory setting; it only relays one synchronous call to the migrations function."),
	)
	return provider
}

// logicalID is the CloudFormation logical id of fn's resource, as cdk-nag
// names it in appliesTo findings.
func logicalID(fn awslambda.Function) string {
	stack := awscdk.Stack_Of(fn)
	return fmt.Sprint(stack.Resolve(stack.GetLogicalId(fn.Node().DefaultChild().(awscdk.CfnElement))))
}

// HashDir returns a SHA-256 over the relative paths and contents of the
// regular files under dir, in lexical order: a Migrations.Version that
// changes exactly when the migrations do. It panics if dir cannot be read.
func HashDir(dir string) string {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.ToSlash(rel), len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		panic(fmt.Sprintf("serverlessdb: HashDir(%q): %v", dir, err))
	}
	return hex.EncodeToString(h.Sum(nil))
}
