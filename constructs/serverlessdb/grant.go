package serverlessdb

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/contract"
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
