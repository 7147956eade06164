package serverlessdb

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/contract"
	"github.com/stratus-cdk/stratus/internal/nag"
)

// GrantConnect lets fn connect as dbUser with IAM authentication: IAM
// rds-db:connect for exactly that user on the cluster (or on the proxy, whose
// role then gets it on the cluster), ingress from fn's security groups, and
// the environment variables DB_HOST, DB_PORT, DB_NAME, DB_USER and
// DB_IAM_AUTH=true. The user itself is created by the migrations
// (CREATE ROLE … LOGIN; GRANT rds_iam TO …). fn must be in the database's
// VPC; dbUser may not be the admin user, whose password logins rotation and
// migrations rely on (rds_iam would switch them off).
func (db *ServerlessDb) GrantConnect(fn awslambda.Function, dbUser string) {
	where := fmt.Sprintf("serverlessdb %s: GrantConnect(%s, %q)", *db.Node().Path(), *fn.Node().Path(), dbUser)
	if !*fn.IsBoundToVpc() {
		panic(where + ": the function is not in a VPC; create it with Vpc set to the database's Vpc and VpcSubnets from FunctionSubnets()")
	}
	if !identifierRE.MatchString(dbUser) {
		panic(where + ": dbUser must start with a letter or _ and hold at most 63 letters, digits or _")
	}
	if strings.EqualFold(dbUser, DefaultAdminUser) {
		panic(where + ": dbUser is the admin user, which must keep password authentication for rotation and migrations")
	}

	desc := jsii.String("Lambda " + *fn.Node().Path() + " as " + dbUser)
	if db.Proxy != nil {
		db.Proxy.GrantConnect(fn, jsii.String(dbUser))
		// AllowTo, not Proxy.AllowFrom: CDK then puts the ingress rule in the
		// function's stack, so a function in another stack does not make the
		// database's stack depend on it (a cycle).
		fn.Connections().AllowTo(db.Proxy, awsec2.Port_Tcp(jsii.Number(ProxyPort)), desc)
		db.grantProxyUser(dbUser)
	} else {
		db.Cluster.GrantConnect(fn, jsii.String(dbUser))
		fn.Connections().AllowTo(db.Cluster, awsec2.Port_Tcp(db.ClusterPort()), desc)
	}
	fn.AddEnvironment(jsii.String(contract.EnvDBHost), db.Endpoint(), nil)
	fn.AddEnvironment(jsii.String(contract.EnvDBPort), jsii.String(fmt.Sprint(*db.Port())), nil)
	fn.AddEnvironment(jsii.String(contract.EnvDBName), db.DatabaseName, nil)
	fn.AddEnvironment(jsii.String(contract.EnvDBUser), jsii.String(dbUser), nil)
	if db.Proxy != nil {
		// RDS Proxy pins a session to a client that prepares named
		// statements; the handlers' pool avoids them when told.
		fn.AddEnvironment(jsii.String(contract.EnvDBProxy), jsii.String("true"), nil)
	}
	fn.AddEnvironment(jsii.String(contract.EnvDBIAMAuth), jsii.String("true"), nil)
}

// grantProxyUser lets the proxy log in to the cluster as user with IAM
// authentication (end-to-end IAM needs rds-db:connect on the cluster's
// resource id for every user clients connect as).
func (db *ServerlessDb) grantProxyUser(user string) {
	if db.proxyUsers[user] {
		return
	}
	db.proxyUsers[user] = true
	db.proxyRole.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("rds-db:connect"),
		Resources: jsii.Strings(*awscdk.Stack_Of(db.Construct).FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("rds-db"),
			Resource:     jsii.String("dbuser"),
			ResourceName: jsii.String(*db.Cluster.ClusterResourceIdentifier() + "/" + user),
			ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})),
	}))
}

// AddMigrations runs m.Function as a CloudFormation custom resource (the CDK
// Provider framework) after the cluster and its instances are available: on
// create and whenever m.Version changes. The function gets DB_SECRET_ARN and
// read access to the admin secret, and may reach the cluster directly (not
// through the proxy: the admin logs in with its password). An error returned
// by the function fails the deployment. Call it once, after New, when the
// function could only be created in the VPC New made; Props.Migrations does
// the same at New.
func (db *ServerlessDb) AddMigrations(m *MigrationsProps) awscdk.CustomResource {
	where := fmt.Sprintf("serverlessdb %s: migrations", *db.Node().Path())
	if db.Migrations != nil {
		panic(where + ": already added; a database has one migrations function")
	}
	if problems := validateMigrations(m); len(problems) > 0 {
		panic(where + ":\n  - " + joinLines(problems))
	}
	fn := m.Function
	db.Secret.GrantRead(fn, nil)
	fn.AddEnvironment(jsii.String(contract.EnvDBSecretArn), db.Secret.SecretArn(), nil)
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
